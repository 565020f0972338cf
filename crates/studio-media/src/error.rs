//! Errors of media work, sorted into the classes the engine's retry policy understands.
//!
//! The non-retryable type names are the contract between providers and the workflow's retry
//! policy: a provider reports a class, the activity turns it into an application failure of that
//! type, and the retry policy lists the same names as non-retryable. They are named here, once.

use std::path::PathBuf;
use std::time::Duration;

/// The provider rejected our credentials.
pub const INVALID_API_KEY_ERROR: &str = "InvalidApiKeyError";
/// The configured model does not exist or cannot do this task.
pub const UNSUPPORTED_MODEL_ERROR: &str = "UnsupportedModelError";
/// The prompt or the output was blocked by the provider's safety filters.
pub const CONTENT_POLICY_ERROR: &str = "ContentPolicyError";
/// The request itself is wrong: retrying it unchanged cannot succeed.
pub const INVALID_INPUT_ERROR: &str = "InvalidInputError";
/// A quota that cannot refill soon (per day, or a free tier with limit 0): retries would only
/// fail again.
pub const QUOTA_EXCEEDED_ERROR: &str = "QuotaExceededError";
/// The studio's settings cannot work as they are (data kept in a region a model is not served
/// from, user credentials without a quota project, no output bucket for a large clip): only the
/// creator can fix them, so retrying is pointless.
pub const SETTINGS_ERROR: &str = "SettingsError";
/// Every error type a retry must not repeat.
pub const NON_RETRYABLE_ERROR_TYPES: [&str; 6] = [
    INVALID_API_KEY_ERROR,
    SETTINGS_ERROR,
    UNSUPPORTED_MODEL_ERROR,
    CONTENT_POLICY_ERROR,
    INVALID_INPUT_ERROR,
    QUOTA_EXCEEDED_ERROR,
];
/// Type name of failures worth retrying (rate limits, 5xx, I/O, a crashed ffmpeg).
pub const TRANSIENT_ERROR: &str = "TransientError";

/// How the engine should treat an error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorClass {
    InvalidApiKey,
    /// Settings that cannot work (see [`SETTINGS_ERROR`]).
    Settings,
    UnsupportedModel,
    ContentPolicy,
    InvalidInput,
    QuotaExceeded,
    Transient,
    Cancelled,
}

impl ErrorClass {
    /// The application failure type name reported to Temporal.
    pub fn type_name(self) -> &'static str {
        match self {
            ErrorClass::InvalidApiKey => INVALID_API_KEY_ERROR,
            ErrorClass::Settings => SETTINGS_ERROR,
            ErrorClass::UnsupportedModel => UNSUPPORTED_MODEL_ERROR,
            ErrorClass::ContentPolicy => CONTENT_POLICY_ERROR,
            ErrorClass::InvalidInput => INVALID_INPUT_ERROR,
            ErrorClass::QuotaExceeded => QUOTA_EXCEEDED_ERROR,
            ErrorClass::Transient | ErrorClass::Cancelled => TRANSIENT_ERROR,
        }
    }

    pub fn is_retryable(self) -> bool {
        matches!(self, ErrorClass::Transient)
    }
}

