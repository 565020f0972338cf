//! `studio-bench`: the render engine's benchmarks, run against a real dev server and a real
//! `studio worker` process (build with `--release` for meaningful figures).
//!
//! 1. throughput: N workflows × 7 zero-latency segments (bench provider) — workflows/s and the
//!    worker's peak RSS (VmHWM);
//! 2. critical path: 7 segments of 200 ms each — end-to-end vs character + slowest segment +
//!    stitch (target ≤ 1.05 × critical path + 300 ms);
//! 3. stitch: 7 offline 8 s clips joined by stream copy vs re-encode;
//! 4. scale: jobs/s with 1, 2 and 3 worker processes sharing a queue, and the time 3 workers
//!    take to drain a backlog of 200 jobs queued while no worker ran;
//! 5. load: 200 jobs × 7 clips started at once with `getProgress` asked across the running jobs
//!    and 20 jobs watched as the window watches them: worker CPU and memory, server CPU, query
//!    latency and history per job, as JSON lines (see `load.rs`).

mod load;

use load::cpu_secs;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use clap::Parser;
use studio_core::{AspectRatio, Character, ClipSeconds, Quality, Scenario, VideoRequest};
use studio_engine::devserver::{find_temporal_cli, free_port, DevServer, DevServerOptions};
use studio_engine::{names, Endpoint, RenderInput, StudioClient, Tuning};
use studio_media::offline::OfflineProvider;
use studio_media::{Angle, ClipRequest, Ffmpeg, ImageRequest, MediaProvider, TaskCtx};

#[derive(Parser)]
#[command(about = "Benchmarks of the SmokeTech Studio render engine")]
struct Args {
    /// Workflows in the throughput run.
    #[arg(long, default_value_t = 200)]
    workflows: usize,
    /// Segments per workflow.
    #[arg(long, default_value_t = 7)]
    segments: usize,
    /// Latency of each activity in the critical-path run, in ms.
    #[arg(long, default_value_t = 200)]
    latency_ms: u64,
    /// Repetitions of the critical-path run.
    #[arg(long, default_value_t = 5)]
    repeat: usize,
    /// Jobs per worker count in the scale run, and jobs queued for the drain run.
    #[arg(long, default_value_t = 200)]
    scale_jobs: usize,
    /// Skip parts: any of throughput, critical, stitch, scale (the 1-3 worker runs and the
    /// drain), scale-runs (the 1-3 worker runs only), load.
    #[arg(long, value_delimiter = ',')]
    skip: Vec<String>,
    /// Write the drain run's backlog, sampled every 250 ms from the moment its workers start,
    /// to this JSON file: the autoscaler simulation's recorded curve
    /// (deploy/kubernetes/tools/curves/).
    #[arg(long)]
    backlog_curve: Option<std::path::PathBuf>,
    /// Latency of each activity in the load run, in ms (0: the zero-latency stress; a few
    /// seconds: a render as the window watches it).
    #[arg(long, default_value_t = 0)]
    load_latency_ms: u64,
    /// Jobs in the load run.
    #[arg(long, default_value_t = 200)]
    load_jobs: usize,
    /// `getProgress` calls in the load run, spread over its running jobs.
    #[arg(long, default_value_t = 200)]
    queries: usize,
    /// Pause between two of those calls, in ms.
    #[arg(long, default_value_t = 100)]
    query_every_ms: u64,
    /// Jobs of the load run watched as the window does (a query every 250 ms each).
    #[arg(long, default_value_t = 20)]
    watch: usize,
    /// Whether the load run's jobs use the artifact cache (the seed's clients do).
    #[arg(long, default_value_t = true, action = clap::ArgAction::Set)]
    use_cache: bool,
    /// Runs of the load part.
    #[arg(long, default_value_t = 1)]
    runs: usize,
    /// A name carried by the load runs' JSON lines (e.g. "before", "after").
    #[arg(long, default_value = "")]
    label: String,
    /// Append each load run's JSON line to this file.
    #[arg(long)]
    json_out: Option<PathBuf>,
    /// The load part drives this running worker process instead of starting one (with
    /// --attach-port, the loopback port of its dev server, and --task-queue).
    #[arg(long, requires_all = ["attach_port", "task_queue"])]
    attach_pid: Option<u32>,
    #[arg(long)]
    attach_port: Option<u16>,
    #[arg(long)]
    task_queue: Option<String>,
    /// The attached dev server's pid, for its CPU figure.
    #[arg(long)]
    server_pid: Option<u32>,
}

