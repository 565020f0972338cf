//! A project's sound: voices, narration, music and mix read, validated, written, and turned
//! into a render's sound plan and its clips' prompts.

use super::*;
use crate::sound::{LineKind, MusicCue, SpokenLine, Track, NARRATOR_VOICE};

fn load(v: &serde_json::Value, dir: &Path) -> Result<Project, ProjectError> {
    Project::from_json(&v.to_string(), dir)
}

/// Three scenes: `a` (the project's voice-over mode overridden to native, Mara and Rex
/// speak), `b` (voice-over: narration, then Ivy), `c` (silent); a narrator, music from `b` on.
fn sound_json() -> serde_json::Value {
    serde_json::json!({
        "version": 1,
        "character": {"id": "mara", "name": "Mara", "basePrompt": "a keeper", "referenceImages": [],
                      "voice": {"description": "a low, husky voice.", "speech": "Kore"}},
        "cast": [
            {"id": "rex", "name": "Rex", "basePrompt": "a boxer", "referenceImages": []},
            {"id": "ivy", "name": "Ivy", "basePrompt": "a pilot", "referenceImages": [],
             "voice": {"description": "bright, quick, Irish"}}
        ],
        "scenarios": [
            {"id": "a", "prompt": "Mara opens the door", "durationSeconds": 8,
             "dialogueMode": "native",
             "dialogue": [{"speaker": "mara", "line": "\"Who is there?\""},
                          {"speaker": "rex", "line": " Only me. "}]},
            {"id": "b", "prompt": "Ivy lands the plane", "durationSeconds": 6,
             "narration": " That winter, the planes came back. ",
             "dialogue": [{"speaker": "ivy", "line": "Home."}]},
            {"id": "c", "prompt": "The sea at night", "durationSeconds": 4}
        ],
        "quality": "standard",
        "aspectRatio": "16:9",
        "dialogueMode": "voiceOver",
        "narrator": {"description": "an old man, warm"},
        "music": {"prompt": "slow ambient piano", "from": "b", "fadeSeconds": 1.5},
        "mix": {"music": {"volumeDb": -6.0}, "burnCaptions": true}
    })
}

fn request_of(p: &Project) -> crate::VideoRequest {
    p.to_request(
        |_, c| c.for_render(vec![]),
        |_, e| e.for_render(vec![]),
        |path| format!("file:///store/{}", path.display()),
        |_, p| p.to_owned(),
    )
}

/// Every sound field reads, writes back to the same JSON, and loads again the same; a
/// project that sets none writes none of them.
#[test]
fn a_projects_sound_round_trips_and_only_what_is_set_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let p = load(&sound_json(), dir.path()).unwrap();
    assert_eq!(p.dialogue_mode, DialogueMode::VoiceOver);
    assert_eq!(p.scenarios[0].dialogue_mode, Some(DialogueMode::Native));
    assert_eq!(p.scenarios[1].dialogue_mode, None);
    assert_eq!(
        p.character.voice.as_ref().unwrap().speech.as_deref(),
        Some("Kore")
    );
    let music = p.music.as_ref().unwrap();
    assert!(music.looped, "loop is on unless written off");
    assert_eq!(music.fade_seconds, 1.5);
    assert_eq!(p.mix.music.volume_db, -6.0);
    let path = dir.path().join("p.studio.json");
    p.save(&path).unwrap();
    let written: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    assert_eq!(written, sound_json(), "written as read, defaults left out");
    assert_eq!(Project::load(&path).unwrap(), p);
    let sent = serde_json::to_string(&p).unwrap();
    assert_eq!(serde_json::from_str::<Project>(&sent).unwrap(), p);

    let mut silent = sound_json();
    for key in ["dialogueMode", "narrator", "music", "mix"] {
        silent.as_object_mut().unwrap().remove(key);
    }
    silent["character"].as_object_mut().unwrap().remove("voice");
    silent["cast"][1].as_object_mut().unwrap().remove("voice");
    for s in silent["scenarios"].as_array_mut().unwrap() {
        s.as_object_mut().unwrap().remove("narration");
        s.as_object_mut().unwrap().remove("dialogueMode");
    }
    let p = load(&silent, dir.path()).unwrap();
    assert_eq!(p.mix, Mix::default());
    assert_eq!(serde_json::to_value(&p).unwrap(), silent);
}