/// Everything that can go wrong making or handling media.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum MediaError {
    /// A provider refused the request; `class` says whether retrying can help.
    #[error("{provider}: {message}")]
    Provider {
        provider: String,
        class: ErrorClass,
        message: String,
        /// Server-suggested delay before the next attempt (`google.rpc.RetryInfo.retryDelay`,
        /// or a Retry-After header should Google ever send one).
        retry_after: Option<Duration>,
    },
    #[error("the task was cancelled")]
    Cancelled,
    #[error("{program:?} could not be started ({source}); install ffmpeg or set STUDIO_FFMPEG")]
    ToolMissing {
        program: PathBuf,
        source: std::io::Error,
    },
    #[error("{program} failed ({status}): {stderr}")]
    Tool {
        program: String,
        status: String,
        stderr: String,
    },
    #[error("{context}: {source}")]
    Io {
        context: String,
        source: std::io::Error,
    },
    #[error("artifact {uri}: {message}")]
    Artifact { uri: String, message: String },
    /// The shared object store (S3, GCS, Azure) failed; `class` tells an outage from a bad
    /// credential.
    #[error("artifact store, {uri}: {message}")]
    Remote {
        uri: String,
        class: ErrorClass,
        message: String,
    },
    #[error("image: {0}")]
    Image(String),
    /// The provider has no text model (offline, bench): the story is planned in-process.
    #[error(
        "the {provider} provider has no text model: plan offline (no key needed), or set a Gemini \
         API key or a Vertex project to plan with Gemini"
    )]
    NoTextModel { provider: String },
    /// The provider has no speech model (the bench provider): voice-over and narration cannot
    /// be spoken with it.
    #[error(
        "the {provider} provider has no speech model: render offline (espeak-ng, no key needed), \
         or set a Gemini API key or a Vertex project to speak with Gemini"
    )]
    NoSpeechModel { provider: String },
    /// The provider has no music model (the bench provider): use a music file of your own.
    #[error(
        "the {provider} provider has no music model: use a music file of your own, render \
         offline (a synthesised bed), or set a Gemini API key or a Vertex project for Lyria"
    )]
    NoMusicModel { provider: String },
    /// The speech model does not speak in this voice (checked against the model table before
    /// anything is sent, or refused by Google with a 400 naming it): the creator must choose
    /// another voice for the character or the narrator.
    #[error("{provider}: the voice {voice:?} was refused: {message}")]
    VoiceRefused {
        provider: String,
        voice: String,
        message: String,
    },
    /// The provider or its model cannot continue a clip (video extension), or not as asked
    /// (the seconds, the clip's length): the engine checks the model's rules before paying, so
    /// this is the provider's own refusal.
    #[error("{provider}: {model} cannot extend this clip: {reason}")]
    CannotExtend {
        provider: String,
        model: String,
        reason: String,
    },
    /// The model cannot end a clip on a given frame (first-and-last-frame generation).
    #[error("{provider}: {model} cannot end a clip on a chosen frame")]
    NoLastFrame { provider: String, model: String },
    /// A sound mix that cannot be made as asked (a missing input, shots that do not match the
    /// video, a line in no shot): retrying it unchanged cannot succeed.
    #[error("sound mix: {0}")]
    Mix(#[from] crate::sound::MixProblem),
    /// A cut that cannot be made as asked (a trim outside its clip, a transition longer than
    /// a shot, a missing clip): retrying it unchanged cannot succeed.
    #[error("cut: {0}")]
    Cut(#[from] crate::cut::CutProblem),
    /// A package timeline that cannot be written as asked (media outside the package, a trim
    /// outside its clip, transitions longer than their shot): retrying cannot help.
    #[error("package: {0}")]
    Package(#[from] crate::package::PackageError),
}

impl MediaError {
    pub fn io(context: impl Into<String>, source: std::io::Error) -> Self {
        MediaError::Io {
            context: context.into(),
            source,
        }
    }

    /// Writing an image failed: a full or failing disk is worth a retry (an I/O error); an
    /// image that cannot be encoded is not.
    pub fn image_write(path: &std::path::Path, e: image::ImageError) -> Self {
        match e {
            image::ImageError::IoError(source) => {
                MediaError::io(format!("write {}", path.display()), source)
            }
            other => MediaError::Image(format!("write {}: {other}", path.display())),
        }
    }

    pub fn class(&self) -> ErrorClass {
        match self {
            MediaError::Provider { class, .. } | MediaError::Remote { class, .. } => *class,
            MediaError::Cancelled => ErrorClass::Cancelled,
            MediaError::NoTextModel { .. }
            | MediaError::NoSpeechModel { .. }
            | MediaError::NoMusicModel { .. }
            | MediaError::CannotExtend { .. }
            | MediaError::NoLastFrame { .. } => ErrorClass::UnsupportedModel,
            MediaError::Artifact { .. }
            | MediaError::Image(_)
            | MediaError::Mix(_)
            | MediaError::Cut(_)
            | MediaError::Package(_)
            | MediaError::VoiceRefused { .. } => ErrorClass::InvalidInput,
            MediaError::ToolMissing { .. } | MediaError::Tool { .. } | MediaError::Io { .. } => {
                ErrorClass::Transient
            }
        }
    }

    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            MediaError::Provider { retry_after, .. } => *retry_after,
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_transient_errors_are_retryable() {
        for name in NON_RETRYABLE_ERROR_TYPES {
            assert_ne!(name, TRANSIENT_ERROR);
        }
        assert!(ErrorClass::Transient.is_retryable());
        assert!(!ErrorClass::ContentPolicy.is_retryable());
        assert_eq!(ErrorClass::InvalidApiKey.type_name(), "InvalidApiKeyError");
    }
}
