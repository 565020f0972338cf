//! `studio`: the headless shell of SmokeTech Studio. Parses arguments, calls studio-engine,
//! prints results. No logic lives here.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context, Result};
use clap::{Parser, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};
use studio_core::{CharacterSpec, ClipSeconds, Progress, ScenarioSpec, SegmentStatus};
use studio_engine::devserver::{find_temporal_cli, DevServer, DevServerOptions};
use studio_engine::session::{DataDir, Session};
use studio_engine::settings::{parse_queue_roles, resolve_data_dir};
use studio_engine::worker::{WorkerSpec, WorkerThread};
use studio_engine::{EngineError, Settings};
use studio_media::ProviderKind;

#[derive(Parser)]
#[command(
    name = "studio",
    version,
    about = "SmokeTech Studio: render AI videos on Temporal"
)]
struct Cli {
    /// Folder for the artifact store, the dev server's database and settings.
    #[arg(long, global = true, env = "STUDIO_DATA_DIR")]
    data_dir: Option<PathBuf>,
    /// Media provider for workers this command starts.
    #[arg(long, global = true, env = "STUDIO_PROVIDER")]
    provider: Option<ProviderKind>,
    /// Task queue of workflows and fast work (default: video-generation).
    #[arg(long, global = true, env = "STUDIO_TASK_QUEUE")]
    task_queue: Option<String>,
    /// Task queue of slow work, clips and 4K (default: the same queue as --task-queue).
    #[arg(long, global = true, env = "STUDIO_SLOW_TASK_QUEUE")]
    slow_task_queue: Option<String>,
    /// Temporal frontend `host:port` (default: envconfig, else the embedded dev server).
    #[arg(long, global = true)]
    address: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
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
        #[arg(long, default_value = "fast,slow")]
        queues: String,
        /// Serve Prometheus metrics on this address (`0.0.0.0:9464`) or port.
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
    Job {
        id: String,
        /// Print the whole record as JSON.
        #[arg(long)]
        json: bool,
    },
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
        #[arg(long)]
        json: bool,
    },
    /// What rendering a project is expected to cost with the configured models and prices.
    Estimate {
        project: PathBuf,
        #[arg(long)]
        json: bool,
    },
    /// Print a job's progress as JSON.
    Progress { id: String },
    /// Hold a job before its next step.
    Pause { id: String },
    /// Continue a paused job.
    Resume { id: String },
    /// Cancel a job (running activities are stopped).
    Cancel { id: String },
    /// Wait for a job and print its result as JSON.
    Result { id: String },
    /// Change a running job's quality (standard, high, 4k).
    Quality { id: String, level: String },
    /// Add a scenario to a running job; with --project, start the job if it is not running.
    AddSegment {
        id: String,
        prompt: String,
        #[arg(long, default_value_t = 8)]
        duration: u32,
        #[arg(long)]
        project: Option<PathBuf>,
    },
    /// Show the task queue: workers polling, backlog and its age, and a scale-up hint.
    Queue,
    /// Show the artifact cache (entries, size); --clear forgets every entry (artifacts of
    /// finished jobs stay playable).
    Cache {
        #[arg(long)]
        clear: bool,
    },
    /// Keys at rest (OS keyring, or a 0600 file where none runs): show where they are and
    /// which are set; `--set NAME` reads the value from stdin (so it stays out of shell
    /// history), `--delete NAME` removes it. Names: gemini-api-key, vertex-credentials-file,
    /// temporal-api-key.
    Keys {
        #[arg(long, value_name = "NAME", conflicts_with = "delete")]
        set: Option<String>,
        #[arg(long, value_name = "NAME")]
        delete: Option<String>,
    },
    /// The character library: list, generate in bulk, export, import, rename, delete.
    Characters {
        #[command(subcommand)]
        action: CharactersCmd,
    },
    /// List recent jobs.
    List {
        #[arg(long, default_value_t = 50)]
        limit: usize,
    },
    /// Start a batch character generation from a JSON file (array of {name, basePrompt}).
    Batch { file: PathBuf },
    /// Serve a mock of Google's Gemini API and Vertex AI on 127.0.0.1 (tests, key-less demos).
    /// Point workers at it with STUDIO_GOOGLE_BASE_URL=http://127.0.0.1:PORT.
    MockGoogle {
        #[arg(long, default_value_t = 8090)]
        port: u16,
        /// The Gemini API key the mock accepts.
        #[arg(long, default_value = "mock-key")]
        api_key: String,
        /// Polls before a Veo operation is done (prompts can override with [mock:polls=N]).
        #[arg(long, default_value_t = 2)]
        polls: u32,
    },
}

