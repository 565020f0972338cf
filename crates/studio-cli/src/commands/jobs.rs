//! Renders and the jobs behind them: start, watch, steer, iterate, inspect.

use std::path::Path;

use anyhow::Result;
use studio_api::{JobDetail, JobView, Studio, WorkflowView};
use studio_core::{ClipSeconds, Project, Quality, Scenario};

use crate::output::Out;

pub async fn render(
    studio: &Studio,
    out: Out,
    path: &Path,
    wait: bool,
    id: Option<String>,
) -> Result<()> {
    let project = Studio::load_project(path)?;
    if let Some(budget) = project.budget {
        let estimate = studio.estimate(&project);
        out.note(format!(
            "estimated ${:.2}; budget {budget} (the job waits for `studio approve` before \
             spending more)",
            estimate.cost.usd
        ));
    }
    let started = studio.render(&project, Some(path), id).await?;
    let id = &started.record.id;
    out.note(if started.started {
        format!("started {id}")
    } else {
        format!("attached to {id}")
    });
    if let Some(url) = &started.web_ui_url {
        out.note(format!("watch it in the Temporal UI: {url}"));
    }
    if !wait && !studio.is_embedded() {
        return out.show(&started, |s| outln!("{}", s.record.id));
    }
    out.watch_to_end(studio, id).await
}

pub async fn regenerate(
    studio: &Studio,
    out: Out,
    id: &str,
    scenario: &str,
    prompt: Option<String>,
    wait: bool,
) -> Result<()> {
    let it = studio.regenerate(id, scenario, prompt).await?;
    match it.take {
        Some(t) => out.note(format!(
            "{id}: take {t} of {scenario} for version {}",
            it.version
        )),
        None => out.note(format!("{id}: version {}", it.version)),
    }
    if !wait && !studio.is_embedded() {
        return out.show(&it, |_| {});
    }
    out.watch_to_end(studio, id).await
}

/// `studio extend JOB --scene ID --seconds N [--prompt TEXT]`: the scene's take continued
/// as the job's next version.
pub async fn extend(
    studio: &Studio,
    out: Out,
    id: &str,
    scene: &str,
    seconds: u32,
    prompt: Option<String>,
    wait: bool,
) -> Result<()> {
    let it = studio.extend_shot(id, scene, seconds, prompt).await?;
    match it.take {
        Some(t) => out.note(format!(
            "{id}: take {t} of {scene} (+{seconds} s) for version {}",
            it.version
        )),
        None => out.note(format!("{id}: version {}", it.version)),
    }
    if !wait && !studio.is_embedded() {
        return out.show(&it, |_| {});
    }
    out.watch_to_end(studio, id).await
}

pub async fn takes(studio: &Studio, out: Out, id: &str, takes: Vec<u32>, wait: bool) -> Result<()> {
    let it = studio.pick_takes(id, takes).await?;
    out.note(format!(
        "{id}: version {} stitches the picked takes",
        it.version
    ));
    if !wait && !studio.is_embedded() {
        return out.show(&it, |_| {});
    }
    out.watch_to_end(studio, id).await
}

pub async fn job(studio: &Studio, out: Out, id: &str) -> Result<()> {
    out.show(&studio.job_detail(id).await?, print_job)
}

fn print_job(d: &JobDetail) {
    outln!("{}  {}  version {}", d.id, d.status, d.version);
    outln!("spent ${:.2}", d.spent.usd);
    for v in &d.versions {
        let takes: Vec<String> = v.takes.iter().map(u32::to_string).collect();
        outln!(
            "  v{}  takes {}  {}  ${:.2}  {}",
            v.number,
            takes.join(","),
            v.quality,
            v.cost.usd,
            v.video_path.as_deref().unwrap_or("-")
        );
    }
    for seg in &d.segments {
        outln!(
            "  {}  take {} of {}  {}",
            seg.id,
            seg.take,
            seg.takes.len(),
            seg.prompt
        );
    }
    outln!("timeline:");
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
        outln!("  {secs:>7.1} s  {}{dur}{outcome}", e.title);
        if let Some(detail) = &e.detail {
            outln!("             {detail}");
        }
        if let Some(err) = &e.error {
            outln!("             error: {err}");
        }
    }
    if let Some(url) = &d.web_ui_url {
        outln!("Temporal UI: {url}");
    }
}

