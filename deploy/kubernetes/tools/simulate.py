#!/usr/bin/env python3
"""The autoscaler's arithmetic, simulated against backlog curves, with the shipped parameters.

KEDA and the HPA it creates, as documented (keda.sh "Scaling Deployments", Kubernetes "Horizontal
Pod Autoscaling"): every pollingInterval KEDA asks the Temporal scaler for the backlog; active =
backlog > activationTargetQueueSize; 0 -> 1 replica on activation, N -> 0 after cooldownPeriod
without activity (minReplicaCount 0 only); between 1 and max the HPA (sync every 15 s) computes
desired = ceil(backlog / targetQueueSize) (an External metric with an AverageValue target),
keeps the current count within a 10 % tolerance, takes the highest recommendation of the
scale-down stabilization window, and limits each step by the behavior policies. Removed pods
drain: they stop polling, running tasks get worker.gracefulShutdownSecs, and what is still
running then is handed back, retried elsewhere after the 2 min heartbeat timeout.

Every parameter comes from the rendered manifests (overlays/local), so a changed manifest
changes the figures. Backlog curves: one recorded by `studio-bench --backlog-curve` (its drain
run: 200 jobs queued with no worker, then 3 bench workers; `curves/bench-drain.json`), replayed
into the fast role's scaler; and two synthesized from the bench figures in docs/operations.md:

1. bench drain: 200 queued jobs (bench provider, zero latency), one fast worker already running
   (minReplicaCount 1), 6.5 jobs/s per worker and at most 7.1 jobs/s in all (the dev server is
   the bottleneck: 1 worker 6.2-7.1 jobs/s, 3 workers 6.7-7.4; 3 cold workers drained 200 jobs in
   26-31 s).
2. studio clips: the slow queue from zero: 12 renders of 7 clips submitted within a minute and 6
   more 20 minutes later; each render runs at most 4 clips at once (Tuning::max_parallel_segments)
   and a clip takes Veo's typical 120 s +-25 % (crates/studio-catalog/models.toml).
"""
import math
import os
import random
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import json  # noqa: E402

import render  # noqa: E402

HPA_SYNC = 15
HPA_TOLERANCE = 0.1
POD_STARTUP = 20          # scheduled, image present, connected, polling (assumed)
HEARTBEAT_TIMEOUT = 120   # tuning.rs: clips and 4K heartbeat_ms = 2 min
CLIP_SECONDS = 120        # Veo typical_seconds
PARALLEL_CLIPS = 4        # Tuning::default().max_parallel_segments


def params(role, objects):
    so = next(o for o in objects if o["kind"] == "ScaledObject"
              and o["metadata"]["name"] == f"studio-worker-{role}")
    dep = next(o for o in objects if o["kind"] == "Deployment"
               and o["metadata"]["name"] == f"studio-worker-{role}")
    cm = next(o for o in objects if o["kind"] == "ConfigMap"
              and o["metadata"]["name"] == "studio-worker-settings")
    worker = json.loads(cm["data"][f"{role}.json"])["worker"]
    spec, trig = so["spec"], so["spec"]["triggers"][0]["metadata"]
    beh = spec["advanced"]["horizontalPodAutoscalerConfig"]["behavior"]
    return {
        "poll": spec.get("pollingInterval", 30),
        "cooldown": spec.get("cooldownPeriod", 300),
        "min": spec.get("minReplicaCount", 0),
        "max": spec.get("maxReplicaCount", 100),
        "target": float(trig["targetQueueSize"]),
        "activation": float(trig["activationTargetQueueSize"]),
        "up_window": beh["scaleUp"].get("stabilizationWindowSeconds", 0),
        "up_pods": beh["scaleUp"]["policies"][0]["value"],
        "up_period": beh["scaleUp"]["policies"][0]["periodSeconds"],
        "down_window": beh["scaleDown"].get("stabilizationWindowSeconds", 300),
        "down_pods": beh["scaleDown"]["policies"][0]["value"],
        "down_period": beh["scaleDown"]["policies"][0]["periodSeconds"],
        "drain": worker["gracefulShutdownSecs"],
        "grace": dep["spec"]["template"]["spec"]["terminationGracePeriodSeconds"],
        "slots": worker.get("maxConcurrentSlowActivities" if role == "slow"
                            else "maxConcurrentActivities", 5),
    }


