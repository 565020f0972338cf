//! Videos delivered by reference instead of inline: Gemini API file resources, which can be
//! `PROCESSING` for a while after the generation ends (using one then is a 400 "not in an ACTIVE
//! state"), and Cloud Storage objects written by Vertex to the creator's bucket.

use serde::Deserialize;

use super::classify::CallSite;
use super::config::STORAGE_ORIGIN;
use super::{cancellable, GoogleProvider};
use crate::error::{ErrorClass, MediaError};
use crate::task::TaskCtx;

/// How many times a file's state is asked before giving up (with the provider's poll backoff,
/// several minutes): the clip is then resubmitted like any transient failure.
const MAX_FILE_POLLS: u32 = 60;

/// A Gemini API `File` resource, as far as the studio reads it.
#[derive(Deserialize, Default)]
struct FileState {
    #[serde(default)]
    state: String,
    #[serde(default)]
    error: Option<FileError>,
}

#[derive(Deserialize, Default)]
struct FileError {
    #[serde(default)]
    message: String,
}

/// Polls the file at `uri` until it is `ACTIVE` (FAILED and a file that never becomes active
/// are transient: the generation is submitted again, and a failed one is not billed).
pub(crate) async fn wait_active(
    p: &GoogleProvider,
    site: &CallSite,
    task: &TaskCtx,
    uri: &str,
) -> Result<(), MediaError> {
    let mut wait = p.config.poll_initial;
    for _ in 0..MAX_FILE_POLLS {
        let file: FileState = p.send_json(site, task, |c| c.get(uri)).await?;
        match file.state.as_str() {
            "ACTIVE" => return Ok(()),
            "FAILED" => {
                let why = file.error.map(|e| e.message).unwrap_or_default();
                return Err(site.error(
                    ErrorClass::Transient,
                    format!("the video file failed to process: {why}"),
                    None,
                ));
            }
            // PROCESSING, or STATE_UNSPECIFIED while it is being written.
            _ => {}
        }
        cancellable(task, async {
            tokio::time::sleep(wait).await;
            Ok(())
        })
        .await?;
        wait = (wait * 2).min(p.config.poll_max);
    }
    Err(site.error(
        ErrorClass::Transient,
        format!("the video file was still processing after {MAX_FILE_POLLS} checks"),
        None,
    ))
}

/// The JSON API URL that reads `gs://bucket/object`'s bytes.
pub(crate) fn gcs_media_url(
    p: &GoogleProvider,
    site: &CallSite,
    gs: &str,
) -> Result<reqwest::Url, MediaError> {
    let bad = || {
        site.error(
            ErrorClass::InvalidInput,
            format!("{gs} is not a Cloud Storage object URI"),
            None,
        )
    };
    let (bucket, object) = gs
        .strip_prefix("gs://")
        .and_then(|rest| rest.split_once('/'))
        .filter(|(b, o)| !b.is_empty() && !o.is_empty())
        .ok_or_else(bad)?;
    let origin = p.storage_origin().unwrap_or(STORAGE_ORIGIN);
    let mut url = reqwest::Url::parse(origin).map_err(|_| bad())?;
    // The object name is one path segment, slashes included (percent-encoded).
    url.path_segments_mut()
        .map_err(|_| bad())?
        .extend(["storage", "v1", "b", bucket, "o", object]);
    url.query_pairs_mut().append_pair("alt", "media");
    Ok(url)
}
