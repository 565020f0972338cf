//! The load part: one client starts N jobs of S zero-latency clips at once, as the seed's
//! clients do (artifact cache on, no tuning, every job's inputs its own), while it asks
//! `getProgress` of the running jobs one after another and W watchers query their job every
//! 250 ms as the window does. Reports wall time, jobs/s, the worker's CPU and memory and the
//! dev server's CPU from /proc, query latency, and what each job's history holds; one JSON line
//! per run.
//!
//! The worker is a `studio worker` the bench starts, or one already running on a dev server of
//! this machine (`--attach-pid`, `--attach-port`, `--task-queue`): another build or set-up.

use std::collections::HashSet;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use futures::stream::{FuturesUnordered, StreamExt};
use studio_core::{AspectRatio, Character, Quality, Scenario, VideoRequest};
use studio_engine::history::{counts, workflow_task_waits, HistoryCounts};
use studio_engine::{Endpoint, RenderInput, StudioClient};

/// What the load part runs.
pub struct LoadArgs {
    pub jobs: usize,
    pub segments: usize,
    /// `getProgress` calls spread over the running jobs.
    pub queries: usize,
    /// Pause between two of those calls.
    pub query_every: Duration,
    /// Jobs watched as the window does.
    pub watch: usize,
    pub watch_every: Duration,
    pub use_cache: bool,
    pub label: String,
}

/// One job's inputs, its own (so no job finds another's clips in the artifact cache).
fn request(job: usize, segments: usize) -> VideoRequest {
    VideoRequest {
        character: Character {
            name: format!("Bench {job}"),
            base_prompt: format!("benchmark character number {job}"),
            ..Default::default()
        },
        scenarios: (0..segments)
            .map(|i| Scenario::new(format!("job {job} shot {i}")))
            .collect(),
        quality: Quality::Standard,
        aspect_ratio: AspectRatio::Landscape,
        ..Default::default()
    }
}

/// A `/proc/PID/status` field in KiB (VmRSS, VmHWM).
pub fn status_kib(pid: u32, field: &str) -> Option<u64> {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()?
        .lines()
        .find(|l| l.starts_with(field))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

/// CPU seconds (user + system) of a process and its waited-for children (ffmpeg).
pub fn cpu_secs(pid: u32) -> f64 {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|s| {
            let rest = s.rsplit_once(')')?.1.split_whitespace().collect::<Vec<_>>();
            let ticks: f64 = rest[11..15]
                .iter()
                .map(|v| v.parse::<f64>().unwrap_or(0.0))
                .sum();
            Some(ticks / 100.0)
        })
        .unwrap_or(0.0)
}