fn request(segments: usize) -> VideoRequest {
    VideoRequest {
        character: Character {
            name: "Bench".into(),
            base_prompt: "a benchmark character".into(),
            ..Default::default()
        },
        scenarios: (0..segments)
            .map(|i| Scenario::new(format!("shot {i}")))
            .collect(),
        quality: Quality::Standard,
        aspect_ratio: AspectRatio::Landscape,
        ..Default::default()
    }
}

/// A `studio worker` process on `queue` with the bench provider.
fn worker(port: u16, queue: &str, data: &Path, latency_ms: u64) -> Result<Child> {
    let studio = std::env::current_exe()?
        .parent()
        .context("executable dir")?
        .join("studio");
    Command::new(&studio)
        .args(["worker", "--address", &format!("127.0.0.1:{port}")])
        .args(["--task-queue", queue, "--provider", "bench"])
        .arg("--data-dir")
        .arg(data)
        .env("STUDIO_BENCH_LATENCY_MS", latency_ms.to_string())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .with_context(|| {
            format!(
                "start {} (cargo build -p studio-cli first)",
                studio.display()
            )
        })
}

fn peak_rss_kib(pid: u32) -> Option<u64> {
    load::status_kib(pid, "VmHWM:")
}

async fn wait_for_pollers(client: &StudioClient) -> Result<()> {
    for _ in 0..100 {
        if client.pollers().await? > 0 {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    anyhow::bail!("the worker never polled")
}

async fn throughput(port: u16, data: &Path, n: usize, segments: usize) -> Result<()> {
    let queue = "bench-throughput";
    let mut w = worker(port, queue, data, 0)?;
    let client = StudioClient::connect(&Endpoint::local(port), queue).await?;
    wait_for_pollers(&client).await?;
    let idle = peak_rss_kib(w.id());
    let started = Instant::now();
    let ids = start_all(&client, "tp", n, segments).await?;
    let failed = finish_all(&client, &ids).await?;
    let elapsed = started.elapsed();
    let peak = peak_rss_kib(w.id());
    w.kill()?;
    w.wait()?;
    println!(
        "throughput: {n} workflows x {segments} segments in {:.2} s = {:.1} workflows/s \
         ({:.0} activities/s); failed {failed}; worker RSS idle {} MiB, peak {} MiB",
        elapsed.as_secs_f64(),
        n as f64 / elapsed.as_secs_f64(),
        (n * (segments + 2)) as f64 / elapsed.as_secs_f64(),
        idle.unwrap_or(0) / 1024,
        peak.unwrap_or(0) / 1024,
    );
    Ok(())
}

async fn critical_path(
    port: u16,
    data: &Path,
    latency_ms: u64,
    segments: usize,
    repeat: usize,
) -> Result<()> {
    let queue = "bench-critical";
    // Enough activity slots for every segment at once, whatever this machine's "auto" gives.
    let dir = data.join("critical-worker");
    let mut settings = studio_api::Settings::default();
    settings.worker.max_concurrent_activities = (segments + 1).into();
    settings.save(&dir)?;
    let mut w = worker(port, queue, &dir, latency_ms)?;
    let client = StudioClient::connect(&Endpoint::local(port), queue).await?;
    wait_for_pollers(&client).await?;
    // All segments in parallel, so the critical path is character + one segment + stitch.
    let tuning = Tuning {
        max_parallel_segments: segments as u32,
        ..Tuning::default()
    };
    let mut times = Vec::new();
    let mut criticals = Vec::new();
    for i in 0..repeat {
        let id = format!("bench-cp-{i}-{}", std::process::id());
        let started = Instant::now();
        client
            .start_render(
                &id,
                RenderInput {
                    request: request(segments),
                    tuning: Some(tuning),
                    use_cache: false,
                    ..Default::default()
                },
            )
            .await?;
        client.result(&id).await?;
        times.push(started.elapsed());
        // The critical path as it actually ran: the character step, the slowest clip and the
        // stitch, each measured from its start to its completion in history.
        let records = studio_engine::history::activities(&client.history(&id).await?);
        let longest = |name: &str| {
            records
                .iter()
                .filter(|r| r.activity_type == name)
                .filter_map(|r| r.duration())
                .max()
                .unwrap_or_default()
        };
        criticals.push(
            longest(names::GENERATE_CHARACTER_IMAGES)
                + longest(names::GENERATE_VIDEO_SEGMENT)
                + longest(names::STITCH_VIDEOS),
        );
    }
    w.kill()?;
    w.wait()?;
    times.sort();
    criticals.sort();
    let median = times[times.len() / 2];
    let critical = criticals[criticals.len() / 2];
    let target = critical.mul_f64(1.05) + Duration::from_millis(300);
    println!(
        "critical path: {segments} segments, {latency_ms} ms per provider call; critical path \
         (character + slowest clip + stitch, from history) {} ms; end-to-end median {} ms (min {}, max {}) = {:.2}x + {} ms overhead; target <= {} ms: {}",
        critical.as_millis(),
        median.as_millis(),
        times[0].as_millis(),
        times[times.len() - 1].as_millis(),
        median.as_secs_f64() / critical.as_secs_f64(),
        median.saturating_sub(critical).as_millis(),
        target.as_millis(),
        if median <= target { "met" } else { "MISSED" }
    );
    Ok(())
}

/// Starts `n` renders on `client`'s queue at once.
async fn start_all(
    client: &StudioClient,
    tag: &str,
    n: usize,
    segments: usize,
) -> Result<Vec<String>> {
    let ids: Vec<String> = (0..n)
        .map(|i| format!("bench-{tag}-{i}-{}", std::process::id()))
        .collect();
    let starts = ids.iter().map(|id| {
        client.start_render(
            id,
            RenderInput {
                request: request(segments),
                tuning: None,
                use_cache: false,
                ..Default::default()
            },
        )
    });
    for r in futures::future::join_all(starts).await {
        r?;
    }
    Ok(ids)
}

async fn finish_all(client: &StudioClient, ids: &[String]) -> Result<usize> {
    let results = futures::future::join_all(ids.iter().map(|id| client.result(id))).await;
    if let Some(Err(e)) = results.iter().find(|r| r.is_err()) {
        eprintln!("bench: a job failed: {e}");
    }
    Ok(results.iter().filter(|r| r.is_err()).count())
}

async fn wait_for_activity_pollers(client: &StudioClient, n: usize) -> Result<()> {
    for _ in 0..200 {
        if client.queue_status().await?.activity_pollers >= n {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    anyhow::bail!("{n} workers never polled")
}

/// How the scale part runs: the 1-3 worker runs or not, and where the drain's curve goes.
struct ScaleRun<'a> {
    runs: bool,
    curve: Option<&'a Path>,
}

/// The scale part: jobs/s with 1, 2 and 3 workers sharing a queue (unless `how.runs` is
/// off), then the drain of a backlog.
async fn scale(
    port: u16,
    server_pid: u32,
    data: &Path,
    n: usize,
    segments: usize,
    how: ScaleRun<'_>,
) -> Result<()> {
    for workers in (1..=3).filter(|_| how.runs) {
        scale_run(port, server_pid, data, n, segments, workers).await?;
    }
    drain(port, data, n, segments, how.curve).await
}

/// `workers` worker processes on a queue of their own run `n` jobs: jobs/s, and the CPU the
/// dev server and the workers spent.
async fn scale_run(
    port: u16,
    server_pid: u32,
    data: &Path,
    n: usize,
    segments: usize,
    workers: usize,
) -> Result<()> {
    let queue = format!("bench-scale-{workers}");
    let client = StudioClient::connect(&Endpoint::local(port), queue.as_str()).await?;
    // One machine: its workers share one artifact store (a worker reads only its own store;
    // workers on several machines share a bucket instead).
    let procs = start_workers(
        port,
        &queue,
        &data.join(format!("scale-{workers}")),
        workers,
    )?;
    wait_for_activity_pollers(&client, workers).await?;
    let server_cpu = cpu_secs(server_pid);
    let worker_cpu: f64 = procs.iter().map(|p| cpu_secs(p.id())).sum();
    let started = Instant::now();
    let ids = start_all(&client, &format!("s{workers}"), n, segments).await?;
    let failed = finish_all(&client, &ids).await?;
    let elapsed = started.elapsed();
    let server_cpu = cpu_secs(server_pid) - server_cpu;
    let worker_cpu = procs.iter().map(|p| cpu_secs(p.id())).sum::<f64>() - worker_cpu;
    stop_workers(procs)?;
    println!(
        "scale: {workers} worker(s): {n} jobs x {segments} segments in {:.2} s = {:.1} jobs/s; \
         failed {failed}; CPU: dev server {server_cpu:.1} s, workers {worker_cpu:.1} s",
        elapsed.as_secs_f64(),
        n as f64 / elapsed.as_secs_f64()
    );
    Ok(())
}

/// `count` bench workers on `queue`, sharing the data dir `data`.
fn start_workers(port: u16, queue: &str, data: &Path, count: usize) -> Result<Vec<Child>> {
    (0..count).map(|_| worker(port, queue, data, 0)).collect()
}

fn stop_workers(procs: Vec<Child>) -> Result<()> {
    for mut p in procs {
        p.kill()?;
        p.wait()?;
    }
    Ok(())
}

/// Backlog drain: queue the jobs with no worker, then start 3 and time until all are done;
/// with `curve`, the backlog sampled as they drain it is written there.
async fn drain(
    port: u16,
    data: &Path,
    n: usize,
    segments: usize,
    curve: Option<&Path>,
) -> Result<()> {
    let queue = "bench-drain";
    let client = StudioClient::connect(&Endpoint::local(port), queue).await?;
    let ids = start_all(&client, "drain", n, segments).await?;
    let backlog = wait_for_backlog(&client, n as u64).await?;
    let started = Instant::now();
    let procs = start_workers(port, queue, &data.join("drain"), 3)?;
    let (failed, samples) = finish_sampling_backlog(&client, &ids, started).await;
    let failed = failed?;
    let elapsed = started.elapsed();
    if let Some(path) = curve {
        let drained = Drained {
            jobs: n,
            segments,
            backlog,
            elapsed,
        };
        write_curve(path, &drained, &samples)?;
    }
    stop_workers(procs)?;
    println!(
        "drain: backlog of {backlog} task(s) from {n} queued jobs, drained by 3 workers (started cold) in {:.2} s; failed {failed}",
        elapsed.as_secs_f64()
    );
    Ok(())
}

/// The queue's backlog once it holds `n` tasks, or after 20 s (the server counts a backlog
/// with some delay): what the workers start from.
async fn wait_for_backlog(client: &StudioClient, n: u64) -> Result<u64> {
    let mut backlog = 0;
    for _ in 0..100 {
        backlog = client.queue_status().await?.backlog;
        if backlog >= n {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    Ok(backlog)
}

/// Waits for every job while sampling the backlog every 250 ms (`(seconds since started,
/// backlog)`), until every job has ended; returns how many failed, and the samples.
async fn finish_sampling_backlog(
    client: &StudioClient,
    ids: &[String],
    started: Instant,
) -> (Result<usize>, Vec<(f64, u64)>) {
    let done = AtomicBool::new(false);
    let sample = async {
        let mut samples: Vec<(f64, u64)> = Vec::new();
        while !done.load(Ordering::Relaxed) {
            if let Ok(q) = client.queue_status().await {
                samples.push((started.elapsed().as_secs_f64(), q.backlog));
            }
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
        samples
    };
    let finish = async {
        let failed = finish_all(client, ids).await;
        done.store(true, Ordering::Relaxed);
        failed
    };
    tokio::join!(finish, sample)
}

/// What a drain run was, for its curve's file.
struct Drained {
    jobs: usize,
    segments: usize,
    backlog: u64,
    elapsed: Duration,
}

/// The drain's backlog curve, as the autoscaler simulation reads it.
fn write_curve(path: &Path, drained: &Drained, samples: &[(f64, u64)]) -> Result<()> {
    let curve = serde_json::json!({
        "what": "studio-bench drain: jobs queued with no worker, then 3 bench workers started cold at t=0",
        "build": if cfg!(debug_assertions) { "debug" } else { "release" },
        "jobs": drained.jobs,
        "segmentsPerJob": drained.segments,
        "workers": 3,
        "initialBacklog": drained.backlog,
        "drainedInSecs": drained.elapsed.as_secs_f64(),
        "samples": samples
            .iter()
            .map(|(t, b)| serde_json::json!([(t * 100.0).round() / 100.0, b]))
            .collect::<Vec<_>>(),
    });
    std::fs::write(path, serde_json::to_vec_pretty(&curve)?)?;
    println!(
        "drain: backlog curve ({} samples) written to {}",
        samples.len(),
        path.display()
    );
    Ok(())
}

async fn stitch(data: &Path, segments: usize) -> Result<()> {
    let ff = Ffmpeg::from_env();
    let provider = OfflineProvider::new(ff.clone());
    let task = TaskCtx::detached();
    let image = data.join("character.png");
    provider
        .character_image(
            &ImageRequest {
                name: "Bench".into(),
                prompt: "a benchmark character".into(),
                angle: Angle::Front,
                aspect_ratio: AspectRatio::Landscape,
                references: vec![],
                model: None,
            },
            &image,
            &task,
        )
        .await?;
    let mut clips: Vec<PathBuf> = Vec::new();
    for i in 0..segments {
        let out = data.join(format!("clip{i}.mp4"));
        let req = ClipRequest {
            prompt: format!("shot {i}"),
            negative_prompt: None,
            duration: ClipSeconds::default(),
            aspect_ratio: AspectRatio::Landscape,
            quality: Quality::Standard,
            image: image.clone(),
            references: vec![],
            model: None,
            variant: 0,
            last_frame: None,
        };
        provider.video_clip(&req, &out, &task).await?;
        clips.push(out);
    }
    let mut probes = Vec::new();
    for c in &clips {
        probes.push(ff.probe(c).await?);
    }
    let total = Duration::from_secs_f64(probes.iter().map(|p| p.duration).sum());
    let t = Instant::now();
    ff.concat_copy(&clips, total, &data.join("copy.mp4"), &task)
        .await?;
    let copy = t.elapsed();
    let t = Instant::now();
    ff.concat_reencode(&clips, &probes, total, &data.join("reencode.mp4"), &task)
        .await?;
    let reencode = t.elapsed();
    println!(
        "stitch: {segments} clips x 8 s 1280x720: stream copy {} ms, re-encode {} ms ({:.0}x)",
        copy.as_millis(),
        reencode.as_millis(),
        reencode.as_secs_f64() / copy.as_secs_f64()
    );
    Ok(())
}

impl Args {
    /// Whether `--skip` names `part`.
    fn skips(&self, part: &str) -> bool {
        self.skip.iter().any(|s| s == part)
    }

    /// What each load run does.
    fn load_args(&self) -> load::LoadArgs {
        load::LoadArgs {
            jobs: self.load_jobs,
            segments: self.segments,
            queries: self.queries,
            query_every: Duration::from_millis(self.query_every_ms),
            watch: self.watch,
            watch_every: Duration::from_millis(250),
            use_cache: self.use_cache,
            label: self.label.clone(),
        }
    }

    /// Prints a load run's JSON line, and appends it to `--json-out`.
    fn report(&self, line: serde_json::Value) -> Result<()> {
        println!("{line}");
        if let Some(path) = &self.json_out {
            load::append_line(path, &line)?;
        }
        Ok(())
    }
}

#[tokio::main]
async fn main() -> Result<()> {
    let args = Args::parse();
    let data = tempfile::tempdir()?;
    if let (Some(pid), Some(port), Some(queue)) =
        (args.attach_pid, args.attach_port, &args.task_queue)
    {
        let load_args = args.load_args();
        for _ in 0..args.runs {
            let endpoint = Endpoint::local(port);
            args.report(load::load(&endpoint, queue, pid, args.server_pid, &load_args).await?)?;
        }
        return Ok(());
    }
    if ["throughput", "critical", "scale", "load"]
        .iter()
        .any(|part| !args.skips(part))
    {
        server_parts(&args, data.path()).await?;
    }
    if !args.skips("stitch") {
        stitch(data.path(), args.segments).await?;
    }
    Ok(())
}

/// The parts that need a dev server, on one started for them: throughput, critical path,
/// load and scale, each unless skipped.
async fn server_parts(args: &Args, data: &Path) -> Result<()> {
    let mut server = DevServer::start(DevServerOptions {
        cli: find_temporal_cli(None)?,
        port: free_port(),
        ui_port: None,
        db_file: data.join("bench.db"),
        log_file: None,
        die_with_parent: true,
    })
    .await?;
    let port = server.port();
    if !args.skips("throughput") {
        throughput(port, data, args.workflows, args.segments).await?;
    }
    if !args.skips("critical") {
        critical_path(port, data, args.latency_ms, args.segments, args.repeat).await?;
    }
    if !args.skips("load") {
        load_runs(args, port, server.pid(), data).await?;
    }
    if !args.skips("scale") {
        let pid = server.pid().context("dev server pid")?;
        let how = ScaleRun {
            runs: !args.skips("scale-runs"),
            curve: args.backlog_curve.as_deref(),
        };
        scale(port, pid, data, args.scale_jobs, args.segments, how).await?;
    }
    server.stop();
    Ok(())
}

/// The load part, `--runs` times, each on a fresh worker with the defaults a user gets.
async fn load_runs(args: &Args, port: u16, server_pid: Option<u32>, data: &Path) -> Result<()> {
    let queue = "bench-load";
    let load_args = args.load_args();
    for run in 0..args.runs {
        let mut w = worker(
            port,
            queue,
            &data.join(format!("load-{run}")),
            args.load_latency_ms,
        )?;
        let line = load::load(
            &Endpoint::local(port),
            queue,
            w.id(),
            server_pid,
            &load_args,
        )
        .await;
        w.kill()?;
        w.wait()?;
        args.report(line?)?;
    }
    Ok(())
}
