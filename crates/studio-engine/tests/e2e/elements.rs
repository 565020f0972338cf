//! Locations and props: the views of an element that came with no images are generated once
//! (beside the characters), a shot's references are its faces, then its place, then its props,
//! cut to what the model takes, and a re-render reuses the views from the cache.

use studio_core::{AspectRatio, Character, Element, ElementKind, Quality, Scenario, UsageKind};
use studio_engine::names;
use studio_engine::versions::{next_version, VersionChange};
use studio_media::offline::OfflineProvider;
use studio_media::{
    Angle, ArtifactStore, Ffmpeg, ImageRequest, LocalStore, MediaProvider, TaskCtx,
};
use studio_testkit::*;

use crate::{clip_record, sha256_of};

fn element(id: &str, kind: ElementKind, prompt: &str, images: Vec<String>) -> Element<String> {
    Element {
        id: id.into(),
        kind,
        name: id.into(),
        prompt: prompt.into(),
        reference_images: images,
        library_id: None,
    }
}

fn digest(uri: &str) -> String {
    sha256_of(&file_path(uri))
}

/// A PNG's size, from its header.
fn png_size(uri: &str) -> (u32, u32) {
    let bytes = std::fs::read(file_path(uri)).unwrap();
    assert!(bytes.starts_with(b"\x89PNG"), "{uri} is not a PNG");
    let be =
        |at: usize| u32::from_be_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]]);
    (be(16), be(20))
}

/// A scene with a cast of two in a place with a prop, on a model taking 3 references (the
/// offline family, like Veo): the provider gets both faces first, then the place's establishing
/// wide; the prop's image is cut. The place came with no images: its two views are generated
/// once, beside the characters, counted and listed in the result. A scene alone in the place
/// gets the lead's front, the place, then the lead's next angle.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_shot_sends_faces_then_its_place_and_cuts_the_prop_past_the_model_s_limit() {
    let env = Env::new("elements").await;
    // The creator's own picture of the lamp (drawn here by the offline provider).
    let lamp_png = env.data.path().join("lamp.png");
    let lamp_req = ImageRequest {
        name: "lamp".into(),
        prompt: "a brass storm lamp".into(),
        angle: Angle::ProductView,
        aspect_ratio: AspectRatio::Landscape,
        references: vec![],
        model: None,
    };
    OfflineProvider::new(Ffmpeg::from_env())
        .character_image(&lamp_req, &lamp_png, &TaskCtx::detached())
        .await
        .unwrap();
    let store = LocalStore::open(env.artifacts()).unwrap();
    let lamp_uri = store.import(&lamp_png).await.unwrap();

    let mut inp = input(
        vec![
            Scenario {
                cast: vec!["ava".into(), "rex".into()],
                location: Some("harbour".into()),
                props: vec!["lamp".into()],
                ..scenario("ava and rex argue under the lamp", 4)
            },
            Scenario {
                location: Some("harbour".into()),
                ..scenario("ava alone on the quay", 4)
            },
        ],
        Quality::Standard,
    );
    inp.request.character.id = Some("ava".into());
    inp.request.cast = vec![Character {
        id: Some("rex".into()),
        name: "Rex".into(),
        base_prompt: "a retired boxer with a broken nose".into(),
        ..Default::default()
    }];
    inp.request.elements = vec![
        element(
            "harbour",
            ElementKind::Location,
            "a fishing harbour at dawn",
            vec![],
        ),
        element(
            "lamp",
            ElementKind::Prop,
            "a brass storm lamp",
            vec![lamp_uri.clone()],
        ),
    ];
    let id = env.job_id("job");
    env.start(&id, inp).await;
    let result = env.result(&id).await.expect("the job succeeds");
    let records = activities(&env, &id).await;
    assert_eq!(
        count(&records, names::GENERATE_ELEMENT_IMAGES),
        1,
        "the place only"
    );
    assert_eq!(count(&records, names::GENERATE_CHARACTER_IMAGES), 2);

    // The place's two views, real PNGs of the render's size; the lamp had its own image.
    assert_eq!(result.element_images.len(), 1);
    let harbour = &result.element_images[0];
    assert_eq!(harbour.id, "harbour");
    assert_eq!(harbour.images.len(), 2);
    for uri in &harbour.images {
        assert_eq!(png_size(uri), (1280, 720));
    }
    assert_ne!(digest(&harbour.images[0]), digest(&harbour.images[1]));
    let images: u32 = result
        .usage
        .iter()
        .filter(|u| u.kind == UsageKind::Image)
        .map(|u| u.quantity)
        .sum();
    assert_eq!(
        images,
        3 + 3 + 2,
        "two characters' angles and the place's views"
    );

    // What the provider received: faces first, then the place; the prop cut at 3.
    let ava: Vec<String> = result.character_images.iter().map(|u| digest(u)).collect();
    let rex = digest(&result.cast_images[0].front);
    let wide = digest(&harbour.images[0]);
    let clip = |i: usize| result.segments[i].clip_url.clone().unwrap();
    let both = clip_record(&clip(0));
    assert_eq!(
        both["references"],
        serde_json::json!([ava[0], rex, wide]),
        "faces first, then the place; the lamp dropped"
    );
    assert!(!both["references"].to_string().contains(&digest(&lamp_uri)));
    let alone = clip_record(&clip(1));
    assert_eq!(
        alone["references"],
        serde_json::json!([ava[0], wide, ava[1]])
    );

    // A replay fixture of its own (`STUDIO_RECORD_HISTORIES`): the elements' phase.
    let history = record_history(&env, &id, "elements").await;
    assert_replays(&[("elements", history)]).await;

    // A new take of the scene on the quay (the job's next version): the place's views are the
    // job's already, none is made again, and the retake is sent them.
    let previous = env.client.input(&id).await.unwrap();
    let change = VersionChange::Regenerate {
        scenario_id: result.segments[1].id.clone(),
        prompt: Some("ava alone on the quay at dusk".into()),
    };
    env.client
        .start_render(&id, next_version(previous, &result, change).unwrap())
        .await
        .unwrap();
    let v2 = env.result(&id).await.unwrap();
    let records = activities(&env, &id).await;
    assert_eq!(count(&records, names::GENERATE_ELEMENT_IMAGES), 0);
    assert_eq!(count(&records, names::GENERATE_VIDEO_SEGMENT), 1);
    assert_eq!(v2.element_images, result.element_images);
    let retake = clip_record(v2.segments[1].clip_url.as_deref().unwrap());
    assert_eq!(
        retake["references"],
        serde_json::json!([ava[0], wide, ava[1]])
    );
}