#[derive(Subcommand)]
enum CharactersCmd {
    /// Characters whose name or prompt contains SEARCH (all without it).
    List {
        search: Option<String>,
        #[arg(long)]
        json: bool,
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

/// Files a batch's characters into the library until it ends, showing progress.
async fn follow_batch(session: &Session, data_dir: &Path, id: &str) -> Result<()> {
    use studio_api::characters::sync_batch;
    loop {
        let b = sync_batch(session, data_dir, id).await?;
        eprintln!(
            "{id}: {} of {} generated (run {}), {} in the library, {}",
            b.processed, b.total, b.run, b.in_library, b.status
        );
        if b.status != "running" {
            anyhow::ensure!(b.status == "completed", "batch {id} ended {}", b.status);
            return Ok(());
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}

/// Exit codes beyond clap's 2 (usage).
const EXIT_FAILED: u8 = 1;
const EXIT_JOB_FAILED: u8 = 3;
const EXIT_CANCELLED: u8 = 4;

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("STUDIO_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    let rt = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::from(EXIT_FAILED);
        }
    };
    match rt.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            let code = match e.downcast_ref::<EngineError>() {
                Some(EngineError::JobFailed { .. }) => EXIT_JOB_FAILED,
                Some(EngineError::JobCancelled { .. }) => EXIT_CANCELLED,
                _ => EXIT_FAILED,
            };
            ExitCode::from(code)
        }
    }
}

fn print_model_report(r: &studio_api::models::ModelReport) {
    println!("provider      {}", r.provider);
    if r.listed_at.is_some() {
        println!("listed        {} models", r.listed);
    }
    println!("images        {}", r.image_model);
    println!(
        "video         {} ({}{}{})",
        r.video_model,
        r.video_route,
        if r.native_4k { ", native 4k" } else { "" },
        if r.reference_images > 0 {
            format!(", {} reference images", r.reference_images)
        } else {
            String::new()
        }
    );
    println!("drafts        {}", r.draft_video_model);
    println!("can also use  images: {}", r.usable_image_models.join(", "));
    println!("              video: {}", r.usable_video_models.join(", "));
    if !r.unknown.is_empty() {
        println!("not in the model table: {}", r.unknown.join(", "));
    }
}

fn settings(cli: &Cli, data_dir: &Path) -> Result<Settings> {
    let mut s = Settings::load(data_dir)?;
    if let Some(p) = cli.provider {
        s.provider = Some(p);
    }
    if let Some(q) = &cli.task_queue {
        s.worker.set_task_queue(q.clone());
    }
    if let Some(q) = &cli.slow_task_queue {
        s.worker.slow_task_queue = q.clone();
    }
    if let Some(a) = &cli.address {
        s.temporal.address = Some(a.clone());
    }
    Ok(s)
}

/// `9464` → `0.0.0.0:9464`; `127.0.0.1:9464` as given.
fn parse_listen_address(s: &str) -> Result<std::net::SocketAddr> {
    if let Ok(port) = s.parse::<u16>() {
        return Ok(std::net::SocketAddr::from(([0, 0, 0, 0], port)));
    }
    s.parse().with_context(|| {
        format!("--metrics {s:?}: expected a port or an address like 0.0.0.0:9464")
    })
}

async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        let mut term = signal(SignalKind::terminate()).expect("SIGTERM handler");
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    let _ = tokio::signal::ctrl_c().await;
}

fn print_json(v: &impl serde::Serialize) -> Result<()> {
    println!("{}", serde_json::to_string_pretty(v)?);
    Ok(())
}

fn segment_strip(p: &Progress) -> String {
    p.segments
        .iter()
        .map(|s| match s.status {
            SegmentStatus::Pending => '·',
            SegmentStatus::Running => '▶',
            SegmentStatus::Done => '■',
            SegmentStatus::Failed => '✗',
        })
        .collect()
}

