//! The processes of a run: the harness that starts workers and render clients, the dev server
//! it crashes and restarts, the run's housekeeping and kill phase, and the fault-free
//! reference render.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, ensure, Context, Result};
use rustix::process::{kill_process, Pid, Signal};
use studio_engine::devserver::{DevServer, DevServerOptions};

use crate::checks::object_name;
use crate::{job_id, write_settings, Args, Target, PROJECTS};

pub(crate) struct Harness {
    pub(crate) studio: PathBuf,
    pub(crate) port: u16,
    pub(crate) data: PathBuf,
    pub(crate) projects: Vec<PathBuf>,
}

impl Harness {
    /// A harness whose processes use `data` (its settings written here) and the server on
    /// `port`.
    pub(crate) fn new(
        studio: &Path,
        port: u16,
        data: PathBuf,
        projects: &[PathBuf],
    ) -> Result<Harness> {
        write_settings(&data)?;
        Ok(Harness {
            studio: studio.to_owned(),
            port,
            data,
            projects: projects.to_vec(),
        })
    }

    pub(crate) fn worker(&self) -> Result<Child> {
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
    pub(crate) fn client(&self, job: usize) -> Result<Child> {
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

/// Sends `sig` to a child of ours. A refusal means it has already exited, which the `wait`
/// that follows every signal sees.
pub(crate) fn signal(pid: u32, sig: Signal) {
    if let Some(pid) = i32::try_from(pid).ok().and_then(Pid::from_raw) {
        let _ = kill_process(pid, sig);
    }
}

/// Renders each project once with no faults; returns the video's content address per project.
pub(crate) async fn reference(
    work: &Path,
    studio: &Path,
    port: u16,
    projects: &[PathBuf],
) -> Result<Vec<String>> {
    let data = work.join("reference");
    let h = Harness::new(studio, port, data.clone(), projects)?;
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

pub(crate) async fn start_dev_server(cli: &Path, port: u16, db: &Path) -> Result<DevServer> {
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

/// The Temporal dev server of a run, killed and restarted on the same SQLite file.
pub(crate) struct Server {
    pub(crate) cli: PathBuf,
    pub(crate) port: u16,
    pub(crate) db: PathBuf,
    pub(crate) dev: DevServer,
}

impl Server {
    pub(crate) async fn start(cli: PathBuf, port: u16, db: PathBuf) -> Result<Server> {
        let dev = start_dev_server(&cli, port, &db).await?;
        Ok(Server { cli, port, db, dev })
    }

    /// Kills the server (SIGKILL, as a crash would) and starts it again on its file.
    pub(crate) async fn crash_and_restart(&mut self) -> Result<()> {
        self.dev.kill();
        self.dev = start_dev_server(&self.cli, self.port, &self.db).await?;
        Ok(())
    }
}

/// The processes of a chaos run and what became of them.
pub(crate) struct Run {
    pub(crate) workers: Vec<Child>,
    /// Render clients still waiting, by job.
    pub(crate) clients: BTreeMap<usize, Child>,
    /// Finished jobs and the video path their client printed.
    pub(crate) done: BTreeMap<usize, String>,
    pub(crate) client_restarts: usize,
    pub(crate) worker_exits: usize,
    /// ffmpeg processes seen without a live worker parent, and when first seen.
    pub(crate) orphan_seen: BTreeMap<u32, Instant>,
}

impl Run {
    /// Starts the workers and one client per job.
    pub(crate) fn start(h: &Harness, workers: usize, jobs: usize) -> Result<Run> {
        let mut run = Run {
            workers: (0..workers).map(|_| h.worker()).collect::<Result<_>>()?,
            clients: BTreeMap::new(),
            done: BTreeMap::new(),
            client_restarts: 0,
            worker_exits: 0,
            orphan_seen: BTreeMap::new(),
        };
        for job in 0..jobs {
            run.clients.insert(job, h.client(job)?);
        }
        Ok(run)
    }

    /// Reaps clients that finished or died (a died client is started again: it attaches to
    /// its job) and replaces workers that exited on their own, as a supervisor would.
    pub(crate) fn housekeeping(&mut self, h: &Harness) -> Result<()> {
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

    /// Keeps house for `wait`.
    pub(crate) async fn housekeeping_for(&mut self, h: &Harness, wait: Duration) -> Result<()> {
        let until = Instant::now() + wait;
        while Instant::now() < until {
            self.housekeeping(h)?;
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        Ok(())
    }

    /// Keeps house until every job is done.
    pub(crate) async fn wait_for_jobs(
        &mut self,
        h: &Harness,
        jobs: usize,
        deadline: Instant,
    ) -> Result<()> {
        while self.done.len() < jobs {
            ensure!(
                Instant::now() < deadline,
                "timed out: {} of {} jobs finished",
                self.done.len(),
                jobs
            );
            self.housekeeping(h)?;
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        Ok(())
    }

    /// Stops the workers the way an operator would (SIGTERM drains).
    pub(crate) fn stop_workers(&mut self) -> Result<()> {
        for w in &mut self.workers {
            signal(w.id(), Signal::TERM);
        }
        for w in &mut self.workers {
            w.wait()?;
        }
        Ok(())
    }

    /// SIGKILL to a random worker, replaced at once; whether it was making a clip (had an
    /// ffmpeg running).
    pub(crate) fn kill_worker(&mut self, h: &Harness, rng: &mut fastrand::Rng) -> Result<bool> {
        let i = rng.usize(0..self.workers.len());
        let pid = self.workers[i].id();
        let busy = !studio_testkit::ffmpeg_children(&h.data.display().to_string(), pid).is_empty();
        signal(pid, Signal::KILL);
        self.workers[i].wait()?;
        self.workers[i] = h.worker()?;
        Ok(busy)
    }

    /// SIGKILL to the client of a random running job, started again (it attaches to its
    /// job); false if no client is running.
    pub(crate) fn kill_client(&mut self, h: &Harness, rng: &mut fastrand::Rng) -> Result<bool> {
        let running: Vec<usize> = self.clients.keys().copied().collect();
        if running.is_empty() {
            return Ok(false);
        }
        let job = running[rng.usize(0..running.len())];
        let mut child = self.clients.remove(&job).expect("present");
        signal(child.id(), Signal::KILL);
        child.wait()?;
        self.client_restarts += 1;
        self.clients.insert(job, h.client(job)?);
        Ok(true)
    }
}

/// The kills of a run's kill phase.
#[derive(Default)]
pub(crate) struct Kills {
    pub(crate) performed: usize,
    pub(crate) by_target: BTreeMap<Target, usize>,
    /// Worker kills that hit a worker in the middle of a clip.
    pub(crate) busy_worker_kills: usize,
}

impl Kills {
    pub(crate) fn of(&self, target: Target) -> usize {
        self.by_target.get(&target).copied().unwrap_or(0)
    }

    /// The kills are the test: a run where the jobs outpaced them, or no worker kill landed on
    /// a clip being made, proves little.
    pub(crate) fn findings(&self, planned: usize) -> Vec<String> {
        let mut failures = Vec::new();
        let performed = self.performed;
        if performed < planned {
            failures.push(format!(
                "only {performed} of {planned} planned kills happened before every job finished"
            ));
        }
        let worker_kills = self.of(Target::Worker);
        if worker_kills >= 3 && self.busy_worker_kills == 0 {
            failures.push(format!(
                "none of the {worker_kills} worker kills hit a worker in the middle of a clip"
            ));
        }
        failures
    }
}

/// Kills a worker, the server or a client at random moments drawn from `rng`, until the
/// planned kills happened or every job is done.
pub(crate) async fn kill_phase(
    run: &mut Run,
    h: &Harness,
    server: &mut Server,
    rng: &mut fastrand::Rng,
    args: &Args,
    deadline: Instant,
) -> Result<Kills> {
    let mut kills = Kills::default();
    while kills.performed < args.kills && run.done.len() < args.jobs {
        ensure!(Instant::now() < deadline, "timed out during the kill phase");
        let wait = Duration::from_millis(rng.u64(300..=1500));
        run.housekeeping_for(h, wait).await?;
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
                if run.kill_worker(h, rng)? {
                    kills.busy_worker_kills += 1;
                }
            }
            Target::Server => server.crash_and_restart().await?,
            Target::Client => {
                if !run.kill_client(h, rng)? {
                    continue;
                }
            }
        }
        *kills.by_target.entry(target).or_default() += 1;
        kills.performed += 1;
    }
    Ok(kills)
}
