//! The window's sound commands (the cast panel's "Play sample", the player's sound lanes and
//! captions): one `Studio` call each. The page names a voice, or a job and one of its stems,
//! never a file: files come from the studio's own artifact store and reach the page as
//! loopback media URLs (WebKitGTK's media elements cannot play `asset:` URLs).

use serde::{Deserialize, Serialize};
use studio_api::studio::{JobSound, SpeechVoices, Stem, VoiceSample, VoiceSampleRequest};
use studio_api::{ApiError, ErrorCode, Studio};
use tauri::State;

use crate::state::AppState;

/// A voice sample and the URL the page plays it from.
#[derive(Debug, Clone, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct VoiceSampleView {
    #[serde(flatten)]
    pub sample: VoiceSample,
    pub url: String,
}

/// The stems' media URLs.
#[derive(Debug, Clone, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct StemUrls {
    pub dialogue: String,
    pub narration: String,
    pub music: String,
    pub effects: String,
}

/// A finished job's sound for the player: its captions' text and its stems' URLs.
#[derive(Debug, Clone, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct JobSoundView {
    /// The version they belong to (the job's latest).
    pub version: u32,
    /// WebVTT text for the player's caption track (a `data:` URL in the page: a track from
    /// the media server would be cross-origin and need CORS).
    pub captions_vtt: Option<String>,
    pub stems: Option<StemUrls>,
    /// The mix the render used: the stems carry it (a muted track's stem is silent).
    pub mix: Option<studio_core::Mix>,
}

/// The speech voices a cast member or the narrator may have, and the defaults.
#[tauri::command]
#[specta::specta]
pub async fn speech_voices() -> SpeechVoices {
    Studio::speech_voices()
}

/// Speaks a voice's sample once (then it comes from the artifact cache) and returns its URL.
#[tauri::command]
#[specta::specta]
pub async fn voice_sample(
    state: State<'_, AppState>,
    request: VoiceSampleRequest,
) -> Result<VoiceSampleView, ApiError> {
    let sample = state.studio()?.voice_sample(&request).await?;
    let url = state.media_url(std::path::Path::new(&sample.path)).await?;
    Ok(VoiceSampleView { sample, url })
}

/// The captions and stems of a finished job's latest version.
#[tauri::command]
#[specta::specta]
pub async fn job_sound(state: State<'_, AppState>, id: String) -> Result<JobSoundView, ApiError> {
    let JobSound {
        version,
        captions_vtt,
        stems,
        mix,
        ..
    } = state.studio()?.job_sound(&id).await?;
    let stems = match stems {
        Some(s) => {
            let media = state.media().await?;
            let url = |p: &str| {
                media.url_for(std::path::Path::new(p)).ok_or_else(|| {
                    ApiError::new(ErrorCode::NotFound, format!("{p} is not a studio artifact"))
                })
            };
            Some(StemUrls {
                dialogue: url(&s.dialogue)?,
                narration: url(&s.narration)?,
                music: url(&s.music)?,
                effects: url(&s.effects)?,
            })
        }
        None => None,
    };
    Ok(JobSoundView {
        version,
        captions_vtt,
        stems,
        mix,
    })
}

/// The waveform peaks of one stem of a finished job (the job and stem by name; no path).
#[tauri::command]
#[specta::specta]
pub async fn stem_peaks(
    state: State<'_, AppState>,
    id: String,
    stem: Stem,
    count: u32,
) -> Result<Vec<f32>, ApiError> {
    state.studio()?.stem_peaks(&id, stem, count).await
}
