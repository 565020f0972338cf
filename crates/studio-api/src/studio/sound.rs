//! The sound of a film as the shells see it: a voice's sample (spoken once through the
//! configured provider and kept in the artifact cache, so the creator hears a voice before
//! paying for shots), the speech voices a character may have, and a finished job's captions,
//! stems and the stems' waveform peaks for the window's sound lanes.
//!
//! The window names a job and a stem, never a file: the stem's file comes from the job's own
//! result, inside the studio's artifact store.

use studio_core::Cost;
use studio_media::{Ffmpeg, SpeechRequest, TaskCtx};

use super::*;

/// What a sample says when the creator gives no line: long enough to hear a voice's pace and
/// timbre, short enough to cost a fraction of a cent with a paid speech model.
pub const SAMPLE_LINE: &str =
    "Hello. This is my voice: every line I speak in your film, I speak like this.";

/// The longest line or style a sample takes (a sample is a taste, not a paid narration).
pub const MAX_SAMPLE_CHARS: usize = 300;

/// How many peaks a waveform has at most (and at least), whatever the window asks.
const PEAKS_RANGE: std::ops::RangeInclusive<u32> = 16..=4000;

/// The sample rate peaks are measured at: a waveform a few thousand bars wide needs no more.
const PEAKS_RATE: u32 = 8000;

/// A voice to hear: a speech voice name, with the style it speaks in (a character's voice
/// description) and, optionally, the line it says.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct VoiceSampleRequest {
    /// A prebuilt voice (e.g. "Kore", see [`Studio::speech_voices`]) or another voice id the
    /// speech model takes.
    pub voice: String,
    /// How it speaks ("warm, low, a slight Irish accent"); None or empty: as the voice is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub style: Option<String>,
    /// The line; None or empty: [`SAMPLE_LINE`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
}

/// A voice's sample: a WAV in the artifact store.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct VoiceSample {
    /// The local file (in the studio's artifact folder, which the window's media server serves).
    pub path: String,
    /// Made before for the same voice, style, line and model: nothing was spoken or paid now.
    pub cached: bool,
    /// The speech model that spoke it.
    pub model: String,
    /// Its length.
    pub seconds: f64,
    /// What speaking it cost now (nothing when cached or offline).
    pub cost: Cost,
}

/// The speech voices, for the cast panel's menus.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct SpeechVoices {
    /// The prebuilt voices, in order: a character without a chosen voice speaks in
    /// `voices[position % voices.len()]` (0 the lead, then the cast: `studio_core::default_voice`).
    pub voices: Vec<String>,
    /// The narrator's voice when the project names none.
    pub narrator: String,
}

/// One of a film's audio stems (each as long as the film, time-aligned with it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub enum Stem {
    Dialogue,
    Narration,
    Music,
    /// The clips' own sound (effects, native dialogue).
    Effects,
}

/// The stems of a film as local files.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct StemFiles {
    pub dialogue: String,
    pub narration: String,
    pub music: String,
    pub effects: String,
}

impl StemFiles {
    pub fn get(&self, stem: Stem) -> &str {
        match stem {
            Stem::Dialogue => &self.dialogue,
            Stem::Narration => &self.narration,
            Stem::Music => &self.music,
            Stem::Effects => &self.effects,
        }
    }
}

/// The sound a finished job's latest version has beside its video.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct JobSound {
    /// The version these belong to.
    pub version: u32,
    /// The captions as WebVTT text (small: a line per cue), for the player's caption track.
    pub captions_vtt: Option<String>,
    /// The SRT file beside the video.
    pub captions_srt: Option<String>,
    /// The stems, when the render mixed a sound track. Each carries its track's volume and
    /// mute as the render's `mix` had them.
    pub stems: Option<StemFiles>,
    /// The mix the render used (its request's), so a player that plays the stems can apply
    /// the project's mix now relative to it; None when the job's input cannot be read.
    pub mix: Option<studio_core::Mix>,
}

