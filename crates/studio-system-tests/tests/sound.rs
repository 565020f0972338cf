//! The film's sound through the studio's API, offline: a project with voice-over and native
//! dialogue, narration and music renders to one MP4 whose single AAC track is at -14 LUFS with
//! its true peak under -1 dBTP, whose SRT holds every line in order inside its shot, whose music
//! stem is ducked under speech; and changing one line re-voices that line only. Real dev
//! server, real worker, real espeak-ng and ffmpeg, real files; loudness measured by ffmpeg's
//! own `ebur128`, not by the code under test.

use std::path::Path;
use std::process::Command;

use studio_engine::names;
use studio_system_tests::{cached_api, render_and_wait, save_project};
use studio_testkit::*;

fn project_json(tom_says: &str) -> serde_json::Value {
    serde_json::json!({
        "version": 1,
        "character": {"id": "mara", "name": "Mara", "basePrompt": "a lighthouse keeper",
                      "voice": {"description": "warm, low, Scottish", "speech": "Kore"}},
        "cast": [{"id": "tom", "name": "Tom", "basePrompt": "a young fisherman",
                  "voice": {"description": "young, quick", "speech": "Puck"}}],
        "dialogueMode": "voiceOver",
        "narrator": {"description": "a calm storyteller", "speech": "Charon"},
        "music": {"prompt": "gentle piano and strings", "fadeSeconds": 0.5},
        "scenarios": [
            {"id": "a", "prompt": "Mara climbs the tower stairs", "durationSeconds": 4,
             "narration": "Every night she climbed the tower."},
            {"id": "b", "prompt": "Tom knocks at the door", "durationSeconds": 4,
             "cast": ["tom"], "dialogue": [{"speaker": "tom", "line": tom_says}]},
            {"id": "c", "prompt": "Mara at the lamp", "durationSeconds": 4,
             "dialogueMode": "native",
             "dialogue": [{"speaker": "mara", "line": "Then we keep the light on."}]}
        ],
        "quality": "standard", "aspectRatio": "16:9"
    })
}

/// `ebur128`'s summary of `path`: integrated loudness (LUFS) and true peak (dBTP).
fn ebur128(path: &Path) -> (f64, f64) {
    let out = Command::new("ffmpeg")
        .args(["-hide_banner", "-nostats", "-i"])
        .arg(path)
        .args(["-map", "0:a", "-af", "ebur128=peak=true", "-f", "null", "-"])
        .output()
        .unwrap();
    let log = String::from_utf8_lossy(&out.stderr);
    let summary = log.rsplit("Summary:").next().unwrap();
    let value = |label: &str| -> f64 {
        let line = summary
            .lines()
            .find(|l| l.trim_start().starts_with(label))
            .unwrap_or_else(|| panic!("no {label} in {summary}"));
        line.split_whitespace().nth(1).unwrap().parse().unwrap()
    };
    (value("I:"), value("Peak:"))
}

