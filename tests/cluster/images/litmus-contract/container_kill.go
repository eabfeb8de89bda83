package main

// container-kill as Litmus's helper does it (litmus.md §5.5), from the host PID namespace instead of
// crictl: the target container's init is found by its container ID in /proc/<pid>/cgroup and by being
// PID 1 in its own namespace (the last NSpid field), and signalled from outside that namespace, where
// the kernel delivers SIGKILL too. Then restartCount must rise.

import (
	"fmt"
	"log"
	"net/url"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"
)

type target struct{ ns, pod, container string }

func targets(r *run, env func(string) string) ([]target, error) {
	ns := env("CHAOS_NAMESPACE")
	spec := env("TARGETS") // kind:ns:[labels or names]
	parts := strings.SplitN(strings.Split(spec, ";")[0], ":", 3)
	if len(parts) == 3 && parts[1] != "" {
		ns = parts[1]
	}
	var pods []obj
	if names := strings.TrimSpace(env("TARGET_PODS")); names != "" {
		for _, n := range strings.Split(names, ",") {
			p, err := r.k.get(fmt.Sprintf("/api/v1/namespaces/%s/pods/%s", ns, strings.TrimSpace(n)))
			if err != nil {
				return nil, err
			}
			pods = append(pods, p)
		}
	} else if len(parts) == 3 && strings.Contains(parts[2], "=") {
		sel := strings.Trim(parts[2], "[]")
		var list struct{ Items []obj }
		path := fmt.Sprintf("/api/v1/namespaces/%s/pods?labelSelector=%s", ns, url.QueryEscape(sel))
		if err := r.k.do("GET", path, nil, &list); err != nil {
			return nil, err
		}
		pods = list.Items
	}
	if len(pods) == 0 {
		return nil, fmt.Errorf("no target pods from TARGETS %q / TARGET_PODS %q", spec, env("TARGET_PODS"))
	}
	var out []target
	for _, p := range pods {
		c := env("TARGET_CONTAINER")
		if c == "" {
			if cs, ok := sub(p, "spec")["containers"].([]any); ok && len(cs) > 0 {
				c, _ = cs[0].(map[string]any)["name"].(string)
			}
		}
		out = append(out, target{ns, str(p, "metadata", "name"), c})
	}
	return out, nil
}

// status reads a container's ID and restartCount from the pod status.
func (r *run) status(t target) (string, int, error) {
	p, err := r.k.get(fmt.Sprintf("/api/v1/namespaces/%s/pods/%s", t.ns, t.pod))
	if err != nil {
		return "", 0, err
	}
	cs, _ := sub(p, "status")["containerStatuses"].([]any)
	for _, c := range cs {
		m, _ := c.(map[string]any)
		if m["name"] == t.container {
			id, _ := m["containerID"].(string)
			n, _ := m["restartCount"].(float64)
			_, id, _ = strings.Cut(id, "://")
			return id, int(n), nil
		}
	}
	return "", 0, fmt.Errorf("pod %s/%s has no status for container %q", t.ns, t.pod, t.container)
}

// initPID finds the host PID of the container's init: its cgroup names the ID, its NSpid ends in 1.
func initPID(id string) (int, error) {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return 0, err
	}
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		cg, err := os.ReadFile(fmt.Sprintf("/proc/%d/cgroup", pid))
		if err != nil || !strings.Contains(string(cg), id) {
			continue
		}
		st, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
		if err != nil {
			continue
		}
		for _, line := range strings.Split(string(st), "\n") {
			if f := strings.Fields(line); len(f) > 1 && f[0] == "NSpid:" && f[len(f)-1] == "1" {
				return pid, nil
			}
		}
	}
	return 0, fmt.Errorf("no process of container %s is visible: the Job needs hostPID", id)
}

func containerKill(r *run, env func(string) string, duration time.Duration) error {
	sig := syscall.SIGKILL
	switch strings.TrimPrefix(strings.ToUpper(env("SIGNAL")), "SIG") {
	case "", "KILL":
	case "TERM":
		sig = syscall.SIGTERM
	default:
		return fmt.Errorf("SIGNAL %q: only SIGKILL and SIGTERM are allowed", env("SIGNAL"))
	}
	ts, err := targets(r, env)
	if err != nil {
		return err
	}
	timeout := time.Duration(seconds(env, "STATUS_CHECK_TIMEOUT", 180)) * time.Second
	interval := time.Duration(seconds(env, "CHAOS_INTERVAL", 10)) * time.Second
	start := time.Now()
	for round := 1; round == 1 || time.Since(start) < duration; round++ {
		for _, t := range ts {
			id, before, err := r.status(t)
			if err != nil {
				return err
			}
			pid, err := initPID(id)
			if err != nil {
				return err
			}
			r.engineEvent("ChaosInject", fmt.Sprintf("Injecting container-kill chaos (%s) on pod %s container %s", sig, t.pod, t.container), "Normal")
			log.Printf("round %d: %s to host pid %d (container %s of %s/%s, restartCount %d)", round, sig, pid, t.container, t.ns, t.pod, before)
			if err := syscall.Kill(pid, sig); err != nil {
				return fmt.Errorf("kill %d: %w", pid, err)
			}
			deadline := time.Now().Add(timeout)
			for {
				_, now, err := r.status(t)
				if err == nil && now > before {
					break
				}
				if time.Now().After(deadline) {
					return fmt.Errorf("container %s of pod %s did not restart within %s", t.container, t.pod, timeout)
				}
				time.Sleep(500 * time.Millisecond)
			}
		}
		if time.Since(start)+interval >= duration {
			break
		}
		time.Sleep(interval)
	}
	return nil
}
