//! The JSON of a render's input and of a project, byte for byte as earlier releases wrote it:
//! recorded workflow histories, seed clients and project files depend on it.

use studio_core::{AspectRatio, Character, ClipSeconds, Project, Quality, Scenario, VideoRequest};

/// A request with every optional part used once and left out once.
fn request() -> VideoRequest {
    VideoRequest {
        character: Character {
            base_prompt: "a pilot".into(),
            ..Default::default()
        },
        cast: vec![Character {
            id: Some("rex".into()),
            name: "Rex".into(),
            base_prompt: "a boxer".into(),
            reference_images: vec!["file:///a/objects/ab/abc.png".into()],
            library_id: None,
            voice: None,
        }],
        scenarios: vec![
            Scenario::new("takes off"),
            Scenario {
                id: Some("b".into()),
                negative_prompt: Some("rain".into()),
                duration_seconds: ClipSeconds::try_from(4).unwrap(),
                cast: vec!["rex".into()],
                continue_from_previous: true,
                ..Scenario::new("lands")
            },
        ],
        quality: Quality::High,
        aspect_ratio: AspectRatio::Portrait,
        elements: Vec::new(),
        sound: None,
        cut: None,
    }
}

const REQUEST: &str = r#"{"character":{"basePrompt":"a pilot"},"cast":[{"id":"rex","name":"Rex","basePrompt":"a boxer","referenceImages":["file:///a/objects/ab/abc.png"]}],"scenarios":[{"prompt":"takes off","durationSeconds":8},{"id":"b","prompt":"lands","negativePrompt":"rain","durationSeconds":4,"cast":["rex"],"continueFromPrevious":true}],"quality":"high","aspectRatio":"9:16"}"#;

#[test]
fn a_render_input_is_written_as_before() {
    assert_eq!(serde_json::to_string(&request()).unwrap(), REQUEST);
}

#[test]
fn a_render_input_of_earlier_releases_reads_back_the_same() {
    let read: VideoRequest = serde_json::from_str(REQUEST).unwrap();
    assert_eq!(read, request());
    // The seed design's clients send the least: no ids, names, references, durations.
    let seed: VideoRequest = serde_json::from_str(
        r#"{"character":{"basePrompt":"a knight"},"scenarios":[{"prompt":"rides"}]}"#,
    )
    .unwrap();
    assert_eq!(seed.character.name, "");
    assert!(seed.character.reference_images.is_empty());
    assert_eq!(seed.scenarios[0].id, None);
    assert_eq!(seed.scenarios[0].duration_seconds.get(), 8);
}

const PROJECT: &str = r#"{
  "version": 1,
  "character": {
    "id": "ava",
    "name": "",
    "basePrompt": "a pilot",
    "referenceImages": []
  },
  "cast": [
    {
      "id": "rex",
      "name": "Rex",
      "basePrompt": "a boxer",
      "referenceImages": [
        "rex.png"
      ],
      "libraryId": "lib-1"
    }
  ],
  "scenarios": [
    {
      "id": "scene-1",
      "prompt": "takes off",
      "durationSeconds": 8
    },
    {
      "id": "b",
      "prompt": "lands",
      "negativePrompt": "rain",
      "durationSeconds": 4,
      "cast": [
        "rex"
      ],
      "continueFromPrevious": true
    }
  ],
  "quality": "high",
  "aspectRatio": "9:16",
  "budget": 2.5
}
"#;

#[test]
fn a_project_file_reads_and_writes_as_before() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("rex.png"), b"\x89PNG\r\n\x1a\n\0\0\0\0").unwrap();
    let path = dir.path().join("p.studio.json");
    std::fs::write(&path, PROJECT).unwrap();
    let project = Project::load(&path).unwrap();
    let again = dir.path().join("again.studio.json");
    project.save(&again).unwrap();
    assert_eq!(std::fs::read_to_string(&again).unwrap(), PROJECT);
    // The window gets the same shape (compact), and sends it back.
    let sent = serde_json::to_string(&project).unwrap();
    let compact: String = PROJECT.lines().map(str::trim).collect();
    assert_eq!(sent, compact.replace("\": ", "\":"));
    assert_eq!(serde_json::from_str::<Project>(&sent).unwrap(), project);
}

/// The request of that project (no dialogue, narration or music: no sound plan), as it was
/// sent before sound existed: a render of an earlier project finds its recorded inputs and
/// cached work unchanged.
#[test]
fn an_earlier_projects_request_is_the_same_bytes() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("rex.png"), b"\x89PNG\r\n\x1a\n\0\0\0\0").unwrap();
    let project = Project::from_json(PROJECT, dir.path()).unwrap();
    let request = project.to_request(
        |_, c| c.for_render(vec![]),
        |_, e| e.for_render(vec![]),
        |_| unreachable!("no music file"),
        |_, _| unreachable!("no end frame image"),
    );
    assert_eq!(
        serde_json::to_string(&request).unwrap(),
        r#"{"character":{"id":"ava","basePrompt":"a pilot"},"cast":[{"id":"rex","name":"Rex","basePrompt":"a boxer"}],"scenarios":[{"id":"scene-1","prompt":"takes off","durationSeconds":8},{"id":"b","prompt":"lands","negativePrompt":"rain","durationSeconds":4,"cast":["rex"],"continueFromPrevious":true}],"quality":"high","aspectRatio":"9:16"}"#
    );
}

/// A result of an earlier release (no captions, stems) reads and writes as it was.
#[test]
fn a_result_of_earlier_releases_reads_and_writes_the_same() {
    let old = r#"{"videoUrl":"file:///v.mp4","characterImages":["file:///a.png"],"usage":[{"model":"veo","kind":"videoSecond","quantity":8,"resolution":"720p"}]}"#;
    let result: studio_core::VideoResult = serde_json::from_str(old).unwrap();
    assert_eq!(result.captions_url, None);
    assert_eq!(result.stems, None);
    assert_eq!(serde_json::to_string(&result).unwrap(), old);
}
