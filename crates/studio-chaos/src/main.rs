//! `studio-chaos`: renders jobs with the offline provider while killing, at random moments
//! drawn from a printed seed, the workers (SIGKILL), the Temporal dev server (SIGKILL, then a
//! restart on the same SQLite file) and the client processes that started and watch the jobs.
//! Then it checks that nothing was lost:
//!
//! - every job finished;
//! - each job's history holds exactly one completed character step, one clip per scenario and
//!   one stitch (no completed activity ran again);
//! - every video is byte-identical to the same project rendered without faults;
//! - the planned kills happened, and worker kills hit workers in the middle of a clip;
//! - each job id ran as one workflow run (a restarted client attached, never started another);
//! - no ffmpeg outlived its worker, checked throughout the run (not once at the end);
//! - a job that fails is reported at once (a client exiting "job failed" stops the run);
//! - the artifact store holds no partial file: every object hashes to its name, and scratch
//!   files of killed workers are swept when the store is next opened.
//!
//! Loopback only; bounded in jobs, kills and time. Exit code 0 when every check passes.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, ensure, Context, Result};
use clap::Parser;
use rustix::process::{kill_process, Pid, Signal};
use studio_engine::devserver::{find_temporal_cli, free_port, DevServer, DevServerOptions};
use studio_engine::history::{self, ActivityOutcome};
use studio_engine::{names, Endpoint, StudioClient};
use studio_media::LocalStore;

#[derive(Parser)]
#[command(about = "Kill workers, the server and clients mid-render; prove nothing is lost")]
struct Args {
    /// Seed of the kill schedule (printed; default from the clock).
    #[arg(long)]
    seed: Option<u64>,
    /// Jobs to render.
    #[arg(long, default_value_t = 20)]
    jobs: usize,
    /// Kills to perform while they run.
    #[arg(long, default_value_t = 30)]
    kills: usize,
    /// 100 jobs and 100 kills.
    #[arg(long)]
    long: bool,
    /// Worker processes kept running.
    #[arg(long, default_value_t = 2)]
    workers: usize,
    /// Give up (and fail) after this long.
    #[arg(long, default_value_t = 900)]
    timeout_secs: u64,
    /// Keep the work directory for inspection.
    #[arg(long)]
    keep: bool,
}

const PROJECTS: usize = 4;
const QUEUE: &str = "chaos";

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Target {
    Worker,
    Server,
    Client,
}

struct Harness {
    studio: PathBuf,
    port: u16,
    data: PathBuf,
    projects: Vec<PathBuf>,
}

impl Harness {
    fn worker(&self) -> Result<Child> {
        Command::new(&self.studio)
            .args(["worker", "--address", &format!("127.0.0.1:{}", self.port)])
            .arg("--data-dir")
            .arg(&self.data)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .context("start studio worker")
    }

    /// `studio render --id ID --wait`: starts the job, or attaches to it after a restart.
    fn client(&self, job: usize) -> Result<Child> {
        Command::new(&self.studio)
            .arg("render")
            .arg(&self.projects[job % PROJECTS])
            .args(["--id", &job_id(job), "--wait"])
            .args(["--address", &format!("127.0.0.1:{}", self.port)])
            .arg("--data-dir")
            .arg(&self.data)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .context("start studio render")
    }
}

fn job_id(job: usize) -> String {
    format!("chaos-{job:03}")
}

fn write_settings(dir: &Path) -> Result<()> {
    std::fs::create_dir_all(dir)?;
    // Fast tuning: a killed worker's attempt is retried after a 3 s heartbeat timeout instead
    // of minutes; the seed's retry counts are kept (3 attempts). An activity whose attempts all
    // die with their workers is scheduled anew by the workflow (seed 1795752983419144323 once
    // failed a job that way). No bundled worker in clients: only the harness's workers run
    // activities.
    let tuning = studio_engine::Tuning::fast();
    let settings = serde_json::json!({
        "provider": "offline",
        // Jobs render the same 4 projects: reuse would skip the very work being tested.
        "useCache": false,
        "worker": {"taskQueue": QUEUE, "bundled": false, "gracefulShutdownSecs": 5},
        "tuning": tuning,
    });
    std::fs::write(
        dir.join("settings.json"),
        serde_json::to_vec_pretty(&settings)?,
    )?;
    Ok(())
}

