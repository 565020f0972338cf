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
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use futures::stream::{FuturesUnordered, StreamExt};
use studio_core::{AspectRatio, Character, Quality, Scenario, VideoRequest};
use studio_engine::history::{counts, workflow_task_waits, HistoryCounts};
use studio_engine::{Endpoint, RenderInput, StudioClient};
use tokio::task::JoinHandle;

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

/// One kind of query's figures in the JSON line.
struct LatencySummary {
    /// Percentiles and failures.
    latency: serde_json::Value,
    /// The five slowest answers, with when they were asked.
    slowest: serde_json::Value,
    /// Answers for a job no worker had run yet.
    before_start: usize,
}

impl Latencies {
    fn summary(&self) -> LatencySummary {
        LatencySummary {
            latency: latency_json(self.times.clone(), self.failed),
            slowest: slowest(self, 5),
            before_start: self.before_start,
        }
    }
}

/// What the run shares with its query tasks: the jobs that have ended (their watchers stop,
/// the spread queries skip them) and the latencies each kind of query measured.
#[derive(Default)]
struct Shared {
    done: Mutex<HashSet<String>>,
    asked: Mutex<Latencies>,
    watched: Mutex<Latencies>,
}

/// The lock's data even when a holder panicked: the figures gathered so far are still good.
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Shared {
    fn is_done(&self, id: &str) -> bool {
        lock(&self.done).contains(id)
    }
}

async fn timed_progress(
    client: &StudioClient,
    id: &str,
    run_start: Instant,
    into: &Mutex<Latencies>,
) {
    let t = Instant::now();
    let r = client.progress(id).await;
    let mut l = lock(into);
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

/// The worker's memory and CPU and the dev server's CPU when a run starts, from /proc.
struct UsageAtStart {
    worker_pid: u32,
    server_pid: Option<u32>,
    idle_kib: u64,
    worker_cpu: f64,
    server_cpu: Option<f64>,
}

/// What the worker and the dev server used over a run.
struct Usage {
    idle_kib: u64,
    peak_kib: u64,
    worker_cpu: f64,
    server_cpu: Option<f64>,
}

impl UsageAtStart {
    /// Also resets the worker's peak, so the peak is this run's: VmHWM starts again from the
    /// current RSS.
    fn now(worker_pid: u32, server_pid: Option<u32>) -> Self {
        let _ = std::fs::write(format!("/proc/{worker_pid}/clear_refs"), "5");
        UsageAtStart {
            worker_pid,
            server_pid,
            idle_kib: status_kib(worker_pid, "VmRSS:").unwrap_or(0),
            worker_cpu: cpu_secs(worker_pid),
            server_cpu: server_pid.map(cpu_secs),
        }
    }

    /// The use since [`UsageAtStart::now`], read as the run's last job ends.
    fn since(&self) -> Usage {
        let worker_cpu = cpu_secs(self.worker_pid) - self.worker_cpu;
        let server_cpu = self
            .server_pid
            .zip(self.server_cpu)
            .map(|(p, c)| cpu_secs(p) - c);
        Usage {
            idle_kib: self.idle_kib,
            peak_kib: status_kib(self.worker_pid, "VmHWM:").unwrap_or(0),
            worker_cpu,
            server_cpu,
        }
    }
}

/// Runs the load once; prints a summary and returns the JSON line.
///
/// The steps: connect (queries over a connection of their own, as the window's are), wait for
/// the worker, start every job at once, query while the jobs run, wait for every result, then
/// read what each job's history holds.
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
    let usage = UsageAtStart::now(worker_pid, server_pid);

    let tag = std::process::id();
    let ids: Vec<String> = (0..args.jobs)
        .map(|i| format!("bench-load-{i}-{tag}"))
        .collect();
    let started = Instant::now();
    start_jobs(&client, &ids, args).await?;
    let shared = Arc::new(Shared::default());
    let spread = spread_queries(&ids, &shared, &queries, args, started);
    let watchers = watch_jobs(&ids, &shared, &queries, args, started);
    let failed = await_results(&client, &ids, &shared).await;
    let wall = started.elapsed();
    let usage = usage.since();
    spread.abort();
    for w in watchers {
        let _ = w.await;
    }

    let histories = read_histories(&client, &ids).await?;
    let line = json_line(args, failed, wall, &usage, &shared, &histories);
    print_summary(args, failed, wall, &usage, &line);
    Ok(line)
}