/// The streams of `path` as ffprobe names their codecs, by type.
fn streams(path: &Path) -> Vec<(String, String)> {
    let out = Command::new("ffprobe")
        .args([
            "-v",
            "error",
            "-show_entries",
            "stream=codec_type,codec_name",
            "-of",
            "json",
        ])
        .arg(path)
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    v["streams"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["codec_type"].as_str().unwrap().to_owned(),
                s["codec_name"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

/// The RMS level (dBFS) of `path` between `from` and `to` seconds.
fn rms_db(path: &Path, from: f64, to: f64) -> f64 {
    let out = Command::new("ffmpeg")
        .args(["-hide_banner", "-nostats", "-i"])
        .arg(path)
        .args([
            "-af",
            &format!("atrim={from}:{to},astats=measure_overall=RMS_level:measure_perchannel=none"),
            "-f",
            "null",
            "-",
        ])
        .output()
        .unwrap();
    let log = String::from_utf8_lossy(&out.stderr);
    let line = log
        .lines()
        .rev()
        .find(|l| l.contains("RMS level dB"))
        .unwrap_or_else(|| panic!("no RMS in {log}"));
    line.rsplit(':').next().unwrap().trim().parse().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_film_speaks_its_lines_over_music_at_broadcast_loudness_and_revoices_one_line() {
    let (env, studio) = cached_api("sound-api").await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("lighthouse.studio.json");
    let project = save_project(&path, &project_json("The boats are late tonight."));

    let (id, result) = render_and_wait(&env, &studio, &project, &path, "first").await;
    let records = activities(&env, &id).await;
    // The narration and Tom's voice-over line; Mara's native line is spoken in its clip.
    assert_eq!(count(&records, names::SPEAK_LINE), 2);
    assert_eq!(count(&records, names::MAKE_MUSIC), 1);
    assert_eq!(count(&records, names::MIX_SOUND), 1);
    assert_history_replays(&env, &id, "sound").await;

    // One AAC track at -14 LUFS (+-1), true peak at most -1 dBTP; subtitles ride along.
    let film = file_path(&result.video_url);
    let kinds = streams(&film);
    let audio: Vec<_> = kinds.iter().filter(|(t, _)| t == "audio").collect();
    assert_eq!(audio.len(), 1, "{kinds:?}");
    assert_eq!(audio[0].1, "aac");
    assert!(
        kinds
            .iter()
            .any(|(t, c)| t == "subtitle" && c == "mov_text"),
        "{kinds:?}"
    );
    let (lufs, peak) = ebur128(&film);
    assert!((lufs + 14.0).abs() <= 1.0, "integrated {lufs} LUFS");
    assert!(peak <= -1.0 + 0.05, "true peak {peak} dBTP");

    // Every line in order, each inside its shot's time (shots of 4 s: a, b, c).
    let srt = captions(&result);
    let cues = srt_cues(&srt);
    assert_eq!(cues.len(), 3, "{srt}");
    assert!(
        cues[0].2.contains("Every night she climbed the tower."),
        "{srt}"
    );
    assert!(cues[1].2.contains("Tom") && cues[1].2.contains("The boats are late tonight."));
    assert!(cues[2].2.contains("Mara") && cues[2].2.contains("Then we keep the light on."));
    for (i, (start, end, text)) in cues.iter().enumerate() {
        let shot = (4.0 * i as f64, 4.0 * (i + 1) as f64);
        assert!(
            *start >= shot.0 - 0.01 && *end <= shot.1 + 0.01 && start < end,
            "{text:?} at {start}..{end} is outside its shot {shot:?}"
        );
    }
    let vtt =
        std::fs::read_to_string(file_path(result.captions_vtt_url.as_deref().unwrap())).unwrap();
    assert!(vtt.starts_with("WEBVTT"), "{vtt}");

    // The music is ducked under Tom's line: its stem is quieter there than in the native shot,
    // where no voice-over plays.
    let stems = result.stems.as_ref().unwrap();
    let music = file_path(&stems.music);
    let under_speech = rms_db(&music, cues[1].0 + 0.2, cues[1].1 - 0.2);
    let alone = rms_db(&music, 8.5, 10.5);
    assert!(
        alone - under_speech >= 6.0,
        "music {under_speech} dB under speech, {alone} dB alone"
    );

    // Tom says something else: only his line is spoken again; the clips, the narration and
    // the music come from the cache, and the picture is the same.
    let changed = save_project(&path, &project_json("The boats came home early."));
    let (id2, r2) = render_and_wait(&env, &studio, &changed, &path, "second").await;
    let records = activities(&env, &id2).await;
    assert_eq!(count(&records, names::SPEAK_LINE), 1);
    assert_eq!(count(&records, names::MAKE_MUSIC), 0);
    assert_eq!(count(&records, names::MIX_SOUND), 1);
    // The clips are the first job's (a cast member's clip looks itself up when it runs), and
    // nothing but Tom's line was paid for.
    assert_eq!(clip_urls(&r2), clip_urls(&result));
    let kinds: Vec<_> = r2.usage.iter().map(|u| u.kind).collect();
    assert!(
        kinds.iter().all(|k| matches!(
            k,
            studio_core::UsageKind::SpeechInputToken | studio_core::UsageKind::SpeechOutputToken
        )),
        "{:?}",
        r2.usage
    );
    let srt2 = captions(&r2);
    assert!(srt2.contains("The boats came home early."), "{srt2}");
}
