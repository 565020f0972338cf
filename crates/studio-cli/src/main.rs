//! `studio`: the headless shell of SmokeTech Studio. Every command parses its arguments, makes
//! one call on [`studio_api::Studio`] (the same door the window uses) and prints the answer
//! through one printer; no operation is written here.

// First: its `outln!` is used by the modules below.
#[macro_use]
mod output;
mod args;
mod commands;

use std::io::IsTerminal;
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::Parser;
use studio_api::{ApiError, ErrorCode, Overrides, Settings, Start, Studio};

use crate::args::{Cli, Command};
use crate::commands::{characters, export, jobs, sound, story, system};
use crate::output::Out;

/// Exit codes beyond clap's 2 (usage).
const EXIT_FAILED: u8 = 1;
const EXIT_JOB_FAILED: u8 = 3;
const EXIT_CANCELLED: u8 = 4;

fn main() -> ExitCode {
    // Before any thread: a worker under a burst of jobs keeps less memory (see its docs).
    studio_api::cap_malloc_arenas();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("STUDIO_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .with_writer(std::io::stderr)
        // Colour codes only for a terminal: a log file or pipe gets plain text.
        .with_ansi(std::io::stderr().is_terminal())
        .init();
    let cli = Cli::parse();
    let out = Out { json: cli.json };
    let rt = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::from(EXIT_FAILED);
        }
    };
    match rt.block_on(run(cli, out)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            out.error(&e);
            let code = match e.downcast_ref::<ApiError>().map(|a| a.code) {
                Some(ErrorCode::JobFailed) => EXIT_JOB_FAILED,
                Some(ErrorCode::JobCancelled) => EXIT_CANCELLED,
                _ => EXIT_FAILED,
            };
            ExitCode::from(code)
        }
    }
}

/// The settings file, the environment and the command line's overrides. The keyring is read
/// only by commands that use provider keys, or to reach a remote cluster.
fn settings(cli: &Cli, data_dir: &std::path::Path) -> Result<Settings, ApiError> {
    let mut s = Settings::load_without_keys(data_dir)?;
    s.override_with(Overrides {
        provider: cli.provider,
        task_queue: cli.task_queue.clone(),
        slow_task_queue: cli.slow_task_queue.clone(),
        address: cli.address.clone(),
    });
    if cli.command.uses_provider_keys() || s.remote_temporal() {
        s.load_keys(data_dir);
    }
    Ok(s)
}

async fn run(cli: Cli, out: Out) -> Result<()> {
    let data_dir = studio_api::resolve_data_dir(cli.data_dir.as_deref())?;
    std::fs::create_dir_all(&data_dir)
        .with_context(|| format!("cannot create the data dir {}", data_dir.display()))?;
    let settings = settings(&cli, &data_dir)?;
    // Commands that start work bring up the embedded default; the rest only connect (and
    // those that need no server never do).
    let start = match &cli.command {
        Command::Render { .. }
        | Command::Export { .. }
        | Command::Regenerate { .. }
        | Command::Extend { .. }
        | Command::Takes { .. }
        | Command::Batch { .. }
        | Command::Characters { .. }
        | Command::Plan { .. } => Start::Embedded,
        _ => Start::Connect,
    };
    let studio = Studio::new(&data_dir, settings, start);
    let studio = &studio;
    match cli.command {
        Command::Server { port, ui_port } => system::server(studio, out, port, ui_port).await,
        Command::Worker { queues, metrics } => system::worker(studio, out, queues, metrics).await,
        Command::Render { project, wait, id } => {
            jobs::render(studio, out, &project, wait, id).await
        }
        Command::Export {
            project,
            out: out_dir,
            preset,
            package,
        } => {
            let options = studio_api::studio::ExportOptions { preset, package };
            export::export(studio, out, &project, &out_dir, options).await
        }
        Command::Regenerate {
            id,
            scenario,
            prompt,
            wait,
        } => jobs::regenerate(studio, out, &id, &scenario, prompt, wait).await,
        Command::Extend {
            id,
            scene,
            seconds,
            prompt,
            wait,
        } => jobs::extend(studio, out, &id, &scene, seconds, prompt, wait).await,
        Command::Takes { id, takes, wait } => jobs::takes(studio, out, &id, takes, wait).await,
        Command::Job { id } => jobs::job(studio, out, &id).await,
        Command::Doctor { cached, live, yes } => {
            system::doctor(studio, out, cached, live, yes).await
        }
        Command::Estimate { project } => jobs::estimate(studio, out, &project).await,
        Command::Plan {
            story: story_path,
            out: project,
            planner,
            use_library,
            approve_usd,
            dry_run,
        } => {
            let plan = story::PlanArgs {
                story: &story_path,
                project,
                planner: planner.into(),
                use_library,
                approve_usd,
                dry_run,
            };
            story::plan(studio, out, plan).await
        }
        Command::Progress { id } => jobs::progress(studio, out, &id).await,
        Command::Pause { id } => jobs::pause(studio, out, &id).await,
        Command::Resume { id } => jobs::resume(studio, out, &id).await,
        Command::Cancel { id } => jobs::cancel(studio, out, &id).await,
        Command::Result { id } => jobs::result(studio, out, &id).await,
        Command::Quality { id, level } => jobs::quality(studio, out, &id, level).await,
        Command::Approve { id, usd } => jobs::approve(studio, out, &id, usd).await,
        Command::AddSegment {
            id,
            prompt,
            duration,
            project,
        } => jobs::add_segment(studio, out, &id, prompt, duration, project.as_deref()).await,
        Command::Queue => system::queue(studio, out).await,
        Command::Cache { clear } => system::cache(studio, out, clear).await,
        Command::Keys { set, delete } => system::keys(studio, out, set, delete).await,
        Command::Characters { action } => characters::run(studio, out, action).await,
        Command::List { limit, all } => jobs::list(studio, out, limit, all).await,
        Command::Batch { file } => characters::generate(studio, out, &file, false).await,
        Command::Voice {
            action:
                args::VoiceCmd::Sample {
                    voice,
                    style,
                    text,
                    out: copy_to,
                },
        } => {
            let request = studio_api::studio::VoiceSampleRequest { voice, style, text };
            sound::voice_sample(studio, out, request, copy_to).await
        }
    }
}
