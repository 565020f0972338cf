//! The command line, as clap types. Values are parsed into the studio's own types here
//! (quality, clip length, queue roles, key names), so a typo is a usage error naming the value.

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};
use studio_core::{ClipSeconds, ExportPreset, ProviderKind, Quality, QueueRole};

#[derive(Parser)]
#[command(
    name = "studio",
    version,
    about = "SmokeTech Studio: render AI videos on Temporal"
)]
pub struct Cli {
    /// Folder for the artifact store, the dev server's database and settings.
    #[arg(long, global = true, env = "STUDIO_DATA_DIR")]
    pub data_dir: Option<PathBuf>,
    /// Media provider for workers this command starts.
    #[arg(long, global = true, env = "STUDIO_PROVIDER")]
    pub provider: Option<ProviderKind>,
    /// Task queue of workflows and fast work (default: video-generation).
    #[arg(long, global = true, env = "STUDIO_TASK_QUEUE")]
    pub task_queue: Option<String>,
    /// Task queue of slow work, clips and 4K (default: the same queue as --task-queue).
    #[arg(long, global = true, env = "STUDIO_SLOW_TASK_QUEUE")]
    pub slow_task_queue: Option<String>,
    /// Temporal frontend `host:port` (default: envconfig, else the embedded dev server).
    #[arg(long, global = true)]
    pub address: Option<String>,
    /// Print results (and errors) as JSON on stdout.
    #[arg(long, global = true)]
    pub json: bool,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand)]
