//! Errors of engine operations, one enum for every caller (CLI, window, tests).

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum EngineError {
    #[error("Temporal connection settings: {0}")]
    Config(String),
    #[error("cannot connect to Temporal at {address}: {message}")]
    Connect { address: String, message: String },
    #[error("job {id:?} not found")]
    NotFound { id: String },
    #[error("refused by job {id:?}: {message}")]
    Rejected { id: String, message: String },
    #[error("job {id:?} failed: {message}")]
    JobFailed { id: String, message: String },
    #[error("job {id:?} was cancelled")]
    JobCancelled { id: String },
    #[error("job {id:?} already exists")]
    AlreadyExists { id: String },
    #[error("Temporal request failed: {0}")]
    Rpc(String),
    #[error("worker: {0}")]
    Worker(String),
    #[error("dev server: {0}")]
    DevServer(String),
    #[error("job {id:?}: {source}")]
    Version {
        id: String,
        source: crate::versions::VersionError,
    },
    #[error("job {id:?} is {status}: only a running or completed job can be iterated on; render the project again (what was made is reused from the cache)")]
    NotIterable { id: String, status: String },
    #[error(transparent)]
    Project(#[from] studio_core::ProjectError),
    #[error(transparent)]
    Media(#[from] studio_media::MediaError),
}

pub type Result<T, E = EngineError> = std::result::Result<T, E>;