/// Each mistake in the sound is refused with the JSON path of its field, on load and in the
/// window's check alike.
#[test]
fn each_sound_mistake_is_named_by_its_path() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("song.mp3"), b"ID3").unwrap();
    let fields_of = |v: &serde_json::Value| -> Vec<String> {
        let err = load(v, dir.path()).unwrap_err();
        err.problems()
            .iter()
            .map(|p| p.field().to_owned())
            .collect()
    };
    let mut v = sound_json();
    v["music"] = serde_json::json!({"prompt": "piano", "file": "song.mp3"});
    assert_eq!(fields_of(&v), ["music"], "both a prompt and a file");
    v["music"] = serde_json::json!({"file": "../elsewhere.mp3"});
    assert_eq!(
        fields_of(&v),
        ["music.file"],
        "outside the project's folder"
    );
    v["music"] = serde_json::json!({"from": "a"});
    assert_eq!(fields_of(&v), ["music"], "neither a prompt nor a file");
    v["music"] = serde_json::json!({"prompt": "  "});
    assert_eq!(fields_of(&v), ["music.prompt"]);
    v["music"] = serde_json::json!({"prompt": "piano", "from": "nowhere"});
    assert_eq!(fields_of(&v), ["music.from"]);
    v["music"] = serde_json::json!({"prompt": "piano", "from": "c", "to": "a"});
    assert_eq!(fields_of(&v), ["music.to"], "to before from");
    v["music"] = serde_json::json!({"prompt": "piano", "fadeSeconds": -1});
    assert_eq!(fields_of(&v), ["music.fadeSeconds"]);
    v["music"] = serde_json::json!({"prompt": "piano", "fadeSeconds": 30.5});
    assert_eq!(fields_of(&v), ["music.fadeSeconds"]);

    let mut v = sound_json();
    v["mix"] = serde_json::json!({"music": {"volumeDb": 12.5}, "dialogue": {"volumeDb": -61},
                                  "clips": {"volumeDb": 1e300}, "narration": {"volumeDb": 12}});
    assert_eq!(
        fields_of(&v),
        [
            "mix.clips.volumeDb",
            "mix.dialogue.volumeDb",
            "mix.music.volumeDb"
        ],
        "out of range, and not finite (1e300 is infinite as an f32); 12 dB is allowed"
    );

    let mut v = sound_json();
    v["scenarios"][1]["narration"] = " \n ".into();
    v["narrator"]["speech"] = "".into();
    v["cast"][1]["voice"]["speech"] = " ".into();
    v["scenarios"][2]["dialogueMode"] = "loud".into();
    v["dialogueMode"] = "mumbled".into();
    let mut fields = fields_of(&v);
    fields.sort();
    assert_eq!(
        fields,
        [
            "cast[1].voice.speech",
            "dialogueMode",
            "narrator.speech",
            "scenarios[1].narration",
            "scenarios[2].dialogueMode",
        ]
    );

    // The window checks a project it holds through the same rules.
    let mut p = load(&sound_json(), dir.path()).unwrap();
    p.mix.dialogue = Track {
        volume_db: 20.0,
        mute: false,
    };
    p.music.as_mut().unwrap().to = Some("a".into());
    let fields: Vec<String> = (p.problems(dir.path()).iter())
        .map(|p| p.field().to_owned())
        .collect();
    assert_eq!(fields, ["music.to", "mix.dialogue.volumeDb"]);
}