impl VoiceSampleRequest {
    /// The request as it is spoken: a known voice, the default line for none, and text and
    /// style within [`MAX_SAMPLE_CHARS`].
    fn checked(&self) -> Result<SpeechRequest, ApiError> {
        let asked = self.voice.trim();
        // A prebuilt voice by name (any case), or another voice id the model takes (an extended,
        // designed or replicated voice: `ext_…`, `voice_…`, `voicekey_…`).
        let voice = studio_core::PREBUILT_VOICES
            .iter()
            .find(|v| v.eq_ignore_ascii_case(asked))
            .map(|v| (*v).to_owned())
            .or_else(|| {
                let id_like = ["ext_", "voice_", "voicekey_"]
                    .iter()
                    .any(|p| asked.starts_with(p))
                    && asked.len() <= 100
                    && asked
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
                id_like.then(|| asked.to_owned())
            })
            .ok_or_else(|| {
                ApiError::new(
                    ErrorCode::Rejected,
                    format!(
                        "{:?} is not a speech voice; the voices are {}",
                        self.voice,
                        studio_core::PREBUILT_VOICES.join(", ")
                    ),
                )
            })?;
        let trimmed = |s: &Option<String>| {
            s.as_deref()
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
        };
        let text = trimmed(&self.text).unwrap_or_else(|| SAMPLE_LINE.to_owned());
        let style = trimmed(&self.style);
        for (what, s) in [("line", Some(&text)), ("style", style.as_ref())] {
            if s.is_some_and(|s| s.chars().count() > MAX_SAMPLE_CHARS) {
                return Err(ApiError::new(
                    ErrorCode::Rejected,
                    format!("a sample's {what} has at most {MAX_SAMPLE_CHARS} characters"),
                ));
            }
        }
        Ok(SpeechRequest { text, voice, style })
    }
}

/// The artifact cache's key of a sample: every input that decides its sound.
fn sample_key(provider: &str, model: &str, req: &SpeechRequest) -> String {
    let inputs = serde_json::json!({
        "kind": "voiceSample",
        "provider": provider,
        "model": model,
        "voice": req.voice,
        "style": req.style,
        "text": req.text,
    });
    hex::encode(<sha2::Sha256 as sha2::Digest>::digest(inputs.to_string()))
}

impl Studio {
    /// The speech voices a character or the narrator may have, and who gets which when none
    /// is chosen.
    pub fn speech_voices() -> SpeechVoices {
        SpeechVoices {
            voices: studio_core::PREBUILT_VOICES
                .iter()
                .map(|v| (*v).to_owned())
                .collect(),
            narrator: studio_core::NARRATOR_VOICE.to_owned(),
        }
    }

    /// Speaks a voice's sample through the configured provider (offline: espeak-ng, free) once:
    /// the same voice, style, line and model come from the artifact cache afterwards. Needs no
    /// server.
    pub async fn voice_sample(&self, req: &VoiceSampleRequest) -> Result<VoiceSample, ApiError> {
        let speech = req.checked()?;
        let ffmpeg = Ffmpeg::from_env();
        let provider = crate::models::live_provider(&self.settings, &ffmpeg).await?;
        let task = TaskCtx::detached();
        let model = provider.speech_model(&task).await?;
        let key = sample_key(&self.settings.provider().to_string(), &model, &speech);
        let store = self.settings.artifacts.open(&self.data.artifacts())?;
        if self.settings.use_cache {
            if let Some(uri) = store
                .cache_get(&key)
                .await?
                .and_then(|u| u.into_iter().next())
            {
                let path = store.local_path(&uri).await?;
                let seconds = ffmpeg.probe(&path).await?.duration;
                tracing::debug!(voice = %speech.voice, "voice sample from the cache");
                return Ok(VoiceSample {
                    path: path.display().to_string(),
                    cached: true,
                    model,
                    seconds,
                    cost: Cost::default(),
                });
            }
        }
        let scratch = store.scratch("wav")?;
        let answer = provider
            .speak(&speech, scratch.path(), &task)
            .await
            .map_err(ApiError::from)?;
        let uri = store.commit(scratch).await?;
        store.cache_put(&key, std::slice::from_ref(&uri)).await?;
        let path = store.local_path(&uri).await?;
        tracing::info!(voice = %speech.voice, model = %answer.model, seconds = answer.seconds, "voice sample spoken");
        Ok(VoiceSample {
            path: path.display().to_string(),
            cached: false,
            cost: price(&self.settings.prices, &answer.usage),
            model: answer.model,
            seconds: answer.seconds,
        })
    }

