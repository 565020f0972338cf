//! An interaction's state: what is stored of it, and how it ends (the video rendered and
//! delivered, inline or by URI, or a scripted failure).

use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine;
use serde_json::Value;

use super::request::Ask;
use crate::faults::Faults;
use crate::routes::{put_gcs, redirect_if_asked, Site};
use crate::State;

/// The largest video an interaction returns inline (reported near 4 MB; December update 4).
const INLINE_MAX_BYTES: u64 = 4_000_000;

/// A stored interaction (background, or created with `store` not false).
pub(crate) struct Stored {
    /// `gemini` or `projects/P/locations/L`: where it can be fetched.
    pub(super) scope: String,
    pub(super) model: String,
    pub(super) prompt: String,
    pub(super) created: String,
    pub(super) polls_needed: u32,
    pub(super) polls_seen: u32,
    pub(super) user_content: Vec<Value>,
    /// Set once the video is rendered (or the interaction failed).
    pub(super) ending: Option<Ending>,
    pub(super) updated: String,
}

impl Stored {
    /// A new interaction of `ask` at `site`, not yet ended, told done after `polls_needed`
    /// polls.
    pub(super) fn new(site: &Site, ask: &Ask, polls_needed: u32) -> Stored {
        let created = now_iso();
        Stored {
            scope: scope(site),
            model: ask.model.clone(),
            prompt: ask.prompt.clone(),
            created: created.clone(),
            polls_needed,
            polls_seen: 0,
            user_content: ask.user_content.clone(),
            ending: None,
            updated: created,
        }
    }
}

#[derive(Clone)]
pub(super) enum Ending {
    Completed {
        /// Base64 MP4; None: completed with no video (`no-video`).
        data: Option<String>,
        /// Where the video was also put when `delivery: "uri"` was asked.
        uri: Option<String>,
        seconds: u32,
    },
    Failed {
        code: i32,
        kind: &'static str,
        message: String,
    },
}

/// What ending an interaction takes: the checked request, where it came from, and the faults
/// its prompt scripts.
pub(super) struct Render {
    pub(super) site: Site,
    pub(super) faults: Faults,
    /// This is the prompt's first interaction and it fails once (`op-error-once`).
    pub(super) fail_once: bool,
    pub(super) ask: Ask,
    /// The mock's origin, for the URI of a Gemini file.
    pub(super) origin: String,
}

/// Where an interaction can be fetched: `gemini` or `projects/P/locations/L`.
pub(super) fn scope(site: &Site) -> String {
    match site {
        Site::Gemini => "gemini".into(),
        Site::Vertex { project, location } => format!("projects/{project}/locations/{location}"),
    }
}

