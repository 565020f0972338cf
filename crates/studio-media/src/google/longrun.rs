//! What Veo operations and Omni interactions share: a paid generation is submitted, its id
//! checkpointed at once (it reaches the activity's heartbeat), polled with backoff until it ends,
//! resumed from the checkpoint after a crash instead of paid for again, and submitted once more
//! when it ended in a transient failure (failed generations are not billed).

use std::future::Future;
use std::path::Path;
use std::time::Duration;

use serde_json::{json, Value};

use super::classify::CallSite;
use super::veo::{save, VideoSource};
use super::{cancellable, GoogleProvider};
use crate::error::{ErrorClass, MediaError};
use crate::task::TaskCtx;

/// How a generation ended: its video, or why there is none.
pub(crate) type Finished = Result<VideoSource, MediaError>;

/// Which route a generation runs on, as its checkpoint names it.
pub(crate) struct Route<'a> {
    /// `predictLongRunning` or `interactions`.
    pub name: &'static str,
    /// The checkpoint's key for the generation's id (`operation`, `interaction`).
    pub id_key: &'static str,
    pub model: &'a str,
}

/// The id a crashed attempt checkpointed on `route`. Checkpoints written before routes were
/// named hold only a Veo `operation`.
fn checkpointed(task: &TaskCtx, route: &Route) -> Option<String> {
    let cp = task.resume.as_ref()?;
    let named = cp
        .get("route")
        .and_then(Value::as_str)
        .unwrap_or(super::veo::ROUTE);
    if named != route.name {
        return None;
    }
    cp.get(route.id_key)
        .and_then(Value::as_str)
        .map(str::to_owned)
}

/// Polls until the generation ends (`poll_once` answers None while it runs), backing off from
/// `poll_initial` to `poll_max`; progress approaches 90 % meanwhile (the download is the rest).
async fn wait<F, Fut>(
    p: &GoogleProvider,
    task: &TaskCtx,
    mut poll_once: F,
) -> Result<Finished, MediaError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<Option<Finished>, MediaError>>,
{
    let mut wait = p.config.poll_initial;
    let mut polls = 0u32;
    loop {
        if let Some(done) = poll_once().await? {
            return Ok(done);
        }
        polls += 1;
        task.report(0.9 * (1.0 - 1.0 / (1.0 + polls as f32 / 4.0)));
        cancellable(task, async {
            tokio::time::sleep(wait).await;
            Ok(())
        })
        .await?;
        wait = (wait * 2)
            .min(p.config.poll_max)
            .max(Duration::from_millis(10));
    }
}

/// Runs a generation to its video in `out`: resumes the checkpointed one if it is still good,
/// else `submit`s (returning the new id) and polls it with `poll_once`.
pub(crate) async fn generate<S, SFut, P, PFut>(
    p: &GoogleProvider,
    site: &CallSite,
    route: Route<'_>,
    out: &Path,
    task: &TaskCtx,
    mut submit: S,
    mut poll_once: P,
) -> Result<(), MediaError>
where
    S: FnMut() -> SFut,
    SFut: Future<Output = Result<String, MediaError>>,
    P: FnMut(String) -> PFut,
    PFut: Future<Output = Result<Option<Finished>, MediaError>>,
{
    if let Some(id) = checkpointed(task, &route) {
        tracing::info!(route = route.name, %id, "resuming a generation from the last heartbeat");
        match wait(p, task, || poll_once(id.clone())).await {
            Ok(Ok(source)) => return save(p, site, source, out, task).await,
            Ok(Err(e)) if e.class() == ErrorClass::Transient => {
                tracing::warn!(error = %e, "the resumed generation failed; submitting anew")
            }
            Ok(Err(e)) => return Err(e),
            Err(MediaError::Cancelled) => return Err(MediaError::Cancelled),
            Err(e) => {
                tracing::warn!(error = %e, "could not resume the generation; submitting anew")
            }
        }
    }
    // One more submission in this attempt when the generation itself fails transiently: the
    // retry policy's backoff is for the service, not for one unlucky generation.
    let mut submissions = 0;
    loop {
        submissions += 1;
        let id = submit().await?;
        tracing::info!(route = route.name, %id, "generation submitted");
        let mut checkpoint = json!({"route": route.name, "model": route.model});
        checkpoint[route.id_key] = json!(id);
        task.checkpoint(checkpoint);
        match wait(p, task, || poll_once(id.clone())).await? {
            Ok(source) => return save(p, site, source, out, task).await,
            Err(e) if e.class() == ErrorClass::Transient && submissions < 2 => {
                tracing::warn!(error = %e, "the generation failed; submitting once more")
            }
            Err(e) => return Err(e),
        }
    }
}