/// The place's views are paid for once: a second render of the same project finds them (and
/// the character, and every clip) in the cache and schedules no image activity at all; with the
/// cache off they are made again. A job of the logic before elements (engine 2) makes none and
/// sends its faces alone, as such jobs always did.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_place_s_views_are_made_once_and_reused_from_the_cache() {
    let env = Env::new("elements-cache").await;
    let mut first = input(
        vec![
            Scenario {
                location: Some("harbour".into()),
                ..scenario("she waits on the quay", 4)
            },
            scenario("she takes off", 4),
        ],
        Quality::Standard,
    );
    first.use_cache = true;
    first.request.elements = vec![element(
        "harbour",
        ElementKind::Location,
        "a fishing harbour at dawn",
        vec![],
    )];
    let render = |what: &'static str, inp: studio_engine::RenderInput| {
        let env = &env;
        async move {
            let id = env.job_id(what);
            env.start(&id, inp).await;
            let result = env.result(&id).await.unwrap();
            let records = activities(env, &id).await;
            let counts = (
                count(&records, names::GENERATE_ELEMENT_IMAGES),
                count(&records, names::GENERATE_CHARACTER_IMAGES),
                count(&records, names::GENERATE_VIDEO_SEGMENT),
            );
            (result, counts)
        }
    };
    let (r1, counts) = render("first", first.clone()).await;
    assert_eq!(counts, (1, 1, 2));
    assert_eq!(r1.element_images[0].images.len(), 2);

    let (r2, counts) = render("again", first.clone()).await;
    assert_eq!(counts, (0, 0, 0), "everything from the cache");
    assert_eq!(r2.element_images, r1.element_images);
    assert_eq!(r2.video_url, r1.video_url);
    assert!(
        r2.usage.is_empty(),
        "nothing generated, nothing counted: {:?}",
        r2.usage
    );

    let mut off = first.clone();
    off.use_cache = false;
    let (r3, counts) = render("off", off).await;
    assert_eq!(counts, (1, 1, 2));
    assert_eq!(
        r3.element_images, r1.element_images,
        "the offline provider is deterministic"
    );

    // The logic before elements: no elements' phase, the lead's angles alone.
    let mut old = first;
    old.use_cache = false;
    old.engine = 2;
    let (r4, counts) = render("engine-2", old).await;
    assert_eq!(counts, (0, 1, 2));
    assert!(r4.element_images.is_empty());
    let ava: Vec<String> = r4.character_images.iter().map(|u| digest(u)).collect();
    let record = clip_record(r4.segments[0].clip_url.as_deref().unwrap());
    assert_eq!(record["references"], serde_json::json!(ava));
}
