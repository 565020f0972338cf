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

mod checks;
mod harness;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{bail, ensure, Context, Result};
use clap::Parser;
use studio_engine::devserver::{find_temporal_cli, free_port};

use checks::{audit_store, check_jobs, Histories};
use harness::{kill_phase, reference, Harness, Kills, Run, Server};

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

/// What a run did and found: its report, one JSON line.
struct Report<'a> {
    seed: u64,
    jobs: usize,
    kills: &'a Kills,
    run: &'a Run,
    histories: &'a Histories,
    objects: usize,
    wall: Duration,
    failures: &'a [String],
}

impl Report<'_> {
    /// Prints the report (and where the work directory is kept, if asked); fails if any check
    /// failed.
    fn conclude(&self, work_dir: tempfile::TempDir, keep: bool) -> Result<()> {
        println!("{}", serde_json::to_string(&self.json())?);
        if keep {
            let kept = work_dir.keep();
            println!("chaos: work dir kept at {}", kept.display());
        }
        if !self.failures.is_empty() {
            bail!(
                "{} check(s) failed (seed {})",
                self.failures.len(),
                self.seed
            );
        }
        println!("chaos: all {} jobs finished, nothing lost", self.jobs);
        Ok(())
    }

    fn json(&self) -> serde_json::Value {
        serde_json::json!({
            "seed": self.seed,
            "jobs": self.jobs,
            "kills": self.kills.performed,
            "killsByTarget": {
                "worker": self.kills.of(Target::Worker),
                "server": self.kills.of(Target::Server),
                "client": self.kills.of(Target::Client),
            },
            "clientRestarts": self.run.client_restarts,
            "workerKillsMidClip": self.kills.busy_worker_kills,
            "workerExitsOnTheirOwn": self.run.worker_exits,
            "activitiesRetried": self.histories.retried,
            "activitiesRescheduledAfterWorkerDeaths": self.histories.rescheduled,
            "objectsAudited": self.objects,
            "wallSecs": (self.wall.as_secs_f64() * 10.0).round() / 10.0,
            "failures": self.failures,
        })
    }
}

impl Args {
    /// The arguments with `--long`'s numbers.
    fn resolved(mut self) -> Args {
        if self.long {
            self.jobs = 100;
            self.kills = 100;
        }
        self
    }
}

/// A seed from the clock, when none is given.
fn clock_seed() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(42)
}

/// The `studio` binary beside this one.
fn studio_binary() -> Result<PathBuf> {
    let studio = std::env::current_exe()?
        .parent()
        .context("executable dir")?
        .join("studio");
    ensure!(
        studio.exists(),
        "{} missing: cargo build -p studio-cli",
        studio.display()
    );
    Ok(studio)
}

#[tokio::main]
async fn main() -> Result<()> {
    let args = Args::parse().resolved();
    let seed = args.seed.unwrap_or_else(clock_seed);
    println!(
        "chaos: seed {seed}, {} jobs, {} kills, {} workers (rerun: studio-chaos --seed {seed} --jobs {} --kills {})",
        args.jobs, args.kills, args.workers, args.jobs, args.kills
    );
    let mut rng = fastrand::Rng::with_seed(seed);
    let work_dir = tempfile::Builder::new().prefix("studio-chaos-").tempdir()?;
    let work = work_dir.path().to_owned();
    let studio = studio_binary()?;
    let cli = find_temporal_cli(None)?;
    let port = free_port();
    let db = work.join("temporal").join("chaos.db");
    let deadline = Instant::now() + Duration::from_secs(args.timeout_secs);
    let mut server = Server::start(cli, port, db).await?;

    let projects = write_projects(&work)?;
    let expected = reference(&work, &studio, port, &projects).await?;
    println!("chaos: reference videos rendered without faults: {expected:?}");

    let data = work.join("data");
    let h = Harness::new(&studio, port, data.clone(), &projects)?;
    let mut run = Run::start(&h, args.workers, args.jobs)?;
    let started = Instant::now();
    let kills = kill_phase(&mut run, &h, &mut server, &mut rng, &args, deadline).await?;
    println!(
        "chaos: {} kills in {:.1} s ({:?}, {} on a worker mid-clip); jobs done so far {}",
        kills.performed,
        started.elapsed().as_secs_f64(),
        kills.by_target,
        kills.busy_worker_kills,
        run.done.len()
    );
    let mut failures = kills.findings(args.kills);
    run.wait_for_jobs(&h, args.jobs, deadline).await?;
    let wall = started.elapsed();

    // Stop the workers, then look for orphans.
    run.stop_workers()?;
    let orphans = studio_testkit::ffmpeg_processes(&work.display().to_string());
    let histories = check_jobs(
        port,
        deadline,
        args.jobs,
        &expected,
        &run.done,
        &mut failures,
    )
    .await?;
    if !orphans.is_empty() {
        failures.push(format!("orphan ffmpeg processes: {orphans:?}"));
    }
    let objects = audit_store(&data, &mut failures).await?;
    server.dev.stop();

    let report = Report {
        seed,
        jobs: args.jobs,
        kills: &kills,
        run: &run,
        histories: &histories,
        objects,
        wall,
        failures: &failures,
    };
    report.conclude(work_dir, args.keep)
}
