//! Keys of the artifact cache: a digest of everything that decides what an activity makes, so a
//! render whose inputs match earlier work reuses it instead of paying for it again.
//!
//! Keys are computed on the worker, where the provider and its models are known; workflows
//! only see the hits (through a local activity, recorded in history as a marker).

use serde_json::json;
use sha2::{Digest, Sha256};

use crate::messages::{CharacterInput, ElementInput, SegmentInput};
use crate::sound::MusicInput;

/// Bump to invalidate every key (e.g. when what goes into them changes).
const KEY_VERSION: u32 = 1;

fn digest(value: serde_json::Value) -> String {
    hex::encode(Sha256::digest(value.to_string().as_bytes()))
}

/// The character step: provider and models, name, prompt, reference images (content-addressed
/// URIs, so their bytes count) and aspect ratio.
pub fn character_key(provider: &str, input: &CharacterInput) -> String {
    let mut key = json!({
        "v": KEY_VERSION,
        "kind": "character",
        "provider": provider,
        "name": input.character.name,
        "prompt": input.character.base_prompt,
        "references": input.character.reference_images,
        "aspectRatio": input.aspect_ratio,
    });
    // The model of the job's plan; absent for jobs without one (their old keys stand).
    if let Some(model) = &input.model {
        key["model"] = model.as_str().into();
    }
    digest(key)
}

/// An element's views: provider and image model, its kind, name and prompt, and aspect ratio.
/// Its id is left out (another project's element of the same description is the same
/// picture), as are its (empty) reference images: only an element without any is generated.
pub fn element_key(provider: &str, input: &ElementInput) -> String {
    let mut key = json!({
        "v": KEY_VERSION,
        "kind": "element",
        "provider": provider,
        "elementKind": input.element.kind,
        "name": input.element.name,
        "prompt": input.element.prompt,
        "aspectRatio": input.aspect_ratio,
    });
    if let Some(model) = &input.model {
        key["model"] = model.as_str().into();
    }
    digest(key)
}

/// One clip: provider and models, the character image it animates, the scenario's prompt,
/// negative prompt and duration, aspect ratio and quality. The scenario's id is left out: moving
/// or renaming a scene does not change its clip.
pub fn segment_key(provider: &str, input: &SegmentInput) -> String {
    // An extension is what continued which clip, by how much, how: the scenario's own prompt
    // and settings made that clip and are in its URI already.
    if let Some(x) = &input.extend {
        return digest(json!({
            "v": KEY_VERSION,
            "kind": "extension",
            "provider": provider,
            "model": input.model,
            "clip": x.clip_url,
            "seconds": x.seconds,
            "prompt": x.prompt,
            "aspectRatio": input.aspect_ratio,
        }));
    }
    let mut key = json!({
        "v": KEY_VERSION,
        "kind": "segment",
        "provider": provider,
        "image": input.character_image,
        "prompt": input.scenario.prompt,
        "negativePrompt": input.scenario.negative_prompt,
        "durationSeconds": input.scenario.duration_seconds,
        "aspectRatio": input.aspect_ratio,
        "quality": input.quality,
    });
    // A retake of the same prompt is its own artifact; first takes keep their old keys.
    if input.variant > 0 {
        key["variant"] = input.variant.into();
    }
    // The model of the job's plan, and the angles it may take as references.
    if let Some(model) = &input.model {
        key["model"] = model.as_str().into();
    }
    if !input.references.is_empty() {
        key["references"] = json!(input.references);
    }
    // A continuing scene starts from that clip's last frame: another clip, another frame.
    if let Some(from) = &input.first_frame_from {
        key["firstFrameFrom"] = from.as_str().into();
    }
    // A clip that ends on a chosen frame: the image, or the next clip whose first frame it is.
    if let Some(end) = &input.last_frame {
        key["lastFrame"] = end.as_str().into();
    }
    if let Some(next) = &input.last_frame_from {
        key["lastFrameFrom"] = next.as_str().into();
    }
    digest(key)
}

/// A spoken line: provider and speech model, voice, style and words. Its place in the film and
/// its speaker's id are left out: the same words in the same voice are the same audio.
pub fn speech_key(provider: &str, model: Option<&str>, line: &studio_core::SpokenLine) -> String {
    digest(json!({
        "v": KEY_VERSION,
        "kind": "speech",
        "provider": provider,
        "model": model,
        "voice": line.voice,
        "style": line.style,
        "text": line.text,
    }))
}