/// Starts every job at once, each with inputs of its own.
async fn start_jobs(client: &StudioClient, ids: &[String], args: &LoadArgs) -> Result<()> {
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
    Ok(())
}

/// `getProgress`, one running job after another: `args.queries` calls `args.query_every`
/// apart, each to the next job that has not ended (until none is left).
fn spread_queries(
    ids: &[String],
    shared: &Arc<Shared>,
    client: &Arc<StudioClient>,
    args: &LoadArgs,
    started: Instant,
) -> JoinHandle<()> {
    let (ids, shared, client) = (ids.to_vec(), shared.clone(), client.clone());
    let (n, every) = (args.queries, args.query_every);
    tokio::spawn(async move {
        let mut next = 0;
        for _ in 0..n {
            let Some(id) = (0..ids.len())
                .map(|k| &ids[(next + k) % ids.len()])
                .find(|id| !shared.is_done(id))
            else {
                break;
            };
            next = (ids.iter().position(|x| x == id).unwrap_or(0) + 1) % ids.len();
            timed_progress(&client, id, started, &shared.asked).await;
            tokio::time::sleep(every).await;
        }
    })
}

/// The window's path: `args.watch` jobs spread over the run's, each asked every
/// `args.watch_every` until it ends.
fn watch_jobs(
    ids: &[String],
    shared: &Arc<Shared>,
    client: &Arc<StudioClient>,
    args: &LoadArgs,
    started: Instant,
) -> Vec<JoinHandle<()>> {
    (0..args.watch.min(ids.len()))
        .map(|w| {
            let id = ids[w * ids.len() / args.watch.max(1)].clone();
            let (shared, client) = (shared.clone(), client.clone());
            let every = args.watch_every;
            tokio::spawn(async move {
                let mut tick = tokio::time::interval(every);
                tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
                while !shared.is_done(&id) {
                    tick.tick().await;
                    timed_progress(&client, &id, started, &shared.watched).await;
                }
            })
        })
        .collect()
}

/// Waits for every job's result, in the order they end, marking each ended (its queries
/// stop); returns how many failed, printing the first failure.
async fn await_results(client: &StudioClient, ids: &[String], shared: &Shared) -> usize {
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
        lock(&shared.done).insert(id);
    }
    failed
}

/// What the server keeps per job, summed over the run's jobs, and how long each job's
/// workflow tasks waited for a worker (`(to start, to close)`, its first task apart).
#[derive(Default)]
struct Histories {
    total: HistoryCounts,
    /// The most events one job's history holds.
    most: usize,
    first_waits: Vec<(Duration, Duration)>,
    later_waits: Vec<(Duration, Duration)>,
}

async fn read_histories(client: &StudioClient, ids: &[String]) -> Result<Histories> {
    let mut h = Histories::default();
    for id in ids {
        let events = client.history(id).await?;
        for w in workflow_task_waits(&events) {
            let into = if w.first {
                &mut h.first_waits
            } else {
                &mut h.later_waits
            };
            into.push((w.to_start, w.to_close));
        }
        let c = counts(&events);
        h.most = h.most.max(c.events);
        h.total.events += c.events;
        h.total.workflow_tasks += c.workflow_tasks;
        h.total.workflow_task_timeouts += c.workflow_task_timeouts;
        h.total.workflow_task_failures += c.workflow_task_failures;
        h.total.patch_markers += c.patch_markers;
        h.total.local_activity_markers += c.local_activity_markers;
        h.total.upserts += c.upserts;
        h.total.activities += c.activities;
    }
    Ok(h)
}