    /// The captions and stems of a finished job's latest version, as local files (a shared
    /// bucket's fetched first). NotFound while the job runs or when it ended without a video.
    pub async fn job_sound(&self, id: &str) -> Result<JobSound, ApiError> {
        let client = &self.session().await?.client;
        if client.status(id).await? != JobStatus::Completed {
            return Err(ApiError::new(
                ErrorCode::NotFound,
                format!("job {id} has no finished video yet"),
            ));
        }
        let r = client.result(id).await?;
        let captions_vtt = match &r.captions_vtt_url {
            Some(uri) => self.read_captions(uri).await,
            None => None,
        };
        let captions_srt = match &r.captions_url {
            Some(uri) => self.local_file(uri).await,
            None => None,
        };
        let stems = match &r.stems {
            Some(s) => Some(StemFiles {
                dialogue: self.fetch(&s.dialogue).await?.display().to_string(),
                narration: self.fetch(&s.narration).await?.display().to_string(),
                music: self.fetch(&s.music).await?.display().to_string(),
                effects: self.fetch(&s.effects).await?.display().to_string(),
            }),
            None => None,
        };
        let mix = match client.input(id).await {
            Ok(input) => input.request.sound.map(|s| s.mix),
            Err(e) => {
                tracing::warn!(id, error = %e, "the render's mix is not known");
                None
            }
        };
        Ok(JobSound {
            version: r.version(),
            captions_vtt,
            captions_srt,
            stems,
            mix,
        })
    }

    /// A caption file's text, if it can be had and is a caption file's size (a few KB a minute).
    async fn read_captions(&self, uri: &str) -> Option<String> {
        const MAX_CAPTIONS_BYTES: u64 = 4 << 20;
        let path = self.fetch(uri).await.ok()?;
        let len = tokio::fs::metadata(&path).await.ok()?.len();
        if len > MAX_CAPTIONS_BYTES {
            tracing::warn!(%uri, len, "captions too large to show");
            return None;
        }
        tokio::fs::read_to_string(&path).await.ok()
    }

    /// The waveform of one stem of a finished job's latest version: `count` peaks (0..1, the
    /// loudest sample of each equal slice of the film), measured once and cached beside the
    /// thumbnails.
    pub async fn stem_peaks(&self, id: &str, stem: Stem, count: u32) -> Result<Vec<f32>, ApiError> {
        let sound = self.job_sound(id).await?;
        let stems = sound.stems.ok_or_else(|| {
            ApiError::new(
                ErrorCode::NotFound,
                format!("job {id} has no sound stems (it was rendered before sound was mixed)"),
            )
        })?;
        let path = PathBuf::from(stems.get(stem));
        wav_peaks(&Ffmpeg::from_env(), &path, count, &self.data.thumbnails()).await
    }
}

/// `count` peaks of an audio file (clamped to 16..=4000): the loudest sample of each equal
/// slice, 0..1. Decoded by ffmpeg to 8 kHz mono; the answer is cached in `cache_dir` by the
/// file's name (artifacts are content-addressed, so the name is a content key).
pub async fn wav_peaks(
    ffmpeg: &Ffmpeg,
    source: &Path,
    count: u32,
    cache_dir: &Path,
) -> Result<Vec<f32>, ApiError> {
    let count = count.clamp(*PEAKS_RANGE.start(), *PEAKS_RANGE.end());
    let stem = source
        .file_stem()
        .and_then(|s| s.to_str())
        .ok_or_else(|| ApiError::new(ErrorCode::NotFound, format!("{source:?} has no name")))?;
    let cached = cache_dir.join(format!("{stem}-peaks-{count}.json"));
    if let Some(peaks) = std::fs::read(&cached)
        .ok()
        .and_then(|b| serde_json::from_slice::<Vec<f32>>(&b).ok())
    {
        return Ok(peaks);
    }
    std::fs::create_dir_all(cache_dir)
        .map_err(|e| ApiError::new(ErrorCode::Io, format!("{cache_dir:?}: {e}")))?;
    let raw = tempfile::Builder::new()
        .prefix(".peaks-")
        .suffix(".raw")
        .tempfile_in(cache_dir)
        .map_err(|e| ApiError::new(ErrorCode::Io, format!("{cache_dir:?}: {e}")))?;
    let args: Vec<std::ffi::OsString> = vec![
        "-i".into(),
        source.as_os_str().to_owned(),
        "-vn".into(),
        "-ac".into(),
        "1".into(),
        "-ar".into(),
        PEAKS_RATE.to_string().into(),
        "-f".into(),
        "s16le".into(),
        raw.path().as_os_str().to_owned(),
    ];
    ffmpeg.run(args, None, &TaskCtx::detached()).await?;
    let bytes = tokio::fs::read(raw.path())
        .await
        .map_err(|e| ApiError::new(ErrorCode::Io, format!("{:?}: {e}", raw.path())))?;
    let peaks = peaks_of(&bytes, count as usize);
    let json = serde_json::to_vec(&peaks)
        .map_err(|e| ApiError::new(ErrorCode::Internal, e.to_string()))?;
    if let Err(e) = studio_core::write_atomic(&cached, &json) {
        tracing::warn!(error = %e, file = %cached.display(), "peaks not cached");
    }
    Ok(peaks)
}

