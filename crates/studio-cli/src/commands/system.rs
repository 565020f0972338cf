//! Running the studio's processes and looking after the machine: dev server, worker, queues,
//! cache, keys and the model check.

use anyhow::{Context, Result};
use studio_api::models::ModelReport;
use studio_api::{CacheView, KeysUpdate, KeysView, QueueView, Studio};
use studio_core::QueueRole;

use crate::args::KeyName;
use crate::output::Out;

pub async fn server(
    studio: &Studio,
    out: Out,
    port: Option<u16>,
    ui_port: Option<u16>,
) -> Result<()> {
    let server = studio.start_dev_server(port, ui_port).await?;
    out.note(format!(
        "Temporal dev server on 127.0.0.1:{}, web UI http://127.0.0.1:{}, db {}",
        server.port,
        server.ui_port().unwrap_or_default(),
        server.db_file.display()
    ));
    shutdown_signal().await;
    server.stop();
    Ok(())
}

pub async fn worker(
    studio: &Studio,
    out: Out,
    queues: Vec<QueueRole>,
    metrics: Option<String>,
) -> Result<()> {
    let metrics = metrics.as_deref().map(parse_listen_address).transpose()?;
    let worker = studio.start_worker(queues, metrics)?;
    out.note(format!(
        "worker polling {} on {} (provider {})",
        worker.description, worker.address, worker.provider
    ));
    if let Some(addr) = worker.metrics_addr() {
        out.note(format!("metrics on http://{addr}/metrics"));
    }
    shutdown_signal().await;
    out.note("shutting down: finishing running activities");
    worker.shutdown()?;
    Ok(())
}

/// `9464` → `127.0.0.1:9464` (loopback unless an address says otherwise); an address as given.
fn parse_listen_address(s: &str) -> Result<std::net::SocketAddr> {
    if let Ok(port) = s.parse::<u16>() {
        return Ok(std::net::SocketAddr::from(([127, 0, 0, 1], port)));
    }
    s.parse().with_context(|| {
        format!("--metrics {s:?}: expected a port or an address like 0.0.0.0:9464")
    })
}

async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    let _ = tokio::signal::ctrl_c().await;
}

pub async fn queue(studio: &Studio, out: Out) -> Result<()> {
    out.show(&studio.queues().await?, |queues: &Vec<QueueView>| {
        for q in queues {
            outln!(
                "task queue {} ({}): {} worker(s) polling workflows, {} polling activities; backlog {} task(s), oldest {} s",
                q.name, q.role, q.workflow_pollers, q.activity_pollers, q.backlog, q.backlog_age_secs
            );
            if let Some(hint) = &q.hint {
                outln!("hint: {hint}");
            }
        }
    })
}

pub async fn cache(studio: &Studio, out: Out, clear: bool) -> Result<()> {
    let forgot = if clear {
        Some(studio.clear_cache()?)
    } else {
        None
    };
    let usage = studio.cache_usage()?;
    let plural = |n: u32| if n == 1 { "y" } else { "ies" };
    out.show(
        &serde_json::json!({ "forgot": forgot, "usage": usage }),
        |_| {
            if let Some(n) = forgot {
                outln!("forgot {n} cache entr{}", plural(n));
            }
            let u: &CacheView = &usage;
            outln!(
                "artifact cache: {} entr{}, {:.1} MiB",
                u.entries,
                plural(u.entries),
                u.mebibytes
            );
        },
    )
}

pub async fn keys(
    studio: &Studio,
    out: Out,
    set: Option<KeyName>,
    delete: Option<KeyName>,
) -> Result<()> {
    let change = match (set, delete) {
        (Some(name), _) => {
            let mut v = String::new();
            std::io::Read::read_to_string(&mut std::io::stdin(), &mut v)?;
            anyhow::ensure!(!v.trim().is_empty(), "no key on stdin");
            Some((name, v))
        }
        (_, Some(name)) => Some((name, String::new())),
        _ => None,
    };
    let view = match change {
        Some((name, value)) => {
            let mut update = KeysUpdate::default();
            match name {
                KeyName::GeminiApiKey => update.gemini_api_key = Some(value),
                KeyName::VertexCredentialsFile => update.vertex_credentials_file = Some(value),
                KeyName::TemporalApiKey => update.temporal_api_key = Some(value),
            }
            studio.save_keys(&update)?
        }
        None => studio.keys()?,
    };
    out.show(&view, |view: &KeysView| {
        outln!("keys are {}", view.detail);
        let set = |b: bool| if b { "set" } else { "not set" };
        outln!("  gemini-api-key           {}", set(view.gemini_api_key));
        outln!(
            "  vertex-credentials-file  {}",
            view.vertex_credentials_file.as_deref().unwrap_or("not set")
        );
        match (&view.temporal_api_key_address, view.temporal_api_key) {
            (Some(a), true) => outln!("  temporal-api-key         set (sent only to {a})"),
            (None, true) => outln!(
                "  temporal-api-key         set by an older studio, bound to no address: set it again"
            ),
            (_, false) => outln!("  temporal-api-key         not set"),
        }
    })
}

pub async fn doctor(studio: &Studio, out: Out, cached: bool, live: bool, yes: bool) -> Result<()> {
    let report = studio.check_models(!cached).await?;
    if !live {
        return out.show(&report, print_model_report);
    }
    let plan = studio.live_plan().await?;
    let price = plan.usd.map_or_else(
        || "an unknown price".to_owned(),
        |p| format!("about ${p:.2}"),
    );
    out.note(format!(
        "The live check makes 1 image with {} and one {} s clip with {} for {price}.",
        plan.image_model, plan.clip_seconds, plan.video_model
    ));
    if !yes {
        eprint!("Go ahead? [y/N] ");
        let mut answer = String::new();
        std::io::stdin().read_line(&mut answer)?;
        if !matches!(answer.trim(), "y" | "Y" | "yes") {
            out.note("Nothing was made.");
            return Ok(());
        }
    }
    let live = studio.live_check(plan).await?;
    out.show(&live, |live| {
        outln!(
            "image {}x{}; clip {:.2} s, {}x{}, audio {}",
            live.image_size.0,
            live.image_size.1,
            live.clip_seconds,
            live.clip_size.0,
            live.clip_size.1,
            if live.clip_audio { "yes" } else { "no" }
        );
        if live.differences.is_empty() {
            outln!("Google answered as the model table says.");
        } else {
            outln!("Differences from models.toml:");
            for d in &live.differences {
                outln!("  - {d}");
            }
        }
    })
}

fn print_model_report(r: &ModelReport) {
    outln!("provider      {}", r.provider);
    if r.listed_at.is_some() {
        outln!("listed        {} models", r.listed);
    }
    outln!("images        {}", r.image_model);
    outln!(
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
    outln!("drafts        {}", r.draft_video_model);
    for role in &r.roles {
        let place = match (&role.location, &role.problem) {
            (_, Some(problem)) => format!("cannot be called: {problem}"),
            (Some(location), None) => format!("at {location}"),
            (None, None) => String::new(),
        };
        outln!(
            "route         {:<7} {} via {} {place}",
            role.role,
            role.model,
            role.route
        );
    }
    outln!("can also use  images: {}", r.usable_image_models.join(", "));
    outln!("              video: {}", r.usable_video_models.join(", "));
    if !r.unknown.is_empty() {
        outln!("not in the model table: {}", r.unknown.join(", "));
    }
}
