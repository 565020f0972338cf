//! The cut and the export, through the studio's API and the `studio` binary, offline: a render
//! with trims, a crossfade, a dip to black, a title card and end credits plays for the length
//! the cut says, with its lines inside the shots where the cut put them; changing only the cut
//! renders again from the cache (no clip made, nothing paid); `studio export --preset shorts
//! --package` delivers a 1080x1920 film and the editor's package with every media file; an
//! export refuses a project it cannot deliver; and a cancelled export kills its ffmpeg, ends
//! Cancelled and leaves nothing in the folder. Real dev server, worker, ffmpeg and files.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use studio_api::studio::{ExportOptions, ExportStatus, ExportStep, Exported};
use studio_api::{ApiError, ErrorCode, Studio};
use studio_core::{ExportPreset, JobStatus, Project};
use studio_engine::names;
use studio_system_tests::{cached_api, render_and_wait, save_project};
use studio_testkit::*;

/// Three 4 s shots: b trimmed to 0.5..3.5 and crossfaded into (1 s), c dipped to black into
/// (1 s); a 2 s title before a, 2 s credits at the end. Narration on a and c.
fn project_json(crossfade: f64) -> serde_json::Value {
    serde_json::json!({
        "version": 1,
        "character": {"id": "mara", "name": "Mara", "basePrompt": "a lighthouse keeper",
                      "voice": {"description": "warm, low", "speech": "Kore"}},
        "narrator": {"description": "a calm storyteller", "speech": "Charon"},
        "scenarios": [
            {"id": "a", "prompt": "Mara climbs the tower stairs", "durationSeconds": 4,
             "narration": "She climbed."},
            {"id": "b", "prompt": "Mara trims the wick", "durationSeconds": 4,
             "trim": {"in": 0.5, "out": 3.5},
             "transition": {"kind": "crossfade", "seconds": crossfade}},
            {"id": "c", "prompt": "Mara at the lamp", "durationSeconds": 4,
             "transition": {"kind": "dip-to-black", "seconds": 1.0},
             "narration": "The light went on."}
        ],
        "titles": [{"text": "The Lighthouse", "seconds": 2.0, "before": "a"}],
        "credits": {"seconds": 2.0},
        "quality": "standard", "aspectRatio": "16:9"
    })
}

/// 2 (title) + 4 + 3 - crossfade + 4 - 1 (dip) + 2 (credits).
fn film_seconds(crossfade: f64) -> f64 {
    2.0 + 4.0 + 3.0 - crossfade + 4.0 - 1.0 + 2.0
}

/// The project's film exported through the API at the default preset (YouTube, no package),
/// with no cancel and no progress watched.
async fn export_youtube(
    studio: &Studio,
    project: &Project,
    path: &Path,
    out: &Path,
) -> Result<Exported, ApiError> {
    let (cancel, progress) = (std::future::pending(), |_: &ExportStatus| {});
    let options = ExportOptions::default();
    studio
        .export(project, path, out, options, cancel, progress)
        .await
}