/// The loudest |sample| of each of `count` equal slices of mono s16le `pcm`, 0..1 (fewer when
/// there are fewer samples than slices; none for none).
fn peaks_of(pcm: &[u8], count: usize) -> Vec<f32> {
    let samples: Vec<i16> = pcm
        .chunks_exact(2)
        .map(|b| i16::from_le_bytes([b[0], b[1]]))
        .collect();
    if samples.is_empty() || count == 0 {
        return Vec::new();
    }
    let slices = count.min(samples.len());
    (0..slices)
        .map(|i| {
            let a = i * samples.len() / slices;
            let b = ((i + 1) * samples.len() / slices).max(a + 1);
            let loudest = samples
                .get(a..b)
                .unwrap_or_default()
                .iter()
                .map(|s| s.unsigned_abs())
                .max()
                .unwrap_or(0);
            f32::from(loudest) / 32768.0
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pcm(samples: &[i16]) -> Vec<u8> {
        samples.iter().flat_map(|s| s.to_le_bytes()).collect()
    }

    /// Each peak is the loudest sample of its slice, either sign, as a fraction of full scale.
    #[test]
    fn peaks_are_the_loudest_sample_of_each_slice() {
        let p = peaks_of(&pcm(&[0, 100, -16384, 0, 0, 0, 32767, i16::MIN]), 4);
        assert_eq!(p.len(), 4);
        assert!((p[0] - 100.0 / 32768.0).abs() < 1e-6, "{p:?}");
        assert!((p[1] - 0.5).abs() < 1e-6, "{p:?}");
        assert_eq!(p[2], 0.0);
        assert_eq!(p[3], 1.0, "i16::MIN is full scale, not an overflow");
        // Fewer samples than peaks asked: one per sample; an odd trailing byte is ignored.
        assert_eq!(peaks_of(&[0, 64, 7], 10).len(), 1);
        assert!(peaks_of(&[], 10).is_empty());
    }

    /// A sample's request is checked before anything is spoken: a voice of the list (any
    /// case), the default line for none, and nothing longer than a sample's limit.
    #[test]
    fn a_sample_request_is_checked() {
        let req = |voice: &str, text: Option<&str>| VoiceSampleRequest {
            voice: voice.into(),
            style: Some("  ".into()),
            text: text.map(str::to_owned),
        };
        let ok = req("kore", None).checked().unwrap();
        assert_eq!(ok.voice, "Kore");
        assert_eq!(ok.text, SAMPLE_LINE);
        assert_eq!(ok.style, None);
        let e = req("Hal", None).checked().unwrap_err();
        assert_eq!(e.code, ErrorCode::Rejected);
        assert!(e.message.contains("Kore"), "{}", e.message);
        assert_eq!(
            req("ext_alba-1", None).checked().unwrap().voice,
            "ext_alba-1"
        );
        assert!(req("ext_../x", None).checked().is_err());
        let long = "a".repeat(MAX_SAMPLE_CHARS + 1);
        assert_eq!(
            req("Puck", Some(&long)).checked().unwrap_err().code,
            ErrorCode::Rejected
        );
    }

    /// A studio on a fresh data dir that speaks with the offline provider (espeak-ng).
    fn offline_studio(dir: &Path) -> Studio {
        let settings = crate::Settings {
            provider: Some(studio_core::ProviderKind::Offline),
            ..crate::Settings::default()
        };
        Studio::new(dir, settings, Start::Connect)
    }

    /// "Play sample" speaks once: the same voice, style and line come from the artifact cache
    /// (the same file, nothing spoken), another voice is spoken anew. No server is needed.
    #[tokio::test]
    async fn a_voice_sample_is_spoken_once_then_comes_from_the_cache() {
        let dir = tempfile::tempdir().unwrap();
        let studio = offline_studio(dir.path());
        let req = VoiceSampleRequest {
            voice: "Kore".into(),
            style: Some("warm, low".into()),
            text: None,
        };
        let first = studio.voice_sample(&req).await.unwrap();
        assert!(!first.cached);
        assert!(first.seconds > 1.0, "{first:?}");
        assert_eq!(first.cost.usd, 0.0, "offline speech is free: {first:?}");
        let path = PathBuf::from(&first.path);
        assert!(path.starts_with(studio.artifacts_dir()), "{path:?}");
        let bytes = std::fs::read(&path).unwrap();
        assert_eq!(bytes.get(..4), Some(&b"RIFF"[..]), "a WAV");
        let written = std::fs::metadata(&path).unwrap().modified().unwrap();

        let again = studio.voice_sample(&req).await.unwrap();
        assert!(again.cached);
        assert_eq!(again.path, first.path);
        assert!((again.seconds - first.seconds).abs() < 0.05, "{again:?}");
        assert_eq!(
            std::fs::metadata(&path).unwrap().modified().unwrap(),
            written
        );

        let other = VoiceSampleRequest {
            voice: "Puck".into(),
            ..req.clone()
        };
        let puck = studio.voice_sample(&other).await.unwrap();
        assert!(!puck.cached);
        assert_ne!(puck.path, first.path);
    }

    /// A mono 16-bit WAV of `samples` at `rate`.
    fn wav(path: &Path, rate: u32, samples: &[i16]) {
        let data = pcm(samples);
        let mut out = Vec::new();
        out.extend_from_slice(b"RIFF");
        out.extend_from_slice(&(36 + data.len() as u32).to_le_bytes());
        out.extend_from_slice(b"WAVEfmt ");
        out.extend_from_slice(&16u32.to_le_bytes());
        out.extend_from_slice(&1u16.to_le_bytes()); // PCM
        out.extend_from_slice(&1u16.to_le_bytes()); // mono
        out.extend_from_slice(&rate.to_le_bytes());
        out.extend_from_slice(&(rate * 2).to_le_bytes());
        out.extend_from_slice(&2u16.to_le_bytes());
        out.extend_from_slice(&16u16.to_le_bytes());
        out.extend_from_slice(b"data");
        out.extend_from_slice(&(data.len() as u32).to_le_bytes());
        out.extend_from_slice(&data);
        std::fs::write(path, out).unwrap();
    }

    /// A waveform follows the sound (a tone, then silence), decoded by the real ffmpeg, and is
    /// measured once: the answer is cached beside the thumbnails by the file's name.
    #[tokio::test]
    async fn peaks_follow_the_sound_and_are_cached() {
        let dir = tempfile::tempdir().unwrap();
        let source = dir.path().join("0123abcd.wav");
        let rate = 16_000;
        let tone: Vec<i16> = (0..rate)
            .map(|i| {
                (16_384.0 * (i as f64 * 440.0 * std::f64::consts::TAU / rate as f64).sin()) as i16
            })
            .collect();
        let silence = vec![0i16; rate as usize];
        wav(&source, rate, &[tone, silence].concat());
        let cache = dir.path().join("thumbs");
        let ffmpeg = Ffmpeg::from_env();
        let peaks = wav_peaks(&ffmpeg, &source, 100, &cache).await.unwrap();
        assert_eq!(peaks.len(), 100);
        assert!(
            peaks[..45].iter().all(|p| (0.4..0.6).contains(p)),
            "{peaks:?}"
        );
        assert!(peaks[55..].iter().all(|p| *p < 0.01), "{peaks:?}");
        let cached = cache.join("0123abcd-peaks-100.json");
        assert!(cached.exists());
        // From the cache now: what is in it is the answer.
        std::fs::write(&cached, "[0.25]").unwrap();
        assert_eq!(
            wav_peaks(&ffmpeg, &source, 100, &cache).await.unwrap(),
            [0.25]
        );
        // Asked for a silly count: within bounds.
        assert_eq!(
            wav_peaks(&ffmpeg, &source, 1, &cache).await.unwrap().len(),
            16
        );
        // Not a sound file: an error, nothing cached.
        let text = dir.path().join("notes.wav");
        std::fs::write(&text, "not audio").unwrap();
        assert!(wav_peaks(&ffmpeg, &text, 100, &cache).await.is_err());
        assert!(!cache.join("notes-peaks-100.json").exists());
    }

    /// The cache key changes with every input that changes the sound, and only with them.
    #[test]
    fn the_sample_key_names_every_input() {
        let r = SpeechRequest {
            text: "Hi".into(),
            voice: "Kore".into(),
            style: None,
        };
        let k = sample_key("offline", "espeak", &r);
        assert_eq!(k, sample_key("offline", "espeak", &r.clone()));
        assert_eq!(k.len(), 64);
        let other = [
            sample_key("gemini", "espeak", &r),
            sample_key("offline", "other", &r),
            sample_key(
                "offline",
                "espeak",
                &SpeechRequest {
                    text: "Ho".into(),
                    ..r.clone()
                },
            ),
            sample_key(
                "offline",
                "espeak",
                &SpeechRequest {
                    voice: "Puck".into(),
                    ..r.clone()
                },
            ),
            sample_key(
                "offline",
                "espeak",
                &SpeechRequest {
                    style: Some("calm".into()),
                    ..r.clone()
                },
            ),
        ];
        for o in other {
            assert_ne!(o, k);
        }
    }
}