fn write_projects(dir: &Path) -> Result<Vec<PathBuf>> {
    (0..PROJECTS)
        .map(|p| {
            let path = dir.join(format!("project-{p}.studio.json"));
            let project = serde_json::json!({
                "version": 1,
                "character": {"name": format!("Chaos {p}"), "basePrompt": format!("a stunt double number {p}")},
                "scenarios": [
                    {"id": "fall", "prompt": format!("falls off roof {p}"), "durationSeconds": 4},
                    {"id": "land", "prompt": format!("lands in hay {p}"), "durationSeconds": 4}
                ],
                "quality": "standard",
                "aspectRatio": "16:9"
            });
            std::fs::write(&path, serde_json::to_vec_pretty(&project)?)?;
            Ok(path)
        })
        .collect()
}

/// Sends `sig` to a child of ours. A refusal means it has already exited, which the `wait`
/// that follows every signal sees.
fn signal(pid: u32, sig: Signal) {
    if let Some(pid) = i32::try_from(pid).ok().and_then(Pid::from_raw) {
        let _ = kill_process(pid, sig);
    }
}

/// The file name (content address) of an artifact URI.
fn object_name(uri: &str) -> Result<String> {
    uri.rsplit('/')
        .next()
        .map(str::to_owned)
        .context("artifact URI without a name")
}

fn file_of(uri: &str) -> Result<PathBuf> {
    url_path(uri).with_context(|| format!("not a local artifact: {uri}"))
}

fn url_path(uri: &str) -> Option<PathBuf> {
    uri.strip_prefix("file://").map(PathBuf::from)
}

/// Every object in a local store hashes to its name.
async fn audit_objects(root: &Path) -> Result<usize> {
    let mut n = 0;
    let mut stack = vec![root.join("objects")];
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(&dir)?.flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
                continue;
            }
            let name = p.file_stem().and_then(|s| s.to_str()).unwrap_or_default();
            let hash = studio_media::store::hash_file(&p).await?;
            ensure!(
                hash == name,
                "{} holds bytes hashing to {hash}",
                p.display()
            );
            n += 1;
        }
    }
    Ok(n)
}

/// Renders each project once with no faults; returns the video's content address per project.
async fn reference(
    work: &Path,
    studio: &Path,
    port: u16,
    projects: &[PathBuf],
) -> Result<Vec<String>> {
    let data = work.join("reference");
    write_settings(&data)?;
    let h = Harness {
        studio: studio.to_owned(),
        port,
        data: data.clone(),
        projects: projects.to_vec(),
    };
    // Its own queue, so chaos workers never pick these up.
    let mut worker = Command::new(studio)
        .args(["worker", "--address", &format!("127.0.0.1:{port}")])
        .args(["--task-queue", "chaos-reference"])
        .arg("--data-dir")
        .arg(&data)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()?;
    let renders = h
        .projects
        .iter()
        .enumerate()
        .map(|(p, project)| {
            Command::new(studio)
                .arg("render")
                .arg(project)
                .args(["--id", &format!("reference-{p}"), "--wait"])
                .args(["--task-queue", "chaos-reference"])
                .args(["--address", &format!("127.0.0.1:{port}")])
                .arg("--data-dir")
                .arg(&data)
                .stdout(Stdio::piped())
                .stderr(Stdio::null())
                .spawn()
                .context("start a reference render")
        })
        .collect::<Result<Vec<_>>>()?;
    let mut names = Vec::new();
    for (p, render) in renders.into_iter().enumerate() {
        let out = render.wait_with_output()?;
        ensure!(out.status.success(), "reference render {p} failed");
        let path = String::from_utf8(out.stdout)?.trim().to_owned();
        names.push(object_name(&path)?);
    }
    signal(worker.id(), Signal::TERM);
    worker.wait()?;
    Ok(names)
}

async fn start_server(cli: &Path, port: u16, db: &Path) -> Result<DevServer> {
    Ok(DevServer::start(DevServerOptions {
        cli: cli.to_owned(),
        port,
        ui_port: None,
        db_file: db.to_owned(),
        log_file: None,
        die_with_parent: true,
    })
    .await?)
}

