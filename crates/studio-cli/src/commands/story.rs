//! `studio plan`: a story into a project, or an edited story into the project planned from it.
//!
//! The CLI never waits for input: library matches are listed and used only with
//! `--use-library`, and the text model's cost is printed and bounded by `--approve-usd`.

use std::path::{Path, PathBuf};

use anyhow::Result;
use studio_api::{
    read_story, PlanIssue, PlanOutcome, PlanStoryRequest, PlannerChoice, PlannerUsed,
    ReplanOutcome, ShotChange, Studio,
};
use studio_core::Project;

use crate::output::Out;

/// What `studio plan` was asked.
pub struct PlanArgs<'a> {
    pub story: &'a Path,
    pub project: Option<PathBuf>,
    pub planner: PlannerChoice,
    pub use_library: bool,
    pub approve_usd: Option<f64>,
    pub dry_run: bool,
}

/// Where the project of `story` goes by default: beside it, named after it.
fn default_project_path(story: &Path) -> PathBuf {
    let stem = story
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "story".into());
    story.with_file_name(format!("{stem}.studio.json"))
}

pub async fn plan(studio: &Studio, out: Out, args: PlanArgs<'_>) -> Result<()> {
    let story = read_story(args.story)?;
    let path = args
        .project
        .clone()
        .unwrap_or_else(|| default_project_path(args.story));
    // A project planned from a story before: plan again, keeping the creator's work.
    if path.exists() {
        let project = Studio::load_project(&path)?;
        if project.story.is_some() {
            let outcome = studio.replan_story(&project, story)?;
            if !args.dry_run {
                Studio::save_project(&path, &outcome.replan.project, &Default::default())?;
            }
            return out.show(&outcome, |o| print_replan(o, &path, args.dry_run));
        }
        anyhow::bail!(
            "{} exists and was not planned from a story: choose another file with -o",
            path.display()
        );
    }
    let estimate = studio.plan_estimate(&story, args.planner)?;
    if estimate.planner == PlannerChoice::Model {
        out.note(format!(
            "planning with {} costs at most ${:.4}",
            estimate.model.as_deref().unwrap_or("the text model"),
            estimate.cost.usd
        ));
        if args.dry_run {
            return out.show(&estimate, |_| {});
        }
    }
    let outcome = studio
        .plan_story(PlanStoryRequest {
            story,
            base: None,
            planner: args.planner,
            use_library: args.use_library,
            approved_usd: args.approve_usd,
        })
        .await?;
    if !args.dry_run {
        Studio::save_project(&path, &outcome.project, &Default::default())?;
    }
    out.show(&outcome, |o| print_plan(o, &path, args.dry_run))
}

fn print_plan(o: &PlanOutcome, path: &Path, dry_run: bool) {
    let p = &o.project;
    let planner = match &o.planner {
        PlannerUsed::Offline => "the offline planner".to_owned(),
        PlannerUsed::Model { model, asks, .. } => format!("{model} ({asks} ask(s))"),
    };
    outln!(
        "{} shot(s), {} character(s), {} element(s), {} s, planned by {planner} in {} ms (${:.4})",
        p.scenarios.len(),
        p.cast.len() + 1,
        p.elements.len(),
        p.total_seconds(),
        o.millis,
        o.cost.usd
    );
    print_shots(p);
    for m in &o.library_matches {
        outln!(
            "library: {} matches library character {}{}",
            m.name,
            m.library_id,
            if m.used {
                " (used)"
            } else {
                " (not used; --use-library uses it)"
            }
        );
    }
    print_issues(&o.issues);
    if !dry_run {
        outln!("wrote {}", path.display());
    }
}

fn print_shots(p: &Project) {
    for s in &p.scenarios {
        let words = (p.story.as_ref().zip(s.source))
            .map(|(story, span)| studio_story_words(&story.text, span))
            .unwrap_or_default();
        outln!("  {} ({} s): {words}", s.id, s.duration_seconds.get());
    }
}

/// The first words of a shot's span, for a one-line listing.
fn studio_story_words(text: &str, span: studio_core::SourceSpan) -> String {
    let words = span.text_in(text);
    let line = words.split_whitespace().collect::<Vec<_>>().join(" ");
    match line.char_indices().nth(72) {
        Some((i, _)) => format!("{}…", &line[..i]),
        None => line,
    }
}

fn print_issues(issues: &[PlanIssue]) {
    if issues.is_empty() {
        outln!("check: every sentence is told, every line spoken by its speaker");
    }
    for i in issues {
        outln!("check: {i}");
    }
}

fn print_replan(o: &ReplanOutcome, path: &Path, dry_run: bool) {
    for c in &o.replan.changes {
        let line = match c {
            ShotChange::Kept { id } => format!("kept {id}"),
            ShotChange::KeptEdited { id, words_changed } => format!(
                "kept {id} (changed by hand{})",
                if *words_changed {
                    "; its words changed: look at it"
                } else {
                    ""
                }
            ),
            ShotChange::Replanned { id, replaces } => {
                format!("replanned {id} (was {})", replaces.join(", "))
            }
            ShotChange::Added { id } => format!("added {id}"),
            ShotChange::Removed { id } => format!("removed {id}"),
        };
        outln!("{line}");
    }
    print_shots(&o.replan.project);
    print_issues(&o.issues);
    if !dry_run {
        outln!("wrote {}", path.display());
    }
}