/// `YYYY-MM-DDThh:mm:ssZ`, now.
pub(super) fn now_iso() -> String {
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or_default();
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// The size Google's encoder would give a clip (the mock's clips are far smaller than real
/// ones, so the inline cap is judged on the size a real clip of this length would have).
fn nominal_bytes(resolution: &str, seconds: u32) -> u64 {
    let kbps: u64 = match resolution {
        "360p" => 800,
        "720p" => 2_500,
        "1080p" => 8_000,
        _ => 30_000,
    };
    kbps * 1000 / 8 * u64::from(seconds)
}

/// Renders (or fails) the interaction's video.
pub(super) async fn finish(state: &State, r: &Render) -> Ending {
    if let Some(ending) = scripted_ending(&r.faults, r.fail_once, r.ask.duration) {
        return ending;
    }
    let ask = &r.ask;
    let rendered = match &ask.video {
        Some(video) => {
            crate::render::render_extension(state, video, &ask.prompt, ask.duration, &ask.aspect)
                .await
        }
        None => {
            let mut images = ask.images.iter().flatten();
            let first = images.next();
            let frames = crate::render::Frames {
                first,
                last: if ask.last_frame { images.next() } else { None },
            };
            let clip = (ask.duration, ask.aspect.as_str());
            crate::render::render_clip(state, &ask.model, &ask.prompt, frames, clip, None).await
        }
    };
    let bytes = match rendered {
        Ok(b) => b,
        Err(e) => {
            return Ending::Failed {
                code: 13,
                kind: "internal",
                message: e,
            }
        }
    };
    if let Some(too_big) = over_inline_cap(ask) {
        return too_big;
    }
    let uri = deliver(state, r, &bytes);
    Ending::Completed {
        data: Some(base64::engine::general_purpose::STANDARD.encode(&bytes)),
        uri,
        seconds: ask.duration,
    }
}

/// The ending the prompt's faults script, if any: a failure (`op-error`, the first
/// `op-error-once`, `op-invalid`, `safety`) or a completion with no video (`no-video`).
fn scripted_ending(faults: &Faults, fail_once: bool, seconds: u32) -> Option<Ending> {
    if faults.op_error || fail_once {
        return Some(Ending::Failed {
            code: 13,
            kind: "internal",
            message: "Video generation failed due to an internal error. Please try again later."
                .into(),
        });
    }
    if faults.op_invalid {
        return Some(Ending::Failed {
            code: 3,
            kind: "invalid_argument",
            message: "The request could not be processed: the prompt or its inputs are invalid \
                      (scripted)."
                .into(),
        });
    }
    if faults.safety {
        return Some(Ending::Failed {
            code: 3,
            kind: "content_filtered",
            message: "The video could not be generated because the prompt may violate our \
                      usage policies (scripted)."
                .into(),
        });
    }
    if faults.no_video {
        return Some(Ending::Completed {
            data: None,
            uri: None,
            seconds,
        });
    }
    None
}

/// The failure of an inline delivery of a video a real clip of its length would make larger
/// than the inline cap.
fn over_inline_cap(ask: &Ask) -> Option<Ending> {
    let size = nominal_bytes(&ask.resolution, ask.duration);
    (!ask.delivery_uri && size > INLINE_MAX_BYTES).then(|| Ending::Failed {
        code: 3,
        kind: "invalid_request",
        message: format!(
            "The generated video ({:.1} MB) exceeds the {} MB limit for inline delivery. \
             Set response_format.delivery to \"uri\".",
            size as f64 / 1e6,
            INLINE_MAX_BYTES / 1_000_000
        ),
    })
}

/// Where the video is put when asked by URI: a Gemini file resource (`PROCESSING` for a
/// while), or a Cloud Storage object under the asked prefix. None: inline only.
fn deliver(state: &State, r: &Render, bytes: &[u8]) -> Option<String> {
    let faults = &r.faults;
    match (&r.site, r.ask.delivery_uri) {
        (_, false) => None,
        (Site::Gemini, true) => {
            // A file resource, PROCESSING for a while before it can be downloaded.
            let id = uuid::Uuid::new_v4().simple().to_string();
            state
                .files
                .lock()
                .expect("lock")
                .insert(id.clone(), bytes.to_vec());
            state
                .processing
                .lock()
                .expect("lock")
                .insert(id.clone(), faults.file_processing.unwrap_or(1));
            redirect_if_asked(state, faults, &id);
            Some(format!("{}/v1beta/files/{id}", r.origin))
        }
        (Site::Vertex { .. }, true) => {
            let prefix = r.ask.gcs_prefix.as_deref().unwrap_or("gs://mock-bucket/");
            let uri = format!(
                "{}/{}.mp4",
                prefix.trim_end_matches('/'),
                uuid::Uuid::new_v4().simple()
            );
            let uri = put_gcs(state, uri, bytes.to_vec());
            redirect_if_asked(state, faults, &uri);
            Some(uri)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso_dates() {
        let s = now_iso();
        assert_eq!(s.len(), 20, "{s}");
        assert!(s.starts_with("20") && s.ends_with('Z'), "{s}");
    }
}