/// The processes of a chaos run and what became of them.
struct Run {
    workers: Vec<Child>,
    /// Render clients still waiting, by job.
    clients: BTreeMap<usize, Child>,
    /// Finished jobs and the video path their client printed.
    done: BTreeMap<usize, String>,
    client_restarts: usize,
    worker_exits: usize,
    /// ffmpeg processes seen without a live worker parent, and when first seen.
    orphan_seen: BTreeMap<u32, Instant>,
}

impl Run {
    /// Reaps clients that finished or died (a died client is started again: it attaches to
    /// its job) and replaces workers that exited on their own, as a supervisor would.
    fn housekeeping(&mut self, h: &Harness) -> Result<()> {
        let jobs: Vec<usize> = self.clients.keys().copied().collect();
        for job in jobs {
            let child = self.clients.get_mut(&job).expect("present");
            let Some(status) = child.try_wait()? else {
                continue;
            };
            let mut child = self.clients.remove(&job).expect("present");
            child.wait()?; // already reaped by try_wait; returns at once
                           // A client also exits non-zero when the server it watched was killed, so a failure
                           // is never taken as the job's end: the client is started again and reattaches.
                           // `studio render` exits 3 when the job failed: that is a finding, now.
            if status.code() == Some(3) {
                bail!(
                    "job {} failed (its client exited \"job failed\")",
                    job_id(job)
                );
            }
            if status.success() {
                let mut out = String::new();
                if let Some(mut stdout) = child.stdout.take() {
                    use std::io::Read;
                    stdout.read_to_string(&mut out)?;
                }
                self.done.insert(job, out.trim().to_owned());
            } else {
                self.client_restarts += 1;
                self.clients.insert(job, h.client(job)?);
            }
        }
        for w in self.workers.iter_mut() {
            if w.try_wait()?.is_some() {
                self.worker_exits += 1;
                *w = h.worker()?;
            }
        }
        // An ffmpeg whose worker died is killed with it (PR_SET_PDEATHSIG) within moments;
        // one still there 3 s later is an orphan.
        let parents: Vec<u32> = self.workers.iter().map(Child::id).collect();
        let now = Instant::now();
        let orphans = studio_testkit::ffmpeg_orphans(&h.data.display().to_string(), &parents);
        self.orphan_seen.retain(|pid, _| orphans.contains(pid));
        for pid in orphans {
            let first = *self.orphan_seen.entry(pid).or_insert(now);
            ensure!(
                now.duration_since(first) < Duration::from_secs(3),
                "ffmpeg {pid} outlived its worker by more than 3 s"
            );
        }
        Ok(())
    }
}

/// Retries a client call across server restarts.
async fn with_client<T, F, Fut>(port: u16, deadline: Instant, mut f: F) -> Result<T>
where
    F: FnMut(StudioClient) -> Fut,
    Fut: std::future::Future<Output = studio_engine::error::Result<T>>,
{
    loop {
        let attempt = async {
            let client = StudioClient::connect(&Endpoint::local(port), QUEUE).await?;
            f(client).await
        };
        match attempt.await {
            Ok(v) => return Ok(v),
            Err(_) if Instant::now() < deadline => {
                tokio::time::sleep(Duration::from_millis(500)).await;
            }
            Err(e) => return Err(e.into()),
        }
    }
}