/// One frame at 24 fps, and the encoder's rounding of the audio track's end.
const FRAME_SLACK: f64 = 0.1;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cut_plays_for_its_length_and_a_change_of_the_cut_alone_pays_nothing() {
    let (env, studio) = cached_api("cut").await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("lighthouse.studio.json");
    let project = save_project(&path, &project_json(1.0));

    // Nothing rendered yet: an export is refused, naming what to do.
    let refused = export_youtube(&studio, &project, &path, &dir.path().join("never"))
        .await
        .unwrap_err();
    assert_eq!(refused.code, ErrorCode::NotRendered, "{refused}");

    let (id, result) = render_and_wait(&env, &studio, &project, &path, "first").await;
    let (size, seconds) = size_and_seconds(&file_path(&result.video_url)).await;
    assert_eq!(size, (1280, 720));
    assert!(
        (seconds - film_seconds(1.0)).abs() <= FRAME_SLACK,
        "the cut film plays {seconds} s, the cut says {}",
        film_seconds(1.0)
    );
    assert_history_replays(&env, &id, "cut").await;

    // Each line inside its shot as the cut placed it: a shows 2..6 (after the title), b
    // 5..8 (crossfaded in at 5), c 7..11 (dipped in at 7), the credits 11..13. A line goes
    // in its shot's piece: a from 2 to the middle of the crossfade (5.5), c from the middle
    // of the dip (7.5) to the credits (11).
    let srt = captions(&result);
    let cues = srt_cues(&srt);
    assert_eq!(cues.len(), 2, "{srt}");
    assert!(cues[0].2.contains("She climbed."), "{srt}");
    assert!(cues[0].0 >= 2.0 && cues[0].1 <= 5.5 + 0.01, "{cues:?}");
    assert!(cues[1].2.contains("The light went on."), "{srt}");
    assert!(cues[1].0 >= 7.5 && cues[1].1 <= 11.0 + 0.01, "{cues:?}");

    // The project changes only its cut (a shorter crossfade): the render is out of date for an
    // export, which says so...
    let recut = save_project(&path, &project_json(0.5));
    let refused = export_youtube(&studio, &recut, &path, &dir.path().join("never"))
        .await
        .unwrap_err();
    assert_eq!(refused.code, ErrorCode::RenderOutdated, "{refused}");
    assert!(
        refused.message.contains("the cut")
            && refused
                .message
                .contains("render again; only changed shots are paid for"),
        "{refused}"
    );
    // ...and rendering again makes no clip, speaks no line, pays nothing: the same clips cut
    // anew, to the new length.
    let (id2, r2) = render_and_wait(&env, &studio, &recut, &path, "recut").await;
    let records = activities(&env, &id2).await;
    assert_eq!(
        count(&records, names::GENERATE_VIDEO_SEGMENT),
        0,
        "{records:?}"
    );
    assert_eq!(count(&records, names::GENERATE_CHARACTER_IMAGES), 0);
    assert_eq!(count(&records, names::SPEAK_LINE), 0);
    assert_eq!(count(&records, names::STITCH_VIDEOS), 1);
    assert!(r2.usage.is_empty(), "paid for {:?}", r2.usage);
    assert_eq!(clip_urls(&r2), clip_urls(&result));
    let (_, seconds) = size_and_seconds(&file_path(&r2.video_url)).await;
    assert!(
        (seconds - film_seconds(0.5)).abs() <= FRAME_SLACK,
        "the re-cut film plays {seconds} s, the cut says {}",
        film_seconds(0.5)
    );

    // Now the project's film: exported through the API (YouTube, no package), named after the
    // project file; the export's workflow replays (a fixture of its own).
    let out = dir.path().join("youtube");
    let done = export_youtube(&studio, &recut, &path, &out).await.unwrap();
    assert_eq!(done.job_id, id2);
    assert_eq!(done.files, ["lighthouse-youtube.mp4"]);
    let (size, seconds) = size_and_seconds(Path::new(&done.video)).await;
    assert_eq!(size, (1920, 1080));
    assert!(
        (seconds - film_seconds(0.5)).abs() <= FRAME_SLACK,
        "{seconds}"
    );
    assert_history_replays(&env, &done.id, "export").await;
}