pub async fn estimate(studio: &Studio, out: Out, path: &Path) -> Result<()> {
    let project = Studio::load_project(path)?;
    out.show(&studio.estimate(&project), |e| {
        outln!(
            "{} images ({}) + {} s of video ({}): ${:.2}",
            e.images,
            e.image_model,
            e.video_seconds,
            e.video_model,
            e.cost.usd
        );
        if !e.cost.unpriced_models.is_empty() {
            outln!("no price set for: {}", e.cost.unpriced_models.join(", "));
        }
        for t in &e.lines_too_long {
            outln!(
                "warning: {}: its words take {:.1} s to speak, the shot is {} s: {}",
                t.scene,
                t.needed_seconds,
                t.available_seconds,
                t.fix
            );
        }
    })
}

pub async fn progress(studio: &Studio, out: Out, id: &str) -> Result<()> {
    out.json(&studio.progress(id).await?)
}

pub async fn result(studio: &Studio, out: Out, id: &str) -> Result<()> {
    out.json(&studio.result(id).await?)
}

pub async fn pause(studio: &Studio, out: Out, id: &str) -> Result<()> {
    studio.pause(id).await?;
    out.note(format!("paused {id}"));
    Ok(())
}

pub async fn resume(studio: &Studio, out: Out, id: &str) -> Result<()> {
    studio.resume(id).await?;
    out.note(format!("resumed {id}"));
    Ok(())
}

pub async fn cancel(studio: &Studio, out: Out, id: &str) -> Result<()> {
    studio.cancel(id).await?;
    out.note(format!("cancellation requested for {id}"));
    Ok(())
}

pub async fn quality(studio: &Studio, out: Out, id: &str, level: Quality) -> Result<()> {
    let previous = studio.change_quality(id, level).await?;
    out.note(format!("quality of {id}: {previous} -> {level}"));
    out.show(
        &serde_json::json!({ "previous": previous, "quality": level }),
        |_| {},
    )
}

pub async fn approve(studio: &Studio, out: Out, id: &str, usd: f64) -> Result<()> {
    let approved = studio.approve_spend(id, usd).await?;
    out.note(format!("{id} may now spend {approved} in all"));
    out.show(&serde_json::json!({ "approvedUsd": approved }), |_| {})
}

pub async fn add_segment(
    studio: &Studio,
    out: Out,
    id: &str,
    prompt: String,
    duration: ClipSeconds,
    project: Option<&Path>,
) -> Result<()> {
    let scenario = Scenario {
        duration_seconds: duration,
        ..Scenario::new(prompt)
    };
    let loaded: Option<(Project, &Path)> = match project {
        Some(path) => Some((Studio::load_project(path)?, path)),
        None => None,
    };
    studio
        .add_segment(id, scenario, loaded.as_ref().map(|(p, path)| (p, *path)))
        .await?;
    out.note(format!("segment added to {id}"));
    Ok(())
}

pub async fn list(studio: &Studio, out: Out, limit: usize, all: bool) -> Result<()> {
    if all {
        return out.show(
            &studio.workflows(limit).await?,
            |list: &Vec<WorkflowView>| {
                for j in list {
                    outln!("{:<14} {:<34} {}", j.status, j.workflow_type, j.id);
                }
            },
        );
    }
    out.show(&studio.jobs(limit).await?, |list: &Vec<JobView>| {
        for j in list {
            outln!(
                "{:<14} {:<40} {}  {}",
                j.status.to_string(),
                j.record.id,
                j.record.name,
                j.video_path.as_deref().unwrap_or("")
            );
        }
    })
}