/// The request's sound plan: every line in scene order (a scene's narration, then its
/// dialogue), each with its voice (chosen, or the default by place; the narrator's), its style
/// and whether the clip speaks it; the music's span as scene indices; the mix as set.
#[test]
fn the_request_carries_every_line_in_order_with_its_voice() {
    let dir = tempfile::tempdir().unwrap();
    let p = load(&sound_json(), dir.path()).unwrap();
    let sound = request_of(&p)
        .sound
        .expect("a project with lines has a sound plan");
    let line = |scene,
                kind,
                speaker: Option<&str>,
                voice: &str,
                style: Option<&str>,
                text: &str,
                native| {
        SpokenLine {
            scene,
            kind,
            speaker: speaker.map(str::to_owned),
            voice: voice.to_owned(),
            style: style.map(str::to_owned),
            text: text.to_owned(),
            native,
        }
    };
    assert_eq!(
        sound.lines,
        [
            line(
                0,
                LineKind::Dialogue,
                Some("mara"),
                "Kore",
                Some("a low, husky voice."),
                "\"Who is there?\"",
                true
            ),
            // Rex (the cast's first, place 1) has no voice: the second prebuilt one.
            line(
                0,
                LineKind::Dialogue,
                Some("rex"),
                crate::PREBUILT_VOICES[1],
                None,
                "Only me.",
                true
            ),
            line(
                1,
                LineKind::Narration,
                None,
                NARRATOR_VOICE,
                Some("an old man, warm"),
                "That winter, the planes came back.",
                false
            ),
            // Ivy (place 2) has a description but no speech voice.
            line(
                1,
                LineKind::Dialogue,
                Some("ivy"),
                crate::PREBUILT_VOICES[2],
                Some("bright, quick, Irish"),
                "Home.",
                false
            ),
        ]
    );
    assert_eq!(
        sound.music,
        Some(MusicCue {
            prompt: Some("slow ambient piano".into()),
            file: None,
            from: 1,
            to: 2,
            looped: true,
            fade_seconds: 1.5,
        })
    );
    assert_eq!(sound.mix, p.mix);
    // The plan travels in the request and reads back the same.
    let wire = serde_json::to_string(&request_of(&p)).unwrap();
    let back: crate::VideoRequest = serde_json::from_str(&wire).unwrap();
    assert_eq!(back.sound, Some(sound));
    assert!(
        wire.contains(r#""lines":[{"scene":0,"kind":"dialogue","speaker":"mara","voice":"Kore""#),
        "{wire}"
    );
}

/// A music file goes to the render as the artifact URI the caller made of it, over the whole
/// film when no span is given; music alone makes a sound plan with no lines.
#[test]
fn a_music_file_is_sent_as_its_artifact_over_the_whole_film() {
    let dir = tempfile::tempdir().unwrap();
    let mut v = sound_json();
    v["music"] = serde_json::json!({"file": "theme.wav", "loop": false});
    let err = load(&v, dir.path()).unwrap_err();
    assert_eq!(err.problems().len(), 1, "{err}");
    assert_eq!(
        err.problems()[0].field(),
        "music.file",
        "a missing file is named"
    );
    std::fs::write(dir.path().join("theme.wav"), b"RIFF").unwrap();
    let p = load(&v, dir.path()).unwrap();
    let cue = request_of(&p).sound.unwrap().music.unwrap();
    assert_eq!(cue.file.as_deref(), Some("file:///store/theme.wav"));
    assert_eq!(
        (cue.prompt, cue.from, cue.to, cue.looped),
        (None, 0, 2, false)
    );

    let mut v = serde_json::json!({
        "version": 1,
        "character": {"name": "Ava", "basePrompt": "a pilot", "referenceImages": []},
        "scenarios": [{"prompt": "flies"}],
        "quality": "high",
        "aspectRatio": "16:9",
        "music": {"prompt": "drums"}
    });
    let p = load(&v, dir.path()).unwrap();
    let sound = request_of(&p).sound.unwrap();
    assert!(sound.lines.is_empty());
    let cue = sound.music.unwrap();
    assert_eq!((cue.from, cue.to), (0, 0));
    v.as_object_mut().unwrap().remove("music");
    let p = load(&v, dir.path()).unwrap();
    assert_eq!(
        request_of(&p).sound,
        None,
        "nothing spoken, no music: no plan"
    );
}

/// A native scene's speech names each speaker's voice; a voice-over scene's prompt has no
/// speech and asks for none (its words are laid over the clip).
#[test]
fn the_clip_prompt_speaks_natively_or_asks_for_silence() {
    let dir = tempfile::tempdir().unwrap();
    let p = load(&sound_json(), dir.path()).unwrap();
    assert_eq!(
        p.video_prompt(&p.scenarios[0]),
        "Mara opens the door. Mara (a low, husky voice) says: Who is there? Rex says: Only me."
    );
    assert_eq!(
        p.video_prompt(&p.scenarios[1]),
        "Ivy lands the plane. No one speaks; no dialogue."
    );
    assert_eq!(
        p.video_prompt(&p.scenarios[2]),
        "The sea at night. No one speaks; no dialogue.",
        "a voice-over project's silent scene asks for no speech either"
    );
    let request = request_of(&p);
    assert_eq!(request.scenarios[1].prompt, p.video_prompt(&p.scenarios[1]));
    assert!(
        !request.scenarios[1].prompt.contains("Home"),
        "a voice-over line is not in the clip's prompt"
    );
    assert!(
        !request.scenarios[1].prompt.contains("winter"),
        "nor is narration"
    );
}

/// The preflight flags a scene whose words take longer to say at 2.5 words a second than it
/// lasts, with the fix: split a shot of several lines, shorten a single one.
#[test]
fn lines_that_do_not_fit_their_shot_are_flagged_with_the_fix() {
    let dir = tempfile::tempdir().unwrap();
    let mut v = sound_json();
    // Ten words in 4 s fit exactly; eleven do not.
    v["scenarios"][2]["dialogue"] = serde_json::json!([{"speaker": "rex", "line": "one two three four five six seven eight nine ten"}]);
    assert_eq!(load(&v, dir.path()).unwrap().lines_too_long(), []);
    v["scenarios"][2]["dialogue"][0]["line"] =
        "one two three four five six seven eight nine ten eleven".into();
    // Scene b (6 s): narration of 6 words and a line of 10 = 16 words, 6.4 s.
    v["scenarios"][1]["dialogue"][0]["line"] =
        "one two three four five six seven eight nine ten".into();
    let timings = load(&v, dir.path()).unwrap().lines_too_long();
    assert_eq!(
        timings,
        [
            LineTiming {
                scene: "b".into(),
                needed_seconds: 6.4,
                available_seconds: 6,
                fix: "split the shot".into(),
            },
            LineTiming {
                scene: "c".into(),
                needed_seconds: 4.4,
                available_seconds: 4,
                fix: "shorten the line".into(),
            },
        ]
    );
}
