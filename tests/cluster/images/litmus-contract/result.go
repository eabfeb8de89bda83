package main

// The ChaosResult and the Events, written as litmus-go writes them (litmus.md §5.1, §5.2): GET → modify →
// Update, retried on conflict; engine Events named <reason><experiment><chaosUID> and result Events named
// <reason><podName>, upserted with count++.

import (
	"fmt"
	"log"
	"strconv"
	"time"
)

type run struct {
	k          *kube
	ns         string
	engine     string
	experiment string
	uid        string
	pod        string
	instance   string
}

func (r *run) resultName() string {
	name := r.experiment
	if r.engine != "" {
		name = r.engine + "-" + r.experiment
	}
	if r.instance != "" {
		name += "-" + r.instance
	}
	return name
}

func (r *run) resultPath() string {
	return fmt.Sprintf("/apis/litmuschaos.io/v1alpha1/namespaces/%s/chaosresults/%s", r.ns, r.resultName())
}

// podLabels are the experiment pod's labels, which litmus-go copies onto the result.
func (r *run) podLabels() obj {
	labels := obj{}
	if p, err := r.k.get(fmt.Sprintf("/api/v1/namespaces/%s/pods/%s", r.ns, r.pod)); err == nil {
		for k, v := range sub(p, "metadata", "labels") {
			labels[k] = v
		}
	} else {
		log.Printf("cannot read my pod's labels: %v", err)
	}
	labels["chaosUID"] = r.uid
	return labels
}

// update retries GET → change → PUT on conflicts, as litmus-go does.
func (r *run) update(change func(o obj)) error {
	var err error
	for i := 0; i < 10; i++ {
		var o obj
		if o, err = r.k.get(r.resultPath()); err != nil {
			return err
		}
		change(o)
		if err = r.k.do("PUT", r.resultPath(), o, nil); err == nil || !isCode(err, 409) {
			return err
		}
		time.Sleep(200 * time.Millisecond)
	}
	return err
}

// sot creates the result (phase Running, verdict Awaited, history zeroed) or resets a kept one.
func (r *run) sot() error {
	status := obj{
		"experimentStatus": obj{"phase": "Running", "verdict": "Awaited", "probeSuccessPercentage": "Awaited"},
		"probeStatuses":    []any{},
	}
	body := obj{
		"apiVersion": "litmuschaos.io/v1alpha1",
		"kind":       "ChaosResult",
		"metadata":   obj{"name": r.resultName(), "namespace": r.ns, "labels": r.podLabels()},
		"spec":       obj{"engine": r.engine, "experiment": r.experiment, "instance": r.instance},
		"status": merge(status, obj{
			"history": obj{"passedRuns": 0, "failedRuns": 0, "stoppedRuns": 0, "targets": []any{}},
		}),
	}
	err := r.k.do("POST", fmt.Sprintf("/apis/litmuschaos.io/v1alpha1/namespaces/%s/chaosresults", r.ns), body, nil)
	if isCode(err, 409) {
		err = r.update(func(o obj) {
			st := sub(o, "status")
			st["experimentStatus"] = status["experimentStatus"]
			st["probeStatuses"] = status["probeStatuses"]
			sub(o, "metadata")["labels"] = r.podLabels()
		})
	}
	if err == nil {
		r.resultEvent("Awaited", "experiment has been Awaited", "Normal")
	}
	return err
}

// eot writes the end of the run: phase, verdict, errorOutput and the history counter litmus-go bumps.
func (r *run) eot(phase, verdict string, errOut obj) error {
	return r.update(func(o obj) {
		st := sub(o, "status")
		es := sub(st, "experimentStatus")
		es["phase"], es["verdict"] = phase, verdict
		delete(es, "errorOutput")
		if errOut != nil {
			es["errorOutput"] = errOut
		}
		switch verdict {
		case "Pass":
			es["probeSuccessPercentage"] = "100"
		default:
			es["probeSuccessPercentage"] = "0"
		}
		h := sub(st, "history")
		counter := map[string]string{"Pass": "passedRuns", "Fail": "failedRuns", "Stopped": "stoppedRuns"}[verdict]
		if counter != "" {
			n, _ := h[counter].(float64)
			h[counter] = n + 1
		}
	})
}

func merge(a, b obj) obj {
	for k, v := range b {
		a[k] = v
	}
	return a
}

func (r *run) engineEvent(reason, message, typ string) {
	if r.engine == "" {
		return
	}
	r.event(reason+r.experiment+r.uid, reason, message, typ, obj{
		"apiVersion": "litmuschaos.io/v1alpha1", "kind": "ChaosEngine", "name": r.engine, "namespace": r.ns, "uid": r.uid,
	})
}

func (r *run) resultEvent(reason, message, typ string) {
	res, err := r.k.get(r.resultPath())
	uid := ""
	if err == nil {
		uid = str(res, "metadata", "uid")
	}
	r.event(reason+r.pod, reason, message, typ, obj{
		"apiVersion": "litmuschaos.io/v1alpha1", "kind": "ChaosResult", "name": r.resultName(), "namespace": r.ns, "uid": uid,
	})
}

// event creates the Event, or bumps count and lastTimestamp when it exists (as litmus-go's events do).
func (r *run) event(name, reason, message, typ string, involved obj) {
	now := time.Now().UTC().Format(time.RFC3339)
	path := fmt.Sprintf("/api/v1/namespaces/%s/events", r.ns)
	ev := obj{
		"metadata":       obj{"name": name, "namespace": r.ns},
		"involvedObject": involved,
		"reason":         reason, "message": message, "type": typ, "count": 1,
		"firstTimestamp": now, "lastTimestamp": now,
		"source": obj{"component": r.pod},
	}
	err := r.k.do("POST", path, ev, nil)
	if isCode(err, 409) {
		var old obj
		if old, err = r.k.get(path + "/" + name); err == nil {
			n, _ := old["count"].(float64)
			old["count"], old["lastTimestamp"], old["message"] = n+1, now, message
			err = r.k.do("PUT", path+"/"+name, old, nil)
		}
	}
	if err != nil {
		log.Printf("event %s %s: %v", reason, name, err)
	}
}

func seconds(env func(string) string, name string, def int) int {
	if n, err := strconv.Atoi(env(name)); err == nil && n >= 0 {
		return n
	}
	return def
}