class Scaler:
    """KEDA + HPA for one ScaledObject; `replicas` is the Deployment's spec.replicas."""

    def __init__(self, p, replicas):
        self.p, self.replicas = p, replicas
        self.last_active = 0
        self.recs = []      # (t, recommendation) for the stabilization windows
        self.events = []    # (t, delta) for the rate policies

    def step(self, t, backlog):
        p = self.p
        if t % p["poll"] == 0:
            active = backlog > p["activation"]
            if active:
                self.last_active = t
                if self.replicas == 0:
                    self.replicas = max(p["min"], 1)
                    self.events.append((t, self.replicas))
            elif self.replicas > 0 and p["min"] == 0 and t - self.last_active >= p["cooldown"]:
                self.events.append((t, -self.replicas))
                self.replicas = 0
        if t % HPA_SYNC or self.replicas == 0:
            return
        cur = self.replicas
        ratio = backlog / (p["target"] * cur)
        raw = cur if abs(ratio - 1) <= HPA_TOLERANCE else math.ceil(backlog / p["target"])
        raw = min(max(raw, max(p["min"], 1)), p["max"])
        self.recs = [(ts, r) for ts, r in self.recs if t - ts < max(p["down_window"], 1)]
        self.recs.append((t, raw))
        up = [r for ts, r in self.recs if t - ts < max(p["up_window"], 1)]
        down = [r for ts, r in self.recs]
        desired = min(up) if raw > cur else max(down) if raw < cur else cur
        desired = max(min(desired, p["max"]), max(p["min"], 1))
        added = sum(d for ts, d in self.events if d > 0 and t - ts < p["up_period"])
        removed = -sum(d for ts, d in self.events if d < 0 and t - ts < p["down_period"])
        if desired > cur:
            desired = min(desired, cur + max(p["up_pods"] - added, 0))
        elif desired < cur:
            desired = max(desired, cur - max(p["down_pods"] - removed, 0))
        if desired != cur:
            self.events.append((t, desired - cur))
            self.replicas = desired


def bench_drain(p):
    """Fluid model of the bench's drain run; returns (seconds, peak pods, ready pods over time)."""
    per_worker, server_cap = 6.5, 7.1
    scaler = Scaler(p, p["min"])
    pods = [-POD_STARTUP] * p["min"]  # ready times; min replicas already running
    backlog, t, peak = 200.0, 0, len(pods)
    while backlog > 0:
        scaler.step(t, backlog)
        while len(pods) < scaler.replicas:
            pods.append(t + POD_STARTUP)
        ready = sum(1 for r in pods if r <= t)
        backlog -= min(server_cap, ready * per_worker)
        peak = max(peak, len(pods))
        t += 1
    return t, peak


def cold_drain(workers):
    """The bench's own run: `workers` started cold at t=0 (process start ~1 s), no autoscaler."""
    backlog, t = 200.0, 0
    while backlog > 0:
        backlog -= min(7.1, workers * 6.5) if t >= 1 else 0
        t += 1
    return t


