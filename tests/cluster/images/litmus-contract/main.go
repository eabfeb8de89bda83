// litmus-contract plays a litmus-go experiment by its published contract (litmus.md §4, §5), so that
// chaoslet's Job mode can be tested with a real pod on a real node where litmuschaos/go-runner cannot be
// pulled. It reads the env the runner passes, writes the ChaosResult (SOT, then EOT) with the pod's own
// service-account token, emits the experiment's Events, and does what CONTRACT_MODE says:
//
//	pass            SOT, PreChaosCheck, ChaosInject, TOTAL_CHAOS_DURATION, PostChaosCheck, EOT Pass, Summary
//	fail            the same, ending Completed/Fail with a CMD_PROBE_FAILURE errorOutput
//	crash           SOT, then exits CONTRACT_EXIT_CODE (default 2) without an EOT
//	no-result       exits 0 without writing any result
//	hang            SOT, then waits until SIGTERM (abort path) — forever otherwise
//	ignore-sigterm  SOT, then waits with SIGTERM ignored (only SIGKILL ends it)
//	container-kill  plays Litmus's container-kill helper: from the host PID namespace (the Job needs
//	                hostPID) it sends SIGNAL to PID 1 of TARGET_CONTAINER in each target pod, then
//	                requires restartCount to rise within STATUS_CHECK_TIMEOUT
//
// SIGTERM (in every mode but ignore-sigterm) takes litmus-go's abort path: EOT Stopped, stoppedRuns++,
// Summary "<exp> experiment has been aborted" on the engine and Abort on the result, exit 1.
// At start it prints one JSON line with the env it got and the service account its token names.
package main

import (
	"encoding/json"
	"fmt"
	"log"
	"os"
	"os/signal"
	"sort"
	"strings"
	"syscall"
	"time"
)

func main() {
	log.SetFlags(0)
	env := os.Getenv
	mode := env("CONTRACT_MODE")
	if mode == "" {
		mode = "pass"
	}
	k, err := newKube()
	if err != nil {
		log.Fatalf("litmus-contract: %v", err)
	}
	announce(k, mode)
	r := &run{
		k: k, ns: env("CHAOS_NAMESPACE"), engine: env("CHAOSENGINE"), experiment: env("EXPERIMENT_NAME"),
		uid: env("CHAOS_UID"), pod: env("POD_NAME"), instance: env("INSTANCE_ID"),
	}
	if r.ns == "" || r.experiment == "" || r.pod == "" {
		log.Fatalf("litmus-contract: CHAOS_NAMESPACE, EXPERIMENT_NAME and POD_NAME are required")
	}
	if mode == "no-result" {
		log.Printf("mode no-result: exiting without a ChaosResult")
		return
	}

	terms := make(chan os.Signal, 1)
	if mode == "ignore-sigterm" {
		signal.Ignore(syscall.SIGTERM, syscall.SIGINT)
	} else {
		signal.Notify(terms, syscall.SIGTERM, syscall.SIGINT)
	}
	if err := r.sot(); err != nil {
		log.Fatalf("litmus-contract: ChaosResult SOT: %v", err)
	}
	go func() { // litmus-go's abort watcher
		<-terms
		log.Printf("SIGTERM: aborting")
		_ = r.eot("Stopped", "Stopped", obj{"errorCode": "EXPERIMENT_ABORTED", "reason": "Chaos injection stopped!"})
		r.engineEvent("Summary", r.experiment+" experiment has been aborted", "Warning")
		r.resultEvent("Abort", "Experiment has been aborted", "Warning")
		os.Exit(1)
	}()

	switch mode {
	case "crash":
		code := seconds(env, "CONTRACT_EXIT_CODE", 2)
		log.Printf("mode crash: exiting %d after SOT", code)
		os.Exit(code)
	case "hang", "ignore-sigterm":
		r.engineEvent("PreChaosCheck", "AUT: Running", "Normal")
		log.Printf("mode %s: waiting", mode)
		select {}
	}

	r.engineEvent("PreChaosCheck", "AUT: Running", "Normal")
	duration := time.Duration(seconds(env, "TOTAL_CHAOS_DURATION", 30)) * time.Second
	var injectErr error
	if mode == "container-kill" {
		injectErr = containerKill(r, env, duration)
	} else {
		r.engineEvent("ChaosInject", "Injecting "+r.experiment+" chaos (litmus-contract, mode "+mode+")", "Normal")
		time.Sleep(duration)
	}
	if injectErr != nil {
		reason := fmt.Sprintf(`{"source":"%s","errorCode":"CHAOS_INJECT_ERROR","phase":"ChaosInject","reason":%q}`,
			r.pod, injectErr.Error())
		finish(r, "Error", "Error", obj{"errorCode": "CHAOS_INJECT_ERROR", "reason": reason})
		return
	}
	r.engineEvent("PostChaosCheck", "AUT: Running", "Normal")
	if mode == "fail" {
		finish(r, "Completed", "Fail", obj{"errorCode": "CMD_PROBE_FAILURE", "reason": "litmus-contract: told to fail"})
		return
	}
	finish(r, "Completed", "Pass", nil)
}

// finish writes the EOT and the Summary/verdict Events; the process exits 0, as litmus-go's does.
func finish(r *run, phase, verdict string, errOut obj) {
	if err := r.eot(phase, verdict, errOut); err != nil {
		log.Fatalf("litmus-contract: ChaosResult EOT: %v", err)
	}
	typ := "Normal"
	if verdict != "Pass" {
		typ = "Warning"
	}
	r.resultEvent(verdict, "experiment has been "+verdict+"ed", typ)
	r.engineEvent("Summary", r.experiment+" experiment has been "+verdict+"ed", typ)
	log.Printf("done: phase %s, verdict %s", phase, verdict)
}

// announce prints the env and the token's service account, for tests to read from the pod's log.
func announce(k *kube, mode string) {
	envMap := map[string]string{}
	keys := []string{}
	for _, kv := range os.Environ() {
		name, value, _ := strings.Cut(kv, "=")
		envMap[name] = value
		keys = append(keys, name)
	}
	sort.Strings(keys)
	line, _ := json.Marshal(map[string]any{
		"contract": "start", "mode": mode, "serviceAccount": k.serviceAccount(), "env": envMap, "envOrder": keys,
	})
	fmt.Println(string(line))
}
