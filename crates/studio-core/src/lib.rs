//! The SmokeTech Studio domain model.
//!
//! This crate owns what a creator edits and what a render reports: the project file, quality and
//! aspect ratio, the wire shapes of a render request and its progress. It touches no Temporal,
//! HTTP or ffmpeg, so every shell (CLI, window, worker) can depend on it cheaply.
//!
//! The types the window sees get one TypeScript type each (tauri-specta in serde's unified
//! mode): a field is optional there only where serde may leave it out or read it absent, each
//! said at the type. An `Option` left out when None is typed as its value, optional
//! (`specta(type = T)`): Rust never writes null there.

pub mod atomic;
pub mod character;
pub mod cut;
pub mod data_dir;
pub mod job;
pub mod money;
pub mod progress;
pub mod project;
pub mod quality;
pub mod scenario;
pub mod shot;
pub mod sound;
pub mod takes;
pub mod timeline;
pub mod worker;

pub use atomic::{replace_with, write_atomic, FileLock, Mode as FileMode};
pub use character::{Character, ProjectReference, MAX_CAST};
pub use cut::{
    Credits, CutPlan, EndFrame, ExportPreset, Piece, Reframe, ReframeMode, ShotCut, Span,
    TitleCard, TitleCut, TitleStyle, Transition, TransitionKind, Trim, CUT_FPS, MAX_TITLES,
    MAX_TITLE_CHARS, MAX_TRANSITION_SECONDS, MIN_SHOT_SECONDS, TITLE_SECONDS,
};
pub use data_dir::DataDir;
pub use job::{
    BatchProgress, CharacterImages, ElementImages, JobStatus, VideoRequest, VideoResult,
};
pub use money::Usd;
pub use progress::{BudgetState, Progress, SegmentState, SegmentStatus, Stage};
pub use project::{
    Fingerprint, LineTiming, Problem, Project, ProjectError, ProjectFile, UnknownFields, NO_SPEECH,
    PROJECT_VERSION,
};
pub use quality::{AspectRatio, ClipSeconds, ParseError, Quality};
pub use scenario::{ProjectSceneId, Scenario};
pub use shot::{
    Camera, CameraMove, DialogueLine, Element, ElementKind, ShotSize, SourceSpan, Story,
    StoryFormat, MAX_STORY_CHARS,
};
pub use sound::{
    default_voice, DialogueMode, LineKind, Mix, Music, MusicCue, SoundPlan, SpokenLine, Stems,
    Track, Voice, MAX_FADE_SECONDS, NARRATOR_VOICE, PREBUILT_VOICES, SPEECH_WORDS_PER_SECOND,
    VOLUME_DB_RANGE,
};
pub use takes::{Cost, Iteration, Price, PriceTable, Take, Usage, UsageKind, Version};
pub use timeline::{TimelineEntry, TimelineKind};
pub use worker::{parse_queue_roles, ProviderKind, QueueRole};