/// Shows a job's progress until it ends, then prints its video's local path.
async fn watch_and_print(session: Session, id: &str) -> Result<()> {
    let bar = ProgressBar::new(100);
    bar.set_style(
        ProgressStyle::with_template("{bar:30.cyan/blue} {pos:>3}% {prefix} {wide_msg}")
            .expect("valid template"),
    );
    let result = session
        .watch(id, Duration::from_millis(250), |p| {
            bar.set_position(p.percentage.into());
            bar.set_prefix(segment_strip(p));
            let paused = if p.paused { " (paused)" } else { "" };
            bar.set_message(format!("{}{paused}", p.current_step));
        })
        .await;
    bar.finish();
    let path = match &result {
        Ok(r) => Some(session.fetch(&r.video_url).await),
        Err(_) => None,
    };
    let closed = session.close();
    result?;
    closed?;
    if let Some(path) = path {
        println!("{}", path?.display());
    }
    Ok(())
}

fn print_job(d: &studio_api::JobDetail) {
    println!("{}  {}  version {}", d.id, d.status, d.version);
    println!("spent ${:.2}", d.spent.usd);
    for v in &d.versions {
        let takes: Vec<String> = v.takes.iter().map(u32::to_string).collect();
        println!(
            "  v{}  takes {}  {}  ${:.2}  {}",
            v.number,
            takes.join(","),
            v.quality,
            v.cost.usd,
            v.video_path.as_deref().unwrap_or("-")
        );
    }
    for seg in &d.segments {
        println!(
            "  {}  take {} of {}  {}",
            seg.id,
            seg.take,
            seg.takes.len(),
            seg.prompt
        );
    }
    println!("timeline:");
    for e in &d.timeline {
        let secs = f64::from(e.at_ms) / 1000.0;
        let dur = e
            .duration_ms
            .map(|d| format!(" ({:.1} s)", f64::from(d) / 1000.0))
            .unwrap_or_default();
        let outcome = e
            .outcome
            .as_deref()
            .map(|o| format!(" [{o}]"))
            .unwrap_or_default();
        println!("  {secs:>7.1} s  {}{dur}{outcome}", e.title);
        if let Some(detail) = &e.detail {
            println!("             {detail}");
        }
        if let Some(err) = &e.error {
            println!("             error: {err}");
        }
    }
    if let Some(url) = &d.web_ui_url {
        println!("Temporal UI: {url}");
    }
}