#[tokio::main]
async fn main() -> Result<()> {
    let mut args = Args::parse();
    if args.long {
        args.jobs = 100;
        args.kills = 100;
    }
    let seed = args.seed.unwrap_or_else(|| {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(42)
    });
    println!(
        "chaos: seed {seed}, {} jobs, {} kills, {} workers (rerun: studio-chaos --seed {seed} --jobs {} --kills {})",
        args.jobs, args.kills, args.workers, args.jobs, args.kills
    );
    let mut rng = fastrand::Rng::with_seed(seed);
    let work_dir = tempfile::Builder::new().prefix("studio-chaos-").tempdir()?;
    let work = work_dir.path().to_owned();
    let studio = std::env::current_exe()?
        .parent()
        .context("executable dir")?
        .join("studio");
    ensure!(
        studio.exists(),
        "{} missing: cargo build -p studio-cli",
        studio.display()
    );
    let cli = find_temporal_cli(None)?;
    let port = free_port();
    let db = work.join("temporal").join("chaos.db");
    let deadline = Instant::now() + Duration::from_secs(args.timeout_secs);
    let mut server = start_server(&cli, port, &db).await?;

    let projects = write_projects(&work)?;
    let expected = reference(&work, &studio, port, &projects).await?;
    println!("chaos: reference videos rendered without faults: {expected:?}");

    let data = work.join("data");
    write_settings(&data)?;
    let h = Harness {
        studio: studio.clone(),
        port,
        data: data.clone(),
        projects: projects.clone(),
    };
    let mut run = Run {
        workers: (0..args.workers)
            .map(|_| h.worker())
            .collect::<Result<_>>()?,
        clients: BTreeMap::new(),
        done: BTreeMap::new(),
        client_restarts: 0,
        worker_exits: 0,
        orphan_seen: BTreeMap::new(),
    };
    let mut busy_worker_kills = 0usize;
    for job in 0..args.jobs {
        run.clients.insert(job, h.client(job)?);
    }
    let mut kills: BTreeMap<Target, usize> = BTreeMap::new();
    let started = Instant::now();

    let mut performed = 0;
    while performed < args.kills && run.done.len() < args.jobs {
        ensure!(Instant::now() < deadline, "timed out during the kill phase");
        let wait = Duration::from_millis(rng.u64(300..=1500));
        let until = Instant::now() + wait;
        while Instant::now() < until {
            run.housekeeping(&h)?;
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        if run.done.len() == args.jobs {
            break;
        }
        let target = match rng.u32(0..10) {
            0..=4 => Target::Worker,
            5..=6 => Target::Server,
            _ => Target::Client,
        };
        match target {
            Target::Worker => {
                let i = rng.usize(0..run.workers.len());
                let pid = run.workers[i].id();
                if !studio_testkit::ffmpeg_children(&data.display().to_string(), pid).is_empty() {
                    busy_worker_kills += 1;
                }
                signal(pid, Signal::KILL);
                run.workers[i].wait()?;
                run.workers[i] = h.worker()?;
            }
            Target::Server => {
                server.kill();
                server = start_server(&cli, port, &db).await?;
            }
            Target::Client => {
                let running: Vec<usize> = run.clients.keys().copied().collect();
                if running.is_empty() {
                    continue;
                }
                let job = running[rng.usize(0..running.len())];
                let mut child = run.clients.remove(&job).expect("present");
                signal(child.id(), Signal::KILL);
                child.wait()?;
                run.client_restarts += 1;
                run.clients.insert(job, h.client(job)?);
            }
        }
        *kills.entry(target).or_default() += 1;
        performed += 1;
    }
    println!(
        "chaos: {performed} kills in {:.1} s ({kills:?}, {busy_worker_kills} on a worker mid-clip); jobs done so far {}",
        started.elapsed().as_secs_f64(),
        run.done.len()
    );
    // The kills are the test: a run where the jobs outpaced them, or no worker kill landed on
    // a clip being made, proves little.
    let mut failures: Vec<String> = Vec::new();
    if performed < args.kills {
        failures.push(format!(
            "only {performed} of {} planned kills happened before every job finished",
            args.kills
        ));
    }
    let worker_kills = kills.get(&Target::Worker).copied().unwrap_or(0);
    if worker_kills >= 3 && busy_worker_kills == 0 {
        failures.push(format!(
            "none of the {worker_kills} worker kills hit a worker in the middle of a clip"
        ));
    }

    while run.done.len() < args.jobs {
        ensure!(
            Instant::now() < deadline,
            "timed out: {} of {} jobs finished",
            run.done.len(),
            args.jobs
        );
        run.housekeeping(&h)?;
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let wall = started.elapsed();

    // Stop the workers the way an operator would (SIGTERM drains), then look for orphans.
    for w in &mut run.workers {
        signal(w.id(), Signal::TERM);
    }
    for w in &mut run.workers {
        w.wait()?;
    }
    let orphans = studio_testkit::ffmpeg_processes(&work.display().to_string());

    // Check every job from the server's point of view.
    let mut retried = 0usize;
    let limit = 10 * args.jobs + 100;
    let runs = with_client(port, deadline, move |c| async move { c.list(limit).await }).await?;
    let mut rescheduled = 0usize;
    for job in 0..args.jobs {
        let id = job_id(job);
        let runs_of = runs.iter().filter(|r| r.id == id).count();
        if runs_of != 1 {
            failures.push(format!("{id}: {runs_of} workflow runs, expected exactly 1"));
        }
        // Bounded: a job still running here (no workers are left) must not hang the check.
        let result = tokio::time::timeout(
            Duration::from_secs(30),
            with_client(port, deadline, |c| {
                let id = id.clone();
                async move { c.result(&id).await }
            }),
        )
        .await
        .unwrap_or_else(|_| Err(anyhow::anyhow!("still not finished")));
        let result = match result {
            Ok(r) => r,
            Err(e) => {
                failures.push(format!("{id}: no result: {e}"));
                continue;
            }
        };
        let events = with_client(port, deadline, |c| {
            let id = id.clone();
            async move { c.history(&id).await }
        })
        .await?;
        let records = history::activities(&events);
        retried += records.iter().filter(|r| r.attempts > 1).count();
        let completed = |t: &str| {
            records
                .iter()
                .filter(|r| r.activity_type == t && r.outcome == ActivityOutcome::Completed)
                .count()
        };
        let counts = (
            completed(names::GENERATE_CHARACTER_IMAGES),
            completed(names::GENERATE_VIDEO_SEGMENT),
            completed(names::STITCH_VIDEOS),
        );
        if counts != (1, 2, 1) {
            failures.push(format!(
                "{id}: history has (character, clips, stitch) completed = {counts:?}, expected (1, 2, 1)"
            ));
        }
        // Anything else must be an activity whose workers all died, scheduled anew.
        for r in records
            .iter()
            .filter(|r| r.outcome != ActivityOutcome::Completed)
        {
            if r.outcome == ActivityOutcome::TimedOut {
                rescheduled += 1;
            } else {
                failures.push(format!(
                    "{id}: {} ended {:?}: {:?}",
                    r.activity_type, r.outcome, r.failure
                ));
            }
        }
        let name = object_name(&result.video_url)?;
        if name != expected[job % PROJECTS] {
            failures.push(format!(
                "{id}: video {name} differs from the fault-free render {}",
                expected[job % PROJECTS]
            ));
        }
        let path = file_of(&result.video_url)?;
        let hash = studio_media::store::hash_file(&path).await?;
        if !name.starts_with(&hash) {
            failures.push(format!(
                "{id}: {} does not hash to its name",
                path.display()
            ));
        }
        if run.done.get(&job).map(Path::new) != Some(path.as_path()) {
            failures.push(format!(
                "{id}: the client printed {:?}, not {}",
                run.done.get(&job),
                path.display()
            ));
        }
    }
    if !orphans.is_empty() {
        failures.push(format!("orphan ffmpeg processes: {orphans:?}"));
    }

    // Partial files: the store sweeps dead writers' scratch on open; then nothing may remain,
    // and every object must hash to its name.
    let store = LocalStore::open(data.join("artifacts"))?;
    let leftover: Vec<_> = std::fs::read_dir(store.root().join("tmp"))?
        .flatten()
        .collect();
    if !leftover.is_empty() {
        failures.push(format!(
            "{} scratch file(s) left in the store",
            leftover.len()
        ));
    }
    let objects = audit_objects(store.root()).await?;
    server.stop();

    let report = serde_json::json!({
        "seed": seed,
        "jobs": args.jobs,
        "kills": performed,
        "killsByTarget": {
            "worker": kills.get(&Target::Worker).copied().unwrap_or(0),
            "server": kills.get(&Target::Server).copied().unwrap_or(0),
            "client": kills.get(&Target::Client).copied().unwrap_or(0),
        },
        "clientRestarts": run.client_restarts,
        "workerKillsMidClip": busy_worker_kills,
        "workerExitsOnTheirOwn": run.worker_exits,
        "activitiesRetried": retried,
        "activitiesRescheduledAfterWorkerDeaths": rescheduled,
        "objectsAudited": objects,
        "wallSecs": (wall.as_secs_f64() * 10.0).round() / 10.0,
        "failures": failures,
    });
    println!("{}", serde_json::to_string(&report)?);
    if args.keep {
        let kept = work_dir.keep();
        println!("chaos: work dir kept at {}", kept.display());
    }
    if !failures.is_empty() {
        bail!("{} check(s) failed (seed {seed})", failures.len());
    }
    println!("chaos: all {} jobs finished, nothing lost", args.jobs);
    Ok(())
}