/// p-th percentile (nearest rank) of sorted latencies, in ms.
fn percentile(sorted: &[Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil().max(1.0) as usize;
    sorted[rank.min(sorted.len()) - 1].as_secs_f64() * 1000.0
}

fn latency_json(mut l: Vec<Duration>, failed: usize) -> serde_json::Value {
    l.sort();
    serde_json::json!({
        "n": l.len(),
        "failed": failed,
        "p50Ms": (percentile(&l, 50.0) * 10.0).round() / 10.0,
        "p90Ms": (percentile(&l, 90.0) * 10.0).round() / 10.0,
        "p99Ms": (percentile(&l, 99.0) * 10.0).round() / 10.0,
        "maxMs": (percentile(&l, 100.0) * 10.0).round() / 10.0,
    })
}

/// Query latencies and failures, shared by the query tasks.
#[derive(Default)]
struct Latencies {
    times: Vec<Duration>,
    /// When each answered query was asked, from the start of the run.
    asked_at: Vec<Duration>,
    /// Answers for a job no worker had run yet (its input's progress).
    before_start: usize,
    failed: usize,
}

async fn timed_progress(
    client: &StudioClient,
    id: &str,
    run_start: Instant,
    into: &Mutex<Latencies>,
) {
    let t = Instant::now();
    let r = client.progress(id).await;
    let mut l = into.lock().unwrap_or_else(|e| e.into_inner());
    match r {
        Ok(p) => {
            if p.stage == studio_core::Stage::Initializing {
                l.before_start += 1;
            }
            l.times.push(t.elapsed());
            l.asked_at.push(t - run_start);
        }
        Err(_) => l.failed += 1,
    }
}

/// The slowest answers and when in the run they were asked (`[asked at s, took ms]`): a tail
/// of queries asked in the first seconds is the intake of the burst, one spread over the run
/// is not.
fn slowest(l: &Latencies, n: usize) -> serde_json::Value {
    let mut pairs: Vec<_> = l.times.iter().zip(&l.asked_at).collect();
    pairs.sort_by(|a, b| b.0.cmp(a.0));
    pairs
        .into_iter()
        .take(n)
        .map(|(took, at)| {
            serde_json::json!([
                (at.as_secs_f64() * 10.0).round() / 10.0,
                took.as_millis() as u64
            ])
        })
        .collect()
}

/// Runs the load once; prints a summary and returns the JSON line.
pub async fn load(
    endpoint: &Endpoint,
    task_queue: &str,
    worker_pid: u32,
    server_pid: Option<u32>,
    args: &LoadArgs,
) -> Result<serde_json::Value> {
    let client = StudioClient::connect(endpoint, task_queue).await?;
    // Queries go over a connection of their own, as the window's do, not behind the result polls.
    let queries = Arc::new(StudioClient::connect(endpoint, task_queue).await?);
    super::wait_for_pollers(&client).await?;
    tokio::time::sleep(Duration::from_secs(2)).await;
    // The peak is this run's: VmHWM starts again from the current RSS.
    let _ = std::fs::write(format!("/proc/{worker_pid}/clear_refs"), "5");
    let idle_kib = status_kib(worker_pid, "VmRSS:").unwrap_or(0);
    let (worker_cpu0, server_cpu0) = (cpu_secs(worker_pid), server_pid.map(cpu_secs));

    let tag = std::process::id();
    let ids: Vec<String> = (0..args.jobs)
        .map(|i| format!("bench-load-{i}-{tag}"))
        .collect();
    let started = Instant::now();
    let starts = ids.iter().enumerate().map(|(i, id)| {
        client.start_render(
            id,
            RenderInput {
                request: request(i, args.segments),
                tuning: None,
                use_cache: args.use_cache,
                ..Default::default()
            },
        )
    });
    for r in futures::future::join_all(starts).await {
        r?;
    }
    let done: Arc<Mutex<HashSet<String>>> = Arc::default();
    let is_done = |done: &Mutex<HashSet<String>>, id: &str| {
        done.lock().unwrap_or_else(|e| e.into_inner()).contains(id)
    };

    // getProgress, one running job after another.
    let asked = Arc::new(Mutex::new(Latencies::default()));
    let spread = {
        let (ids, done, client, asked) =
            (ids.clone(), done.clone(), queries.clone(), asked.clone());
        let (n, every) = (args.queries, args.query_every);
        tokio::spawn(async move {
            let mut next = 0;
            for _ in 0..n {
                let Some(id) = (0..ids.len())
                    .map(|k| &ids[(next + k) % ids.len()])
                    .find(|id| !is_done(&done, id))
                else {
                    break;
                };
                next = (ids.iter().position(|x| x == id).unwrap_or(0) + 1) % ids.len();
                timed_progress(&client, id, started, &asked).await;
                tokio::time::sleep(every).await;
            }
        })
    };
    // The window's path: one job each, every 250 ms until it ends.
    let watched = Arc::new(Mutex::new(Latencies::default()));
    let watchers: Vec<_> = (0..args.watch.min(ids.len()))
        .map(|w| {
            let id = ids[w * ids.len() / args.watch.max(1)].clone();
            let (done, client, watched) = (done.clone(), queries.clone(), watched.clone());
            let every = args.watch_every;
            tokio::spawn(async move {
                let mut tick = tokio::time::interval(every);
                tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
                while !is_done(&done, &id) {
                    tick.tick().await;
                    timed_progress(&client, &id, started, &watched).await;
                }
            })
        })
        .collect();

    let mut results: FuturesUnordered<_> = ids
        .iter()
        .map(|id| async { (id.clone(), client.result(id).await) })
        .collect();
    let mut failed = 0;
    while let Some((id, r)) = results.next().await {
        if let Err(e) = r {
            if failed == 0 {
                eprintln!("bench: a job failed: {e}");
            }
            failed += 1;
        }
        done.lock().unwrap_or_else(|e| e.into_inner()).insert(id);
    }
    drop(results);
    let wall = started.elapsed();
    let worker_cpu = cpu_secs(worker_pid) - worker_cpu0;
    let server_cpu = server_pid.zip(server_cpu0).map(|(p, c)| cpu_secs(p) - c);
    let peak_kib = status_kib(worker_pid, "VmHWM:").unwrap_or(0);
    spread.abort();
    for w in watchers {
        let _ = w.await;
    }

    // What the server keeps per job.
    let mut total = HistoryCounts::default();
    let mut most = 0;
    let (mut first_waits, mut later_waits) = (Vec::new(), Vec::new());
    for id in &ids {
        let events = client.history(id).await?;
        for w in workflow_task_waits(&events) {
            let into = if w.first {
                &mut first_waits
            } else {
                &mut later_waits
            };
            into.push((w.to_start, w.to_close));
        }
        let c = counts(&events);
        most = most.max(c.events);
        total.events += c.events;
        total.workflow_tasks += c.workflow_tasks;
        total.workflow_task_timeouts += c.workflow_task_timeouts;
        total.workflow_task_failures += c.workflow_task_failures;
        total.patch_markers += c.patch_markers;
        total.local_activity_markers += c.local_activity_markers;
        total.upserts += c.upserts;
        total.activities += c.activities;
    }
    let per_job = |n: usize| (n as f64 / ids.len() as f64 * 100.0).round() / 100.0;
    let jobs = args.jobs as f64;
    let take = |m: &Mutex<Latencies>| {
        let mut l = m.lock().unwrap_or_else(|e| e.into_inner());
        (std::mem::take(&mut l.times), l.failed)
    };
    let before_start =
        |m: &Mutex<Latencies>| m.lock().unwrap_or_else(|e| e.into_inner()).before_start;
    let (asked_before_start, watched_before_start) = (before_start(&asked), before_start(&watched));
    let slow_asked = slowest(&asked.lock().unwrap_or_else(|e| e.into_inner()), 5);
    let slow_watched = slowest(&watched.lock().unwrap_or_else(|e| e.into_inner()), 5);
    let (asked, asked_failed) = take(&asked);
    let (watched, watched_failed) = take(&watched);
    let waits = |w: &[(Duration, Duration)]| {
        serde_json::json!({
            "toStart": latency_json(w.iter().map(|p| p.0).collect(), 0),
            "toClose": latency_json(w.iter().map(|p| p.1).collect(), 0),
        })
    };
    let line = serde_json::json!({
        "bench": "load",
        "label": args.label,
        "jobs": args.jobs,
        "segments": args.segments,
        "useCache": args.use_cache,
        "failed": failed,
        "wallSecs": (wall.as_secs_f64() * 100.0).round() / 100.0,
        "jobsPerSec": (jobs / wall.as_secs_f64() * 100.0).round() / 100.0,
        "workerCpuSecs": (worker_cpu * 100.0).round() / 100.0,
        "workerCpuMsPerJob": (worker_cpu * 1000.0 / jobs).round(),
        "workerRssIdleMiB": (idle_kib as f64 / 1024.0).round(),
        "workerRssPeakMiB": (peak_kib as f64 / 1024.0).round(),
        "serverCpuSecs": server_cpu.map(|c| (c * 100.0).round() / 100.0),
        "serverCpuMsPerJob": server_cpu.map(|c| (c * 1000.0 / jobs).round()),
        "query": latency_json(asked, asked_failed),
        "querySlowest": slow_asked,
        "queryBeforeStart": asked_before_start,
        "watch": {"jobs": args.watch, "everyMs": args.watch_every.as_millis() as u64,
                  "latency": latency_json(watched, watched_failed), "slowest": slow_watched,
                  "beforeStart": watched_before_start},
        "workflowTaskWaits": {"first": waits(&first_waits), "later": waits(&later_waits)},
        "history": {
            "eventsPerJob": per_job(total.events),
            "eventsMax": most,
            "workflowTasksPerJob": per_job(total.workflow_tasks),
            "workflowTaskTimeoutsPerJob": per_job(total.workflow_task_timeouts),
            "workflowTaskFailuresPerJob": per_job(total.workflow_task_failures),
            "patchMarkersPerJob": per_job(total.patch_markers),
            "localActivityMarkersPerJob": per_job(total.local_activity_markers),
            "upsertsPerJob": per_job(total.upserts),
            "activitiesPerJob": per_job(total.activities),
        },
    });
    println!(
        "load: {} jobs x {} clips in {:.1} s = {:.2} jobs/s, failed {failed}; worker CPU {:.1} s \
         ({:.0} ms/job), RSS idle {} MiB, peak {} MiB; server CPU {}; getProgress p50 {} ms, p99 {} ms; \
         watched p99 {} ms; {} events and {} workflow tasks per job; workflow tasks waited for a \
         worker p99 {} ms (first of a job) / {} ms (later)",
        args.jobs,
        args.segments,
        wall.as_secs_f64(),
        jobs / wall.as_secs_f64(),
        worker_cpu,
        worker_cpu * 1000.0 / jobs,
        idle_kib / 1024,
        peak_kib / 1024,
        server_cpu.map_or("n/a".into(), |c| format!("{c:.1} s")),
        line["query"]["p50Ms"],
        line["query"]["p99Ms"],
        line["watch"]["latency"]["p99Ms"],
        line["history"]["eventsPerJob"],
        line["history"]["workflowTasksPerJob"],
        line["workflowTaskWaits"]["first"]["toStart"]["p99Ms"],
        line["workflowTaskWaits"]["later"]["toStart"]["p99Ms"],
    );
    Ok(line)
}

/// Appends the JSON line to `path` (one run per line).
pub fn append_line(path: &Path, line: &serde_json::Value) -> Result<()> {
    use std::io::Write;
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .with_context(|| path.display().to_string())?;
    writeln!(f, "{line}")?;
    Ok(())
}