def studio_clips(p, horizon=4800, seed=18):
    """Discrete simulation of the slow queue. Returns a dict of figures."""
    rng = random.Random(seed)
    renders = [{"start": 5 * i, "left": 7, "out": 0, "done": None} for i in range(12)]
    renders += [{"start": 1200 + 5 * i, "left": 7, "out": 0, "done": None} for i in range(6)]
    queue = []        # [available_at, render, seconds]
    pods = []         # {"ready": t, "drain_until": None|t, "running": [[render, seconds_left]]}
    scaler = Scaler(p, 0)
    interrupted, peak, pod_seconds, first_pod, zero_again = 0, 0, 0, None, None
    backlog_curve, last_done = [], 0
    for t in range(horizon):
        for i, r in enumerate(renders):     # a render keeps up to 4 clips scheduled
            if t >= r["start"]:
                while r["left"] and r["out"] < PARALLEL_CLIPS:
                    queue.append([t, i, CLIP_SECONDS * rng.uniform(0.75, 1.25)])
                    r["left"] -= 1
                    r["out"] += 1
        for pod in pods:                    # polling: ready, not draining, free slots
            if pod["ready"] <= t and pod["drain_until"] is None:
                while len(pod["running"]) < p["slots"]:
                    avail = [q for q in queue if q[0] <= t]
                    if not avail:
                        break
                    queue.remove(avail[0])
                    pod["running"].append(avail[0][1:])
        for pod in pods:                    # work
            for task in pod["running"]:
                task[1] -= 1
            for task in [x for x in pod["running"] if x[1] <= 0]:
                pod["running"].remove(task)
                r = renders[task[0]]
                r["out"] -= 1
                if not r["left"] and not r["out"]:
                    r["done"] = t
                    last_done = t
        for pod in list(pods):              # drains end
            if pod["drain_until"] is not None:
                if not pod["running"]:
                    pods.remove(pod)
                elif t >= pod["drain_until"]:
                    for render_i, left in pod["running"]:
                        queue.append([t + HEARTBEAT_TIMEOUT, render_i, left])
                        interrupted += 1
                    pods.remove(pod)
        backlog = sum(1 for q in queue if q[0] <= t)
        backlog_curve.append(backlog)
        scaler.step(t, backlog)
        live = [x for x in pods if x["drain_until"] is None]
        while len(live) < scaler.replicas:
            pod = {"ready": t + POD_STARTUP, "drain_until": None, "running": []}
            pods.append(pod)
            live.append(pod)
            if first_pod is None:
                first_pod = t + POD_STARTUP
        while len(live) > scaler.replicas:  # the ReplicaSet removes unready, then newest pods
            victim = sorted(live, key=lambda x: (x["ready"] <= t, -x["ready"]))[0]
            victim["drain_until"] = t + p["drain"]
            live.remove(victim)
        peak = max(peak, len(live))
        pod_seconds += len(pods)
        if all(r["done"] is not None for r in renders) and not pods and zero_again is None:
            zero_again = t
    walls = sorted(r["done"] - r["start"] for r in renders if r["done"] is not None)
    return {"finished": sum(r["done"] is not None for r in renders), "renders": len(renders),
            "interrupted": interrupted, "peak": peak, "first_pod": first_pod,
            "peak_backlog": max(backlog_curve), "last_done": last_done, "zero_again": zero_again,
            "pod_hours": pod_seconds / 3600, "wall_median": walls[len(walls) // 2],
            "wall_max": walls[-1], "curve": backlog_curve}


RECORDED = os.path.join(HERE, "curves", "bench-drain.json")


def replay_recorded(p, curve, tail=900):
    """The scaler's arithmetic fed the backlog `studio-bench` recorded (one sample a second,
    then `tail` seconds of an empty queue): the replicas it asks for, second by second."""
    samples = curve["samples"]
    end = int(samples[-1][0]) + 1
    series, j = [], 0
    for t in range(end):
        while j + 1 < len(samples) and samples[j + 1][0] <= t:
            j += 1
        series.append(samples[j][1])
    series += [0] * tail
    scaler = Scaler(p, p["min"])
    replicas = []
    for t, backlog in enumerate(series):
        scaler.step(t, backlog)
        replicas.append(scaler.replicas)
    return series, replicas


def main():
    objects = render.render(os.path.join(HERE, "..", "overlays", "local"))
    fast, slow = params("fast", objects), params("slow", objects)
    failures = []

    def expect(ok, what):
        print(f"  {'ok  ' if ok else 'FAIL'} {what}")
        if not ok:
            failures.append(what)

    print("simulate: the recorded curve (curves/bench-drain.json) and two synthesized from "
          "docs/operations.md's studio-bench figures")
    print(f"simulate: fast {fast}")
    print(f"simulate: slow {slow}")

    cold = cold_drain(3)
    secs, peak = bench_drain(fast)
    print(f"bench drain: 200 jobs; 3 cold workers, no autoscaler: {cold} s "
          f"(measured 26-31 s); KEDA from {fast['min']} worker: {secs} s, up to {peak} pods")
    expect(26 <= cold <= 31, "the model reproduces the measured drain (26-31 s)")
    expect(secs <= 35, "the autoscaled fast role drains the bench backlog within 35 s")
    expect(peak <= fast["max"], "never more fast pods than maxReplicaCount")

    if os.path.exists(RECORDED):
        with open(RECORDED) as f:
            curve = json.load(f)
        series, replicas = replay_recorded(fast, curve)
        drained = int(curve["drainedInSecs"]) + 1
        up = next((t for t, n in enumerate(replicas) if n > fast["min"]), None)
        back = next((t for t in range(drained, len(replicas)) if replicas[t] == fast["min"]
                     and all(n == fast["min"] for n in replicas[t:])), None)
        print(f"recorded drain ({curve['build']} build, {curve['jobs']} jobs x "
              f"{curve['segmentsPerJob']} clips, {curve['workers']} fixed workers): backlog "
              f"{curve['initialBacklog']} drained in {curve['drainedInSecs']:.1f} s; replayed "
              f"into the fast role's scaler: it asks for {max(replicas)} pods at most, more than "
              f"{fast['min']} from {up} s, back to {fast['min']} at {back} s")
        expect(max(replicas) <= fast["max"], "the recorded burst never asks for more than maxReplicaCount")
        expect(up is not None and up <= fast["poll"] + HPA_SYNC,
               "the recorded burst scales the fast role up within pollingInterval + one HPA sync")
        expect(back is not None, "after the recorded drain the fast role returns to minReplicaCount")
    else:
        print(f"simulate: no recorded curve at {RECORDED} (make one with studio-bench "
              "--backlog-curve); the synthesized curves stand alone")

    r = studio_clips(slow)
    curve = r["curve"]
    print(f"studio clips: {r['renders']} renders x 7 clips; backlog peak {r['peak_backlog']} clips; "
          f"first slow pod polling at {r['first_pod']} s; peak {r['peak']} pods "
          f"({r['peak'] * slow['slots']} clips at once); renders' clip phase median "
          f"{r['wall_median']} s, max {r['wall_max']} s; last clip done at {r['last_done']} s; "
          f"back to zero pods at {r['zero_again']} s; {r['pod_hours']:.2f} pod-hours "
          f"(a fixed fleet of {slow['max']}: {slow['max'] * len(curve) / 3600:.2f}); "
          f"clips handed back by scale-down: {r['interrupted']}")
    print("  backlog every 60 s: " + " ".join(str(curve[i]) for i in range(0, r["last_done"] + 60, 60)))
    expect(r["finished"] == r["renders"], "every render finishes")
    expect(r["first_pod"] <= slow["poll"] + POD_STARTUP,
           "a clip waiting on an empty slow role gets a pod within pollingInterval + start-up")
    expect(r["peak"] == slow["max"], f"a burst scales the slow role to maxReplicaCount ({slow['max']})")
    expect(r["interrupted"] == 0, "scale-down never hands back a running clip")
    expect(r["zero_again"] is not None and
           r["zero_again"] - r["last_done"] <= slow["cooldown"] + slow["poll"] + slow["drain"],
           "the slow role is back at zero within cooldownPeriod after the last clip")
    expect(slow["grace"] > slow["drain"] and fast["grace"] > fast["drain"],
           "terminationGracePeriodSeconds exceeds the SIGTERM drain")

    # Why the long drain, window and cooldown: with the worker's, KEDA's and the HPA's defaults.
    defaults = dict(slow, drain=30, down_window=300, cooldown=300)
    d = studio_clips(defaults)
    print(f"with the defaults (drain 30 s, scale-down window 300 s, cooldownPeriod 300 s): "
          f"clips handed back {d['interrupted']}, {d['pod_hours']:.2f} pod-hours, "
          f"clip phase max {d['wall_max']} s")
    bare = dict(slow, drain=30, down_window=0, down_pods=100)
    b = studio_clips(bare)
    print(f"with a 30 s drain and no scale-down window: clips handed back {b['interrupted']}, "
          f"clip phase max {b['wall_max']} s")
    expect(b["interrupted"] > 0, "without drain time and window, scale-down does interrupt "
           "running clips (so the check above means something)")
    five = studio_clips(dict(slow, target=5.0))
    print(f"with targetQueueSize 5 instead of {slow['target']:g}: peak {five['peak']} pods, "
          f"clip phase median {five['wall_median']} s, max {five['wall_max']} s")
    if failures:
        sys.exit(f"simulate: {len(failures)} check(s) failed")
    print("simulate: all checks passed")


if __name__ == "__main__":
    main()