pub enum Command {
    /// Run the local Temporal dev server (SQLite under the data dir) until interrupted.
    Server {
        #[arg(long)]
        port: Option<u16>,
        #[arg(long)]
        ui_port: Option<u16>,
    },
    /// Run a worker until SIGINT/SIGTERM (then it stops polling, finishes running activities
    /// within the graceful period and exits 0).
    Worker {
        /// Which queues to poll: fast, slow or fast,slow.
        #[arg(long, value_delimiter = ',', default_value = "fast,slow")]
        queues: Vec<QueueRole>,
        /// Serve Prometheus metrics on this address (`127.0.0.1:9464`) or port (on loopback).
        #[arg(long, env = "STUDIO_METRICS")]
        metrics: Option<String>,
    },
    /// Render a project file; with no server configured, starts the embedded one.
    Render {
        project: PathBuf,
        /// Wait for the video and print its path (always on when this command starts the
        /// embedded server or worker).
        #[arg(long)]
        wait: bool,
        /// Job id to use; if that job exists already, attach to it instead of starting another.
        #[arg(long)]
        id: Option<String>,
    },
    /// Deliver the project's latest finished render: the film at a preset's size in DIR, and
    /// with --package the editor's package beside it (OTIO, FCPXML, EDL, media/, captions.srt,
    /// stems/). Ctrl-C cancels it; nothing is written to DIR until every file is complete.
    Export {
        project: PathBuf,
        /// The folder to write into (made if missing).
        #[arg(long)]
        out: PathBuf,
        /// youtube (1920x1080), youtube-4k (3840x2160), shorts (1080x1920), square
        /// (1080x1080) or portrait (1080x1350).
        #[arg(long, default_value = "youtube")]
        preset: ExportPreset,
        /// Also write the editor's package.
        #[arg(long)]
        package: bool,
    },
    /// A new take of one scenario of a job (running: the job uses it; finished: the job's next
    /// version, reusing every other take). Keeps the prompt unless --prompt is given.
    Regenerate {
        id: String,
        /// The scenario's id (e.g. scene-2, as `studio job ID` lists them).
        scenario: String,
        #[arg(long)]
        prompt: Option<String>,
        /// Wait for the job and print the new video's path.
        #[arg(long)]
        wait: bool,
    },
    /// Continue a scene's current take by N seconds (the model's video extension) as a new
    /// take: the finished job's next version, every other take reused. Refused before paying
    /// where the job's video model cannot extend, or not by N seconds.
    Extend {
        id: String,
        /// The scene's id (e.g. scene-2, as `studio job ID` lists them).
        #[arg(long)]
        scene: String,
        /// Seconds to add (Veo on Vertex: 7; Omni: 3 to 10).
        #[arg(long)]
        seconds: u32,
        /// What happens in the added seconds (default: the scene's own prompt).
        #[arg(long)]
        prompt: Option<String>,
        /// Wait for the job and print the new video's path.
        #[arg(long)]
        wait: bool,
    },
    /// Stitch a finished job's next version from the takes picked per scenario, in order
    /// (e.g. `1,2,1`); no clip is generated.
    Takes {
        id: String,
        #[arg(value_delimiter = ',', required = true)]
        takes: Vec<u32>,
        #[arg(long)]
        wait: bool,
    },
    /// Show a job: versions, takes per scenario, what it cost, and its timeline.
    Job { id: String },
    /// Check the key: list the models it can use and show the choice per role. `--live` makes
    /// the cheapest real image and 4 s clip (after showing the price and asking) and reports
    /// every way Google's answers differ from the model table.
    Doctor {
        /// Use the cached list if it is fresh instead of listing anew.
        #[arg(long)]
        cached: bool,
        #[arg(long)]
        live: bool,
        /// With --live: do not ask (the price is still printed).
        #[arg(long)]
        yes: bool,
    },
    /// What rendering a project is expected to cost with the configured models and prices.
    Estimate { project: PathBuf },
    /// Plan a story, script or treatment (plain text, or Fountain: `.fountain`) into a
    /// project: cast, locations, props and shots, each shot naming the words it tells, checked
    /// against the story. Planning into an existing planned project plans again, keeping the
    /// shots changed by hand and replanning only the changed passages.
    Plan {
        story: PathBuf,
        /// The project file to write (default: the story's name with `.studio.json`).
        #[arg(short, long)]
        out: Option<PathBuf>,
        /// Which planner: the text model when a Google key is set (auto), or offline.
        #[arg(long, value_enum, default_value_t = PlannerArg::Auto)]
        planner: PlannerArg,
        /// Use the library's characters for the story's characters of the same name (without
        /// it, the matches are listed and not used).
        #[arg(long)]
        use_library: bool,
        /// The most the text model's planning may cost, in US dollars (default: its estimate).
        #[arg(long)]
        approve_usd: Option<f64>,
        /// Show what planning would do and cost; write nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// Print a job's progress (as JSON).
    Progress { id: String },
    /// Hold a job before its next step.
    Pause { id: String },
    /// Continue a paused job.
    Resume { id: String },
    /// Cancel a job (running activities are stopped).
    Cancel { id: String },
    /// Wait for a job and print its result (as JSON).
    Result { id: String },
    /// Change a running job's quality (standard, high, 4k).
    Quality { id: String, level: Quality },
    /// Approve more spending for a running job with a budget (a job waiting at its budget
    /// goes on once its next step fits).
    Approve {
        id: String,
        /// Dollars to add to what the job may spend.
        #[arg(long)]
        usd: f64,
    },
    /// Add a scenario to a running job; with --project, start the job if it is not running.
    AddSegment {
        id: String,
        prompt: String,
        #[arg(long, default_value = "8")]
        duration: ClipSeconds,
        #[arg(long)]
        project: Option<PathBuf>,
    },
    /// Show the task queues: workers polling, backlog and its age, and a scale-up hint.
    Queue,
    /// Show the artifact cache (entries, size); --clear forgets every entry (artifacts of
    /// finished jobs stay playable).
    Cache {
        #[arg(long)]
        clear: bool,
    },
    /// Keys at rest (OS keyring, or a 0600 file where none runs): show where they are and
    /// which are set; `--set NAME` reads the value from stdin (so it stays out of shell
    /// history), `--delete NAME` removes it. A Temporal API key is bound to the address the
    /// saved settings name (settings.json, temporal.toml, TEMPORAL_ADDRESS) and sent nowhere
    /// else.
    Keys {
        #[arg(long, value_name = "NAME", conflicts_with = "delete")]
        set: Option<KeyName>,
        #[arg(long, value_name = "NAME")]
        delete: Option<KeyName>,
    },
    /// The character library: list, generate in bulk, export, import, rename, delete.
    Characters {
        #[command(subcommand)]
        action: CharactersCmd,
    },
    /// The studio's jobs (renders from the window and this command), newest first; --all
    /// lists every render and batch of the namespace, whoever started it.
    List {
        #[arg(long, default_value_t = 50)]
        limit: usize,
        #[arg(long)]
        all: bool,
    },
    /// Add the characters of a list file (JSON array of {name, basePrompt}, or CSV) to the
    /// library and generate their angles as one batch (`characters generate` without --wait).
    Batch { file: PathBuf },
    /// Voices: hear one before paying for shots.
    Voice {
        #[command(subcommand)]
        action: VoiceCmd,
    },
}

#[derive(Subcommand)]
pub enum VoiceCmd {
    /// Speak a short line in a speech voice (once: then from the artifact cache) and print the
    /// WAV's path. Offline with espeak-ng without keys; with Google, a fraction of a cent.
    Sample {
        /// A speech voice name (Kore, Puck, Charon, …).
        #[arg(long)]
        voice: String,
        /// How it speaks: a character's voice description (accent, age, timbre).
        #[arg(long)]
        style: Option<String>,
        /// The line (default: a short introduction).
        #[arg(long)]
        text: Option<String>,
        /// Copy the WAV here.
        #[arg(short, long)]
        out: Option<PathBuf>,
    },
}

/// `studio plan --planner`.
#[derive(Clone, Copy, ValueEnum)]
pub enum PlannerArg {
    Auto,
    Offline,
    Model,
}

impl From<PlannerArg> for studio_api::PlannerChoice {
    fn from(p: PlannerArg) -> Self {
        match p {
            PlannerArg::Auto => studio_api::PlannerChoice::Auto,
            PlannerArg::Offline => studio_api::PlannerChoice::Offline,
            PlannerArg::Model => studio_api::PlannerChoice::Model,
        }
    }
}

/// The keys `studio keys` manages.
#[derive(Clone, Copy, ValueEnum)]
pub enum KeyName {
    GeminiApiKey,
    VertexCredentialsFile,
    TemporalApiKey,
}

#[derive(Subcommand)]
pub enum CharactersCmd {
    /// Characters whose name or prompt contains SEARCH (all without it).
    List {
        search: Option<String>,
    },
    /// Add a list of characters (JSON array of {name, basePrompt}, or CSV `name, prompt`) and
    /// generate their angles as one batch; --wait files each into the library as it finishes.
    Generate {
        file: PathBuf,
        #[arg(long)]
        wait: bool,
    },
    /// File what a batch has finished into the library; show its progress.
    Sync {
        batch: String,
    },
    /// Generate a character's angles again.
    Regenerate {
        id: String,
        #[arg(long)]
        wait: bool,
    },
    Rename {
        id: String,
        name: String,
    },
    Delete {
        id: String,
    },
    /// Write characters (all without --id) into one archive.
    Export {
        out: PathBuf,
        #[arg(long)]
        id: Vec<String>,
    },
    /// Add the characters of an archive; a bad archive changes nothing.
    Import {
        archive: PathBuf,
    },
}

impl Command {
    /// Whether the command may make paid calls or start a worker (so it needs the provider
    /// keys from the keyring). Others read the keyring only to reach a remote cluster.
    pub fn uses_provider_keys(&self) -> bool {
        match self {
            Command::Worker { .. }
            | Command::Render { .. }
            // It may start the embedded worker, which takes any of the queue's work.
            | Command::Export { .. }
            | Command::Regenerate { .. }
            | Command::Extend { .. }
            | Command::Takes { .. }
            | Command::Doctor { .. }
            | Command::Estimate { .. }
            | Command::Batch { .. }
            | Command::Voice { .. } => true,
            Command::Characters { action } => matches!(
                action,
                CharactersCmd::Generate { .. } | CharactersCmd::Regenerate { .. }
            ),
            _ => false,
        }
    }
}