async fn run(cli: Cli) -> Result<()> {
    let data_dir = resolve_data_dir(cli.data_dir.as_deref())?;
    std::fs::create_dir_all(&data_dir)
        .with_context(|| format!("cannot create the data dir {}", data_dir.display()))?;
    let settings = settings(&cli, &data_dir)?;
    match cli.command {
        Command::Server { port, ui_port } => {
            let dd = DataDir(data_dir.clone());
            std::fs::create_dir_all(dd.logs())?;
            let port = port.unwrap_or(settings.temporal.dev_server_port);
            let mut server = DevServer::start(DevServerOptions {
                cli: find_temporal_cli(settings.temporal.cli_path.as_deref())?,
                port,
                ui_port: Some(ui_port.unwrap_or(settings.temporal.dev_server_ui_port)),
                db_file: dd.dev_db(),
                log_file: Some(dd.logs().join("temporal.log")),
                die_with_parent: true,
            })
            .await?;
            println!(
                "Temporal dev server on 127.0.0.1:{port}, web UI http://127.0.0.1:{}, db {}",
                server.ui_port().unwrap_or_default(),
                dd.dev_db().display()
            );
            shutdown_signal().await;
            server.stop();
            Ok(())
        }
        Command::Worker { queues, metrics } => {
            let endpoint =
                studio_engine::Endpoint::configured(&settings.temporal)?.unwrap_or_else(|| {
                    studio_engine::Endpoint::local(settings.temporal.dev_server_port)
                });
            let mut spec = WorkerSpec::new(
                endpoint.clone(),
                &settings,
                DataDir(data_dir.clone()).artifacts(),
            );
            spec.roles = parse_queue_roles(&queues)?;
            if let Some(m) = metrics {
                spec.metrics = Some(parse_listen_address(&m)?);
            }
            let described = spec.describe();
            let worker = WorkerThread::spawn(spec)?;
            eprintln!(
                "worker polling {described} on {} (provider {})",
                endpoint.address(),
                settings.provider()
            );
            if let Some(addr) = worker.metrics_addr() {
                eprintln!("metrics on http://{addr}/metrics");
            }
            shutdown_signal().await;
            eprintln!("shutting down: finishing running activities");
            worker.shutdown()?;
            Ok(())
        }
        Command::Render {
            project: path,
            wait,
            id,
        } => {
            // Validate before starting anything: a bad file should fail in milliseconds.
            let project = studio_core::Project::load(&path)?;
            let session = Session::open_embedded(&data_dir, settings).await?;
            let base = path.parent().unwrap_or(Path::new("."));
            let name = path
                .file_name()
                .and_then(|n| n.to_str())
                .map(|n| n.trim_end_matches(".json").trim_end_matches(".studio"))
                .unwrap_or("project");
            let id = match id {
                Some(id) => {
                    if session.render_project_as(&project, base, &id).await? {
                        eprintln!("started {id}");
                    } else {
                        eprintln!("attached to {id}");
                    }
                    id
                }
                None => {
                    let id = session.render_project(&project, base, name).await?;
                    eprintln!("started {id}");
                    id
                }
            };
            if let Some(url) = session.ui_url() {
                eprintln!("watch it in the Temporal UI: {url}/namespaces/default/workflows/{id}");
            }
            if !wait && !session.is_embedded() {
                println!("{id}");
                return Ok(());
            }
            watch_and_print(session, &id).await
        }
        Command::Regenerate {
            id,
            scenario,
            prompt,
            wait,
        } => {
            let session = Session::open_embedded(&data_dir, settings).await?;
            let it = session.regenerate(&id, &scenario, prompt).await?;
            match it.take {
                Some(t) => eprintln!("{id}: take {t} of {scenario} for version {}", it.version),
                None => eprintln!("{id}: version {}", it.version),
            }
            if !wait && !session.is_embedded() {
                return Ok(());
            }
            watch_and_print(session, &id).await
        }
        Command::Takes { id, takes, wait } => {
            let session = Session::open_embedded(&data_dir, settings).await?;
            let it = session.pick_takes(&id, takes).await?;
            eprintln!("{id}: version {} stitches the picked takes", it.version);
            if !wait && !session.is_embedded() {
                return Ok(());
            }
            watch_and_print(session, &id).await
        }
        Command::Job { id, json } => {
            let s = Session::connect(&data_dir, settings).await?;
            let d = studio_api::job_detail(&s, &id).await?;
            if json {
                return print_json(&d);
            }
            print_job(&d);
            Ok(())
        }
        Command::Keys { set, delete } => {
            use studio_api::keys::{keys, save_keys};
            let name = set.as_deref().or(delete.as_deref());
            let value = match (&set, &delete) {
                (Some(_), _) => {
                    let mut v = String::new();
                    std::io::Read::read_to_string(&mut std::io::stdin(), &mut v)?;
                    anyhow::ensure!(!v.trim().is_empty(), "no key on stdin");
                    Some(v)
                }
                (_, Some(_)) => Some(String::new()),
                _ => None,
            };
            let view = match (name, value) {
                (Some(name), Some(value)) => {
                    let mut update = studio_api::KeysUpdate::default();
                    match name {
                        "gemini-api-key" => update.gemini_api_key = Some(value),
                        "vertex-credentials-file" => update.vertex_credentials_file = Some(value),
                        "temporal-api-key" => update.temporal_api_key = Some(value),
                        other => anyhow::bail!(
                            "unknown key {other:?}: gemini-api-key, vertex-credentials-file or \
                             temporal-api-key"
                        ),
                    }
                    save_keys(&data_dir, &update)?
                }
                _ => keys(&data_dir)?,
            };
            println!("keys are {}", view.detail);
            let set = |b: bool| if b { "set" } else { "not set" };
            println!("  gemini-api-key           {}", set(view.gemini_api_key));
            println!(
                "  vertex-credentials-file  {}",
                view.vertex_credentials_file.as_deref().unwrap_or("not set")
            );
            println!("  temporal-api-key         {}", set(view.temporal_api_key));
            Ok(())
        }
        Command::Characters { action } => {
            use studio_api::characters;
            use studio_library::Library;
            match action {
                CharactersCmd::List { search, json } => {
                    let all = characters::list(&data_dir, search.as_deref().unwrap_or(""))?;
                    if json {
                        return print_json(&all);
                    }
                    for c in &all {
                        let angles = c
                            .character
                            .angles
                            .as_ref()
                            .map_or("no angles".to_owned(), |a| format!("angles by {}", a.model));
                        println!(
                            "{}  {}  ({angles})  {}",
                            c.character.id, c.character.name, c.character.base_prompt
                        );
                    }
                    Ok(())
                }
                CharactersCmd::Generate { file, wait } => {
                    let text = std::fs::read_to_string(&file)
                        .with_context(|| format!("cannot read {}", file.display()))?;
                    let session = Session::open_embedded(&data_dir, settings).await?;
                    let b = characters::generate(&session, &data_dir, &text).await?;
                    eprintln!("started {} ({} characters)", b.id, b.total);
                    println!("{}", b.id);
                    if wait || session.is_embedded() {
                        follow_batch(&session, &data_dir, &b.id).await?;
                    }
                    session.close()?;
                    Ok(())
                }
                CharactersCmd::Sync { batch } => {
                    let session = Session::connect(&data_dir, settings).await?;
                    let b = characters::sync_batch(&session, &data_dir, &batch).await?;
                    print_json(&b)
                }
                CharactersCmd::Regenerate { id, wait } => {
                    let session = Session::open_embedded(&data_dir, settings).await?;
                    let b = characters::regenerate_angles(&session, &data_dir, &id).await?;
                    println!("{}", b.id);
                    if wait || session.is_embedded() {
                        follow_batch(&session, &data_dir, &b.id).await?;
                    }
                    session.close()?;
                    Ok(())
                }
                CharactersCmd::Rename { id, name } => {
                    Library::open(&data_dir)?.rename(&id, &name)?;
                    Ok(())
                }
                CharactersCmd::Delete { id } => {
                    Library::open(&data_dir)?.delete(&id)?;
                    Ok(())
                }
                CharactersCmd::Export { out, id } => {
                    let n = Library::open(&data_dir)?.export(&id, &out)?;
                    eprintln!("exported {n} character(s) to {}", out.display());
                    Ok(())
                }
                CharactersCmd::Import { archive } => {
                    let added = Library::open(&data_dir)?.import(&archive)?;
                    for c in &added {
                        println!("{}  {}", c.id, c.name);
                    }
                    Ok(())
                }
            }
        }
        Command::Doctor {
            cached,
            live,
            yes,
            json,
        } => {
            let report = studio_api::models::check_models(&settings, !cached).await?;
            if !live {
                if json {
                    return print_json(&report);
                }
                print_model_report(&report);
                return Ok(());
            }
            let plan = studio_api::models::live_plan(&settings).await?;
            let price = plan.usd.map_or_else(
                || "an unknown price".to_owned(),
                |p| format!("about ${p:.2}"),
            );
            eprintln!(
                "The live check makes 1 image with {} and one {} s clip with {} for {price}.",
                plan.image_model, plan.clip_seconds, plan.video_model
            );
            if !yes {
                eprint!("Go ahead? [y/N] ");
                let mut answer = String::new();
                std::io::stdin().read_line(&mut answer)?;
                if !matches!(answer.trim(), "y" | "Y" | "yes") {
                    eprintln!("Nothing was made.");
                    return Ok(());
                }
            }
            let work = tempfile::tempdir()?;
            let live = studio_api::models::live_check(
                &settings,
                plan,
                &studio_media::Ffmpeg::from_env(),
                work.path(),
            )
            .await?;
            if json {
                return print_json(&live);
            }
            println!(
                "image {}x{}; clip {:.2} s, {}x{}, audio {}",
                live.image_size.0,
                live.image_size.1,
                live.clip_seconds,
                live.clip_size.0,
                live.clip_size.1,
                if live.clip_audio { "yes" } else { "no" }
            );
            if live.differences.is_empty() {
                println!("Google answered as the model table says.");
            } else {
                println!("Differences from models.toml:");
                for d in &live.differences {
                    println!("  - {d}");
                }
            }
            Ok(())
        }
        Command::Estimate { project, json } => {
            let project = studio_core::Project::load(&project)?;
            let e = studio_api::estimate(&settings, &project);
            if json {
                return print_json(&e);
            }
            println!(
                "{} images ({}) + {} s of video ({}): ${:.2}",
                e.images, e.image_model, e.video_seconds, e.video_model, e.cost.usd
            );
            if !e.cost.unpriced_models.is_empty() {
                println!("no price set for: {}", e.cost.unpriced_models.join(", "));
            }
            Ok(())
        }
        Command::Progress { id } => {
            let s = Session::connect(&data_dir, settings).await?;
            print_json(&s.client.progress(&id).await?)
        }
        Command::Pause { id } => {
            let s = Session::connect(&data_dir, settings).await?;
            s.client.pause(&id).await?;
            eprintln!("paused {id}");
            Ok(())
        }
        Command::Resume { id } => {
            let s = Session::connect(&data_dir, settings).await?;
            s.client.resume(&id).await?;
            eprintln!("resumed {id}");
            Ok(())
        }
        Command::Cancel { id } => {
            let s = Session::connect(&data_dir, settings).await?;
            s.client.cancel(&id).await?;
            eprintln!("cancellation requested for {id}");
            Ok(())
        }
        Command::Result { id } => {
            let s = Session::connect(&data_dir, settings).await?;
            print_json(&s.client.result(&id).await?)
        }
        Command::Quality { id, level } => {
            let s = Session::connect(&data_dir, settings).await?;
            let previous = s.client.change_quality(&id, &level).await?;
            eprintln!("quality of {id}: {previous} -> {level}");
            Ok(())
        }
        Command::AddSegment {
            id,
            prompt,
            duration,
            project,
        } => {
            let scenario = ScenarioSpec {
                duration_seconds: ClipSeconds::try_from(duration)?,
                ..ScenarioSpec::new(prompt)
            };
            let s = Session::connect(&data_dir, settings).await?;
            match project {
                None => s.client.add_segment(&id, scenario).await?,
                Some(path) => {
                    let p = studio_core::Project::load(&path)?;
                    let input = s.settings.render_input(p.to_request(Vec::new()));
                    s.client.add_segment_or_start(&id, scenario, input).await?
                }
            }
            eprintln!("segment added to {id}");
            Ok(())
        }
        Command::Queue => {
            let s = Session::connect(&data_dir, settings).await?;
            let w = &s.settings.worker;
            let mut queues = vec![(w.task_queue.clone(), "fast")];
            if w.is_split() {
                queues.push((w.slow_task_queue.clone(), "slow"));
            } else {
                queues[0].1 = "fast+slow";
            }
            for (queue, role) in queues {
                let q = s.client.queue_status_of(&queue).await?;
                println!(
                    "task queue {queue} ({role}): {} worker(s) polling workflows, {} polling activities; backlog {} task(s), oldest {} s",
                    q.workflow_pollers, q.activity_pollers, q.backlog, q.backlog_age_secs
                );
                if let Some(hint) = q.scale_hint() {
                    println!("hint: {hint}");
                }
            }
            Ok(())
        }
        Command::Cache { clear } => {
            if clear {
                let n = studio_api::settings_view::clear_cache(&data_dir)?;
                println!("forgot {n} cache entr{}", if n == 1 { "y" } else { "ies" });
            }
            let u = studio_api::settings_view::cache_usage(&data_dir)?;
            println!(
                "artifact cache: {} entr{}, {:.1} MiB",
                u.entries,
                if u.entries == 1 { "y" } else { "ies" },
                u.mebibytes
            );
            Ok(())
        }
        Command::List { limit } => {
            let s = Session::connect(&data_dir, settings).await?;
            for j in s.client.list(limit).await? {
                println!("{:<10} {:<34} {}", j.status, j.workflow_type, j.id);
            }
            Ok(())
        }
        Command::MockGoogle {
            port,
            api_key,
            polls,
        } => {
            let mock = studio_mock_google::MockGoogle::start(
                port,
                studio_mock_google::MockOptions {
                    api_key,
                    polls,
                    ..Default::default()
                },
            )
            .await
            .with_context(|| format!("cannot listen on 127.0.0.1:{port}"))?;
            eprintln!(
                "mock Google on {} (Gemini: /v1beta, Vertex: /v1/projects/..., OAuth: /token, stats: /mock/stats)",
                mock.base_url()
            );
            tokio::select! {
                _ = mock.wait() => {}
                _ = shutdown_signal() => {}
            }
            Ok(())
        }
        Command::Batch { file } => {
            let text = std::fs::read_to_string(&file)
                .with_context(|| format!("cannot read {}", file.display()))?;
            let batch: Vec<CharacterSpec> = serde_json::from_str(&text).with_context(|| {
                format!(
                    "{} is not a JSON array of {{name, basePrompt}}",
                    file.display()
                )
            })?;
            anyhow::ensure!(!batch.is_empty(), "{} holds no characters", file.display());
            let s = Session::connect(&data_dir, settings).await?;
            let id = format!("batch-{}", &uuid::Uuid::new_v4().simple().to_string()[..8]);
            s.client.start_batch(&id, batch).await?;
            println!("{id}");
            Ok(())
        }
    }
}