/// A music cue: provider and music model, prompt and length.
pub fn music_key(provider: &str, model: Option<&str>, input: &MusicInput) -> String {
    digest(json!({
        "v": KEY_VERSION,
        "kind": "music",
        "provider": provider,
        "model": model,
        "prompt": input.prompt,
        // Whole milliseconds: a float's last digit must not make another cue.
        "ms": (input.seconds * 1000.0).round() as u64,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use studio_core::{AspectRatio, Character, Quality, Scenario};

    fn segment(prompt: &str) -> SegmentInput {
        SegmentInput {
            scenario: Scenario::new(prompt),
            character_image: "file:///a/objects/ab/abc.png".into(),
            aspect_ratio: AspectRatio::Landscape,
            quality: Quality::Standard,
            resume: None,
            variant: 0,
            model: None,
            references: vec![],
            first_frame_from: None,
            recall: false,
            last_frame: None,
            last_frame_from: None,
            extend: None,
        }
    }

    #[test]
    fn element_keys_follow_kind_name_prompt_and_model_not_id() {
        use studio_core::{Element, ElementKind};
        let place = ElementInput {
            element: Element {
                id: "harbour".into(),
                kind: ElementKind::Location,
                name: "The harbour".into(),
                prompt: "a fishing harbour at dawn".into(),
                reference_images: vec![],
                library_id: None,
            },
            aspect_ratio: AspectRatio::Landscape,
            model: Some("image-model".into()),
            recall: false,
        };
        let key = element_key("offline:v3", &place);
        let mut other_id = place.clone();
        other_id.element.id = "dock".into();
        other_id.recall = true;
        assert_eq!(key, element_key("offline:v3", &other_id));
        let mut prop = place.clone();
        prop.element.kind = ElementKind::Prop;
        let mut reworded = place.clone();
        reworded.element.prompt = "a fishing harbour at dusk".into();
        let mut remodelled = place.clone();
        remodelled.model = None;
        for changed in [prop, reworded, remodelled] {
            assert_ne!(key, element_key("offline:v3", &changed), "{changed:?}");
        }
        let as_character = CharacterInput {
            character: Character {
                name: "The harbour".into(),
                base_prompt: "a fishing harbour at dawn".into(),
                ..Default::default()
            },
            aspect_ratio: AspectRatio::Landscape,
            model: Some("image-model".into()),
            recall: false,
        };
        assert_ne!(key, character_key("offline:v3", &as_character));
    }

    #[test]
    fn keys_follow_what_shapes_the_output_and_nothing_else() {
        let a = segment_key("offline:v1", &segment("runs"));
        assert_eq!(a.len(), 64);
        assert_eq!(a, segment_key("offline:v1", &segment("runs")));
        let mut moved = segment("runs");
        moved.scenario.id = Some("renamed".into());
        assert_eq!(a, segment_key("offline:v1", &moved), "ids do not matter");
        assert_ne!(a, segment_key("offline:v1", &segment("walks")));
        assert_ne!(a, segment_key("gemini:m1:m2", &segment("runs")));
        let mut hq = segment("runs");
        hq.quality = Quality::High;
        assert_ne!(a, segment_key("offline:v1", &hq));
        let mut continued = segment("runs");
        continued.first_frame_from = Some("file:///a/objects/cd/cde.mp4".into());
        assert_ne!(
            a,
            segment_key("offline:v1", &continued),
            "another first frame, another clip"
        );
        let mut recalled = segment("runs");
        recalled.recall = true;
        assert_eq!(
            a,
            segment_key("offline:v1", &recalled),
            "recall is how, not what"
        );
        let mut retake = segment("runs");
        retake.variant = 1;
        assert_ne!(
            a,
            segment_key("offline:v1", &retake),
            "a retake is its own clip"
        );
        // An end frame is part of the clip; each kind of it its own.
        let mut ends = segment("runs");
        ends.last_frame = Some("file:///a/objects/ef/end.png".into());
        let mut joins = segment("runs");
        joins.last_frame_from = Some("file:///a/objects/ef/end.png".into());
        let (ends, joins) = (
            segment_key("offline:v1", &ends),
            segment_key("offline:v1", &joins),
        );
        assert!(a != ends && a != joins && ends != joins);
        // An extension is keyed by the clip it continues, the seconds and its prompt only.
        let extension = |clip: &str, seconds: u32, prompt: &str| {
            let mut x = segment("runs");
            x.extend = Some(crate::messages::ExtendTake {
                clip_url: clip.into(),
                seconds,
                prompt: prompt.into(),
            });
            x
        };
        let e = segment_key("offline:v1", &extension("file:///c1.mp4", 7, "on"));
        let mut elsewhere = extension("file:///c1.mp4", 7, "on");
        elsewhere.scenario.prompt = "another scene's words".into();
        elsewhere.variant = 3;
        assert_eq!(e, segment_key("offline:v1", &elsewhere));
        for other in [
            extension("file:///c2.mp4", 7, "on"),
            extension("file:///c1.mp4", 8, "on"),
            extension("file:///c1.mp4", 7, "off"),
        ] {
            assert_ne!(e, segment_key("offline:v1", &other), "{other:?}");
        }
        assert_ne!(e, a);

        let c = CharacterInput {
            character: Character {
                name: "Ava".into(),
                base_prompt: "a pilot".into(),
                ..Default::default()
            },
            aspect_ratio: AspectRatio::Landscape,
            model: None,
            recall: false,
        };
        let mut portrait = c.clone();
        portrait.aspect_ratio = AspectRatio::Portrait;
        assert_ne!(
            character_key("offline:v1", &c),
            character_key("offline:v1", &portrait)
        );
        let mut planned = c.clone();
        planned.model = Some("image-model".into());
        assert_ne!(
            character_key("offline:v1", &c),
            character_key("offline:v1", &planned),
            "another model makes another character"
        );
    }
}
