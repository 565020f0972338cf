//! `studio-mock-google`: serves the mock of Google's Gemini API and Vertex AI on loopback, for
//! tests and key-less demos. Point workers at it with
//! `STUDIO_GOOGLE_BASE_URL=http://127.0.0.1:PORT`. A development tool: never shipped in the
//! `studio` binary or the app bundle.

use clap::Parser;
use studio_mock_google::{MockGoogle, MockOptions};

#[derive(Parser)]
#[command(name = "studio-mock-google", version, about)]
struct Args {
    #[arg(long, default_value_t = 8090)]
    port: u16,
    /// The Gemini API key the mock accepts.
    #[arg(long, default_value = "mock-key")]
    api_key: String,
    /// Polls before a Veo operation is done (prompts can override with [mock:polls=N]).
    #[arg(long, default_value_t = 2)]
    polls: u32,
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("STUDIO_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .with_writer(std::io::stderr)
        .init();
    let args = Args::parse();
    let options = MockOptions {
        api_key: args.api_key,
        polls: args.polls,
        ..Default::default()
    };
    let mock = match MockGoogle::start(args.port, options).await {
        Ok(m) => m,
        Err(e) => {
            eprintln!("error: cannot listen on 127.0.0.1:{}: {e}", args.port);
            return std::process::ExitCode::FAILURE;
        }
    };
    eprintln!(
        "mock Google on {} (Gemini: /v1beta, Vertex: /v1/projects/..., OAuth: /token, stats: /mock/stats)",
        mock.base_url()
    );
    tokio::select! {
        _ = mock.wait() => {}
        _ = tokio::signal::ctrl_c() => {}
    }
    std::process::ExitCode::SUCCESS
}