/// `studio export PATH --out OUT --preset PRESET --package` as the creator runs it (bounded):
/// its progress lines go to stderr, the film's path to stdout.
async fn studio_export(env: &Env, path: &Path, out: &Path, preset: &str) -> (bool, String, String) {
    let args: [&OsStr; 7] = [
        "export".as_ref(),
        path.as_ref(),
        "--out".as_ref(),
        out.as_ref(),
        "--preset".as_ref(),
        preset.as_ref(),
        "--package".as_ref(),
    ];
    let ran = env.run_studio(args).await;
    (ran.ok(), ran.stdout, ran.stderr)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn studio_export_delivers_a_shorts_film_and_the_editors_package() {
    let (env, studio) = cached_api("export").await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("lighthouse.studio.json");
    let project = save_project(&path, &project_json(1.0));
    render_and_wait(&env, &studio, &project, &path, "render").await;

    let out = dir.path().join("delivery");
    let (ok, stdout, stderr) = studio_export(&env, &path, &out, "shorts").await;
    assert!(ok, "studio export failed: {stderr}");
    let video = PathBuf::from(stdout.trim());
    assert_eq!(video.parent(), Some(out.as_path()), "{stdout}");
    let (size, seconds) = size_and_seconds(&video).await;
    assert_eq!(size, (1080, 1920));
    assert!(
        (seconds - film_seconds(1.0)).abs() <= FRAME_SLACK,
        "{seconds}"
    );

    // The package: three timelines, every clip and card in media/, captions and stems.
    for name in [
        "timeline.otio",
        "timeline.fcpxml",
        "timeline.edl",
        "media/01-a.mp4",
        "media/02-b.mp4",
        "media/03-c.mp4",
        "media/title-01.mp4",
        "media/credits.mp4",
        "captions.srt",
        "stems/dialogue.wav",
        "stems/narration.wav",
        "stems/music.wav",
        "stems/effects.wav",
    ] {
        let file = out.join(name);
        assert!(
            file.metadata().is_ok_and(|m| m.len() > 0),
            "{name} missing: {:?}",
            files_in(&out)
        );
    }
    // Every media file a timeline names is in the folder.
    let otio = std::fs::read_to_string(out.join("timeline.otio")).unwrap();
    for media in files_in(&out.join("media")) {
        let name = media.file_name().unwrap().to_string_lossy().into_owned();
        assert!(
            otio.contains(&format!("media/{name}")),
            "{name} not in the OTIO"
        );
    }
    let (card, _) = size_and_seconds(&out.join("media/title-01.mp4")).await;
    assert_eq!(card, (1280, 720), "a card is made like the clips");
    // Nothing half-made is left beside the delivery.
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .flatten()
        .filter(|e| {
            e.file_name()
                .to_string_lossy()
                .starts_with(".studio-export")
        })
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");

    // Progress on stderr advanced to the end.
    let percents: Vec<u8> = stderr
        .lines()
        .filter_map(|l| l.trim_start().split_once('%'))
        .filter_map(|(p, _)| p.trim().parse().ok())
        .collect();
    assert!(
        percents.windows(2).all(|w| w[0] <= w[1]) && percents.last() == Some(&100),
        "{stderr}"
    );
    assert!(percents.len() >= 3, "{stderr}");

    // Exported again into the same folder (another preset): files replaced whole, the
    // earlier film kept.
    let (ok, stdout, stderr) = studio_export(&env, &path, &out, "square").await;
    assert!(ok, "{stderr}");
    let (size, _) = size_and_seconds(Path::new(stdout.trim())).await;
    assert_eq!(size, (1080, 1080));
    assert!(video.exists(), "the shorts film is still there");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cancelled_export_kills_ffmpeg_ends_cancelled_and_writes_nothing() {
    let (env, studio) = cached_api("export-cancel").await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("long.studio.json");
    // A longer film at 4K: minutes of encoding, time enough to cancel it mid-way.
    let mut json = project_json(1.0);
    json["scenarios"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .for_each(|s| s["durationSeconds"] = 8.into());
    json["scenarios"][1]["trim"] = serde_json::json!({"in": 0.5, "out": 7.5});
    let project = save_project(&path, &json);
    render_and_wait(&env, &studio, &project, &path, "render").await;

    let out = dir.path().join("never-written");
    let needle = env.data.path().display().to_string();
    let me = std::process::id();
    let (cancel_tx, cancel_rx) = tokio::sync::oneshot::channel::<()>();
    let mut seen: Vec<ExportStatus> = Vec::new();
    let mut cancel_tx = Some(cancel_tx);
    let export = studio.export(
        &project,
        &path,
        &out,
        ExportOptions {
            preset: ExportPreset::Youtube4k,
            package: true,
        },
        async {
            let _ = cancel_rx.await;
        },
        |s| {
            // Cancel once the render has visibly advanced and its ffmpeg runs.
            if s.step == ExportStep::Rendering
                && s.percentage >= 5
                && !ffmpeg_children(&needle, me).is_empty()
            {
                if let Some(tx) = cancel_tx.take() {
                    let _ = tx.send(());
                }
            }
            seen.push(s.clone());
        },
    );
    let err = tokio::time::timeout(RESULT_BOUND, export)
        .await
        .expect("the export ended")
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::JobCancelled, "{err}");
    let id = seen
        .first()
        .map(|s| s.id.clone())
        .expect("progress was pushed");
    assert_history_replays(&env, &id, "export-cancelled").await;
    // Progress advanced before the cancel.
    let rendering: Vec<u8> = seen
        .iter()
        .filter(|s| s.step == ExportStep::Rendering)
        .map(|s| s.percentage)
        .collect();
    assert!(
        rendering.len() >= 2 && rendering.windows(2).all(|w| w[0] < w[1]),
        "{seen:?}"
    );
    assert_eq!(
        env.client.status(&id).await.unwrap(),
        JobStatus::Canceled,
        "the export's workflow"
    );
    wait_for(
        "the export's ffmpeg to be gone",
        Duration::from_secs(20),
        || async { ffmpeg_processes(&needle).is_empty() },
    )
    .await;
    assert!(!out.exists(), "{:?}", files_in(&out));
    let beside: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .flatten()
        .map(|e| e.file_name())
        .collect();
    assert_eq!(beside.len(), 1, "only the project: {beside:?}");
    // No scratch file of the cancelled render stays in the store.
    let scratch = files_in(&env.artifacts().join("tmp"));
    assert!(scratch.is_empty(), "{scratch:?}");
}