/// The run as one JSON line.
fn json_line(
    args: &LoadArgs,
    failed: usize,
    wall: Duration,
    usage: &Usage,
    shared: &Shared,
    histories: &Histories,
) -> serde_json::Value {
    let jobs = args.jobs as f64;
    let per_job = |n: usize| (n as f64 / jobs * 100.0).round() / 100.0;
    let asked = lock(&shared.asked).summary();
    let watched = lock(&shared.watched).summary();
    let waits = |w: &[(Duration, Duration)]| {
        serde_json::json!({
            "toStart": latency_json(w.iter().map(|p| p.0).collect(), 0),
            "toClose": latency_json(w.iter().map(|p| p.1).collect(), 0),
        })
    };
    let (total, worker_cpu, server_cpu) = (&histories.total, usage.worker_cpu, usage.server_cpu);
    serde_json::json!({
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
        "workerRssIdleMiB": (usage.idle_kib as f64 / 1024.0).round(),
        "workerRssPeakMiB": (usage.peak_kib as f64 / 1024.0).round(),
        "serverCpuSecs": server_cpu.map(|c| (c * 100.0).round() / 100.0),
        "serverCpuMsPerJob": server_cpu.map(|c| (c * 1000.0 / jobs).round()),
        "query": asked.latency,
        "querySlowest": asked.slowest,
        "queryBeforeStart": asked.before_start,
        "watch": {"jobs": args.watch, "everyMs": args.watch_every.as_millis() as u64,
                  "latency": watched.latency, "slowest": watched.slowest,
                  "beforeStart": watched.before_start},
        "workflowTaskWaits": {
            "first": waits(&histories.first_waits),
            "later": waits(&histories.later_waits),
        },
        "history": {
            "eventsPerJob": per_job(total.events),
            "eventsMax": histories.most,
            "workflowTasksPerJob": per_job(total.workflow_tasks),
            "workflowTaskTimeoutsPerJob": per_job(total.workflow_task_timeouts),
            "workflowTaskFailuresPerJob": per_job(total.workflow_task_failures),
            "patchMarkersPerJob": per_job(total.patch_markers),
            "localActivityMarkersPerJob": per_job(total.local_activity_markers),
            "upsertsPerJob": per_job(total.upserts),
            "activitiesPerJob": per_job(total.activities),
        },
    })
}

/// The run's summary line for a reader (the JSON line has everything).
fn print_summary(
    args: &LoadArgs,
    failed: usize,
    wall: Duration,
    usage: &Usage,
    line: &serde_json::Value,
) {
    let jobs = args.jobs as f64;
    println!(
        "load: {} jobs x {} clips in {:.1} s = {:.2} jobs/s, failed {failed}; worker CPU {:.1} s \
         ({:.0} ms/job), RSS idle {} MiB, peak {} MiB; server CPU {}; getProgress p50 {} ms, p99 {} ms; \
         watched p99 {} ms; {} events and {} workflow tasks per job; workflow tasks waited for a \
         worker p99 {} ms (first of a job) / {} ms (later)",
        args.jobs,
        args.segments,
        wall.as_secs_f64(),
        jobs / wall.as_secs_f64(),
        usage.worker_cpu,
        usage.worker_cpu * 1000.0 / jobs,
        usage.idle_kib / 1024,
        usage.peak_kib / 1024,
        usage
            .server_cpu
            .map_or("n/a".into(), |c| format!("{c:.1} s")),
        line["query"]["p50Ms"],
        line["query"]["p99Ms"],
        line["watch"]["latency"]["p99Ms"],
        line["history"]["eventsPerJob"],
        line["history"]["workflowTasksPerJob"],
        line["workflowTaskWaits"]["first"]["toStart"]["p99Ms"],
        line["workflowTaskWaits"]["later"]["toStart"]["p99Ms"],
    );
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
