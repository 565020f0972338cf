//! What is checked once the jobs are done: every job from the server's point of view (one
//! run, its history, its video) and the artifact store (no partial file, every object hashing
//! to its name).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{ensure, Context, Result};
use studio_core::VideoResult;
use studio_engine::history::{self, ActivityOutcome};
use studio_engine::{names, Endpoint, StudioClient};
use studio_media::LocalStore;

use crate::{job_id, PROJECTS, QUEUE};

/// The file name (content address) of an artifact URI.
pub(crate) fn object_name(uri: &str) -> Result<String> {
    uri.rsplit('/')
        .next()
        .map(str::to_owned)
        .context("artifact URI without a name")
}

pub(crate) fn file_of(uri: &str) -> Result<PathBuf> {
    url_path(uri).with_context(|| format!("not a local artifact: {uri}"))
}

pub(crate) fn url_path(uri: &str) -> Option<PathBuf> {
    uri.strip_prefix("file://").map(PathBuf::from)
}

/// Every object in a local store hashes to its name.
pub(crate) async fn audit_objects(root: &Path) -> Result<usize> {
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

/// Retries a client call across server restarts.
pub(crate) async fn with_client<T, F, Fut>(port: u16, deadline: Instant, mut f: F) -> Result<T>
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

/// What the jobs' histories show beyond the checks.
#[derive(Default)]
pub(crate) struct Histories {
    /// Activities that took more than one attempt.
    pub(crate) retried: usize,
    /// Activities whose workers all died, scheduled anew by the workflow.
    pub(crate) rescheduled: usize,
}

/// Checks every job from the server's point of view: one workflow run, a result, a history
/// with each step completed once, and the fault-free render's video where its client said.
pub(crate) async fn check_jobs(
    port: u16,
    deadline: Instant,
    jobs: usize,
    expected: &[String],
    done: &BTreeMap<usize, String>,
    failures: &mut Vec<String>,
) -> Result<Histories> {
    let mut histories = Histories::default();
    let limit = 10 * jobs + 100;
    let runs = with_client(port, deadline, move |c| async move { c.list(limit).await }).await?;
    for job in 0..jobs {
        let id = job_id(job);
        let runs_of = runs.iter().filter(|r| r.id == id).count();
        if runs_of != 1 {
            failures.push(format!("{id}: {runs_of} workflow runs, expected exactly 1"));
        }
        let result = match job_result(port, deadline, &id).await {
            Ok(r) => r,
            Err(e) => {
                failures.push(format!("{id}: no result: {e}"));
                continue;
            }
        };
        check_history(port, deadline, &id, &mut histories, failures).await?;
        let expected = &expected[job % PROJECTS];
        check_video(&id, &result.video_url, expected, done.get(&job), failures).await?;
    }
    Ok(histories)
}

/// The job's result. Bounded: a job still running here (no workers are left) must not hang
/// the check.
pub(crate) async fn job_result(port: u16, deadline: Instant, id: &str) -> Result<VideoResult> {
    tokio::time::timeout(
        Duration::from_secs(30),
        with_client(port, deadline, |c| {
            let id = id.to_owned();
            async move { c.result(&id).await }
        }),
    )
    .await
    .unwrap_or_else(|_| Err(anyhow::anyhow!("still not finished")))
}

/// The job's history: the character step, each clip and the stitch completed exactly once
/// (no completed activity ran again); anything else must be an activity whose workers all
/// died, scheduled anew.
pub(crate) async fn check_history(
    port: u16,
    deadline: Instant,
    id: &str,
    histories: &mut Histories,
    failures: &mut Vec<String>,
) -> Result<()> {
    let events = with_client(port, deadline, |c| {
        let id = id.to_owned();
        async move { c.history(&id).await }
    })
    .await?;
    let records = history::activities(&events);
    histories.retried += records.iter().filter(|r| r.attempts > 1).count();
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
    for r in records
        .iter()
        .filter(|r| r.outcome != ActivityOutcome::Completed)
    {
        if r.outcome == ActivityOutcome::TimedOut {
            histories.rescheduled += 1;
        } else {
            failures.push(format!(
                "{id}: {} ended {:?}: {:?}",
                r.activity_type, r.outcome, r.failure
            ));
        }
    }
    Ok(())
}

/// The job's video: the fault-free render's (`expected`), hashing to its name, at the path its
/// client printed.
pub(crate) async fn check_video(
    id: &str,
    video_url: &str,
    expected: &str,
    printed: Option<&String>,
    failures: &mut Vec<String>,
) -> Result<()> {
    let name = object_name(video_url)?;
    if name != expected {
        failures.push(format!(
            "{id}: video {name} differs from the fault-free render {expected}"
        ));
    }
    let path = file_of(video_url)?;
    let hash = studio_media::store::hash_file(&path).await?;
    if !name.starts_with(&hash) {
        failures.push(format!(
            "{id}: {} does not hash to its name",
            path.display()
        ));
    }
    if printed.map(Path::new) != Some(path.as_path()) {
        failures.push(format!(
            "{id}: the client printed {printed:?}, not {}",
            path.display()
        ));
    }
    Ok(())
}

/// Partial files: the store sweeps dead writers' scratch on open; then nothing may remain,
/// and every object must hash to its name. Returns how many objects were audited.
pub(crate) async fn audit_store(data: &Path, failures: &mut Vec<String>) -> Result<usize> {
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
    audit_objects(store.root()).await
}
