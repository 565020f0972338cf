//! The model table's reading, rules and prices.
use super::*;

#[test]
fn the_builtin_table_parses_and_is_consistent() {
    let c = Catalog::builtin();
    assert!(c.families.len() >= 8);
    // Every retired entry is found by its own id (the ids are the table's, not the code's).
    assert!(!c.retired.is_empty());
    assert!(c.retired.iter().all(|r| c.retired(&r.id).is_some()));
    assert!(c.retired("no-such-model").is_none());
}

#[test]
fn globs() {
    assert!(glob("clip-*", "clip-2.0-generate-001"));
    assert!(glob("clip-*-fast-*", "clip-2.0-fast-generate-001"));
    assert!(!glob("clip-*-fast-*", "clip-2.0-generate-001"));
    assert!(glob("pic-*-flash-image*", "pic-2.0-flash-image"));
    assert!(glob("pic-*-flash-image*", "pic-2.0-flash-image-preview"));
    assert!(!glob("pic-*-flash-image*", "pic-2.0-flash-lite"));
    assert!(glob("offline", "offline"));
    assert!(!glob("a*a", "a"));
}

#[test]
fn ids_find_their_family_and_unknown_members_get_the_family_rules() {
    let c = Catalog::builtin();
    let fam = |m: &str| c.family_of(m).map(|f| f.id.as_str());
    // Members are named from the table's own patterns, today's and an unknown later one
    // (each `*` filled in two ways): the test follows the table, not today's ids.
    for family in [
        "veo",
        "veo-fast",
        "veo-lite",
        "omni",
        "nano-banana-flash",
        "nano-banana-lite",
        "nano-banana-pro",
        "nano-banana-numbered",
        "text-flash",
        "text-flash-lite",
        "text-pro",
        "speech-legacy",
        "speech-flash",
        "speech-flash-lite",
        "lyria-2",
        "lyria-3-clip",
        "lyria-3-pro",
    ] {
        for pattern in &c.family(family).unwrap().patterns {
            for fill in ["x", "9.9"] {
                let member = pattern.replace('*', fill);
                assert_eq!(fam(&member), Some(family), "{member}");
            }
        }
    }
    assert_eq!(fam("some-text-model"), None);
    let lite = c.family("veo-lite").unwrap();
    assert_eq!(lite.max_reference_images, 0);
    assert!(!lite.native_4k());
    assert!(c.family("veo").unwrap().native_4k());
}

#[test]
fn prices_come_from_the_family() {
    let c = Catalog::builtin();
    // A member of each family, named from the table's own pattern: prices follow the
    // family, whatever Google calls its models this year.
    let member = |family: &str| {
        c.family(family).unwrap().patterns[0]
            .replacen('*', "9.9", 1)
            .replace('*', "")
    };
    let (veo, flash) = (member("veo"), member("nano-banana-flash"));
    assert_eq!(c.unit_price(&veo, true, Some("4k")), Some(0.60));
    assert_eq!(c.unit_price(&veo, true, Some("720p")), Some(0.40));
    assert_eq!(c.unit_price(&flash, false, None), Some(0.067));
    assert_eq!(c.unit_price("offline", true, None), Some(0.0));
    assert_eq!(c.unit_price("mystery", true, None), None);
}

#[test]
fn a_broken_table_is_refused_with_the_reason() {
    let bad = BUILTIN.replace(
        "durations_for = { \"1080p\" = [8] }",
        "durations_for = { \"1080p\" = [9] }",
    );
    let err = Catalog::parse(&bad).unwrap_err().to_string();
    assert!(err.contains("veo-lite") && err.contains("9 s"), "{err}");
    // Extension rules out of order (37 s in, 30 s out) are refused too.
    let bad = BUILTIN.replacen(
        "input_max = 30, total_max = 37",
        "input_max = 37, total_max = 30",
        1,
    );
    let err = Catalog::parse(&bad).unwrap_err().to_string();
    assert!(err.contains("veo-lite") && err.contains("extend"), "{err}");
    let bad = BUILTIN.replacen("extend = { seconds = [7]", "extend = { seconds = []", 1);
    let err = Catalog::parse(&bad).unwrap_err().to_string();
    assert!(err.contains("extend adds no seconds"), "{err}");
    let bad = BUILTIN.replacen(
        "total_max = 37, resolution = \"720p\"",
        "total_max = 37, resolution = \"9k\"",
        1,
    );
    let err = Catalog::parse(&bad).unwrap_err().to_string();
    assert!(err.contains("extends at 9k"), "{err}");
}

#[test]
fn every_vertex_family_says_where_it_is_served() {
    let c = Catalog::builtin();
    for f in &c.families {
        if f.backends.contains(&Backend::Vertex) {
            // Gemini 3.x (images, Omni, text, speech, Lyria 3) only at global; Veo and
            // Lyria 2 (`:predict`) in the creator's region.
            let expected = match f.route {
                Route::PredictLongRunning | Route::Predict => VertexLocation::Region,
                _ => VertexLocation::Global,
            };
            assert_eq!(f.vertex_location, Some(expected), "{}", f.id);
        }
    }
    let bad = BUILTIN.replacen("vertex_location = \"region\"\n", "", 1);
    let err = Catalog::parse(&bad).unwrap_err().to_string();
    assert!(err.contains("vertex_location"), "{err}");
}

#[test]
fn inline_delivery_fits_short_small_clips_only() {
    let c = Catalog::builtin();
    let omni = c.family("omni").unwrap();
    assert!(omni.inline_fits("720p", 8));
    assert!(!omni.inline_fits("720p", 15));
    assert!(!omni.inline_fits("1080p", 3));
    assert!(!omni.inline_fits("4k", 3));
    assert!(!omni.inline_fits("8k", 3), "an unknown bitrate goes by URI");
    // Families with no known cap always come inline.
    assert!(c.family("veo").unwrap().inline_fits("4k", 8));
    // Omni 1.2 and later: 3-15 s, 14 references, first and last frame; 1.1 kept apart.
    let older = member("omni-1.1", &["flash"]);
    assert_eq!(c.family_of(&older).unwrap().id, "omni-1.1");
    let newer = c.family_of(&member("omni", &["9.9-flash"])).unwrap();
    assert_eq!(newer.id, "omni");
    assert_eq!(newer.durations.iter().max(), Some(&15));
    assert_eq!(newer.max_reference_images, 14);
    assert!(newer.first_frame && newer.last_frame);
    // Omni costs more at higher resolutions.
    let p = |r: &str| newer.price_per_second[r];
    assert!(p("720p") < p("1080p") && p("1080p") < p("4k"));
}

#[test]
fn retired_ids_name_their_replacement_and_thinking_is_priced() {
    let c = Catalog::builtin();
    for r in &c.retired {
        let replacement = r
            .replacement
            .as_deref()
            .unwrap_or_else(|| panic!("{}", r.id));
        assert!(
            c.retired(replacement).is_none(),
            "{} -> {replacement}",
            r.id
        );
        assert!(r.describe().contains(replacement));
    }
    let numbered = member("nano-banana-numbered", &["9.9"]);
    let f = c.family_of(&numbered).unwrap();
    assert!(f.thinking_per_image > 0.0);
    let listed = f.price_per_image["1K"];
    let with_thinking = c.unit_price(&numbered, false, Some("1K")).unwrap();
    assert!((with_thinking - listed - f.thinking_per_image).abs() < 1e-12);
}

#[test]
fn text_patterns_never_take_an_image_omni_or_speech_model() {
    let c = Catalog::builtin();
    let fam = |m: &str| c.family_of(m).map(|f| (f.id.as_str(), f.role));
    // Every image and Omni pattern, filled as Google fills them (a version, a preview
    // suffix), stays in its own family: the first match wins and text comes last.
    for f in c
        .families
        .iter()
        .filter(|f| matches!(f.role, Role::Image | Role::Video))
    {
        for pattern in &f.patterns {
            for fill in ["9.9", "9.9-flash", "9.9-preview"] {
                let id = pattern.replace('*', fill);
                let got = fam(&id).unwrap();
                assert_ne!(got.1, Role::Text, "{id} -> {}", got.0);
            }
        }
    }
    // Speech, live and audio models built on Flash are no planners: they end otherwise.
    let flash = member("text-flash", &["9.9"]);
    for suffix in [
        "-preview-tts",
        "-tts",
        "-live-001",
        "-native-audio-dialog",
        "-image",
    ] {
        let id = format!("{flash}{suffix}");
        assert!(
            fam(&id).is_none_or(|(_, role)| role != Role::Text),
            "{id} is not a text model"
        );
    }
    // The three text families, told apart, each priced per token and served at global.
    for (family, fill) in [
        ("text-flash", "9.9"),
        ("text-flash-lite", "9.9"),
        ("text-pro", "9"),
    ] {
        let id = member(family, &[fill]);
        let f = c.family_of(&id).unwrap();
        assert_eq!(f.id, family, "{id}");
        assert!(f.price_per_million_tokens.is_some());
        assert_eq!(f.route, Route::GenerateContent);
        assert_eq!(f.vertex_location, Some(VertexLocation::Global));
    }
    // A text family without token prices is refused.
    let bad = BUILTIN.replacen(
        "price_per_million_tokens = { input = 0.75, output = 3.75 }\n",
        "",
        1,
    );
    let err = Catalog::parse(&bad).unwrap_err().to_string();
    assert!(
        err.contains("text-flash") && err.contains("price_per_million_tokens"),
        "{err}"
    );
}

/// Google serves video extension per back end: Veo Lite extends on Vertex (+7 s) but not on the
/// Gemini API ("Lite cannot extend" there), so a Lite chosen on the Gemini API carries no
/// extension and its rules say it cannot extend. Every other family is the same on each of its
/// back ends.
#[test]
fn extension_is_served_per_back_end() {
    use crate::{check_extend, Choice, ListedModel, Preference, Rule};
    let c = Catalog::builtin();
    let model = member("veo-lite", &["9.1", "generate-001"]);
    let lite = c.family_of(&model).unwrap();
    let on = |backend| Choice {
        model: model.clone(),
        family: lite.on(backend),
    };
    let gemini = on(Backend::Gemini);
    assert_eq!(gemini.family.extend, None);
    assert!(lite.extension_on(Backend::Gemini).is_none());
    let p = check_extend(&gemini, Some("s1"), 8.0, 7);
    assert_eq!(p.len(), 1, "{p:?}");
    assert_eq!(p[0].rule, Rule::Extend);
    assert!(p[0].message.contains("cannot extend"), "{}", p[0]);
    let vertex = on(Backend::Vertex);
    assert!(vertex.family.extend.is_some());
    assert!(check_extend(&vertex, Some("s1"), 8.0, 7).is_empty());
    // Chosen from a listing: the back end's view, whatever the listing.
    let listed = [ListedModel {
        id: model.clone(),
        methods: Vec::new(),
        display_name: None,
    }];
    let chosen = |backend| {
        c.choose(&listed, backend, Role::Video, Preference::Draft)
            .unwrap()
    };
    assert_eq!(chosen(Backend::Gemini).family.extend, None);
    assert!(check_extend(&chosen(Backend::Vertex), None, 8.0, 7).is_empty());
    // The other families extend (or not) alike on every back end they are served on.
    for f in c.families.iter().filter(|f| f.id != "veo-lite") {
        for &backend in &f.backends {
            assert_eq!(&f.on(backend), f, "{} on {}", f.id, backend.as_str());
        }
    }
}

/// `Extension` is part of the plans recorded in earlier releases' workflow histories: their
/// JSON (no `backends`) still reads, extending everywhere, and a row without back ends is
/// written byte for byte as before.
#[test]
fn extension_rows_read_and_write_as_earlier_releases_did() {
    let earlier =
        r#"{"seconds":[7],"input_min":1,"input_max":30,"total_max":37,"resolution":"720p"}"#;
    let x: Extension = serde_json::from_str(earlier).unwrap();
    assert!(x.backends.is_empty());
    assert!(x.served_on(Backend::Gemini) && x.served_on(Backend::Vertex));
    assert_eq!(serde_json::to_string(&x).unwrap(), earlier);
    // A row naming its back ends keeps them.
    let lite = Catalog::builtin().family("veo-lite").unwrap();
    let json = serde_json::to_string(lite).unwrap();
    assert_eq!(&serde_json::from_str::<Family>(&json).unwrap(), lite);
}

/// An `extend.backends` naming a back end the family is not served on is refused at load.
#[test]
fn a_family_cannot_extend_where_it_is_not_served() {
    let lite = "backends = [\"vertex\", \"gemini\"]\nvertex_location = \"region\"\npatterns = [\"veo-*-lite-*\"]";
    assert!(BUILTIN.contains(lite), "the table's Veo Lite row moved");
    let bad = BUILTIN.replacen(
        lite,
        &lite.replace(
            "backends = [\"vertex\", \"gemini\"]",
            "backends = [\"gemini\"]",
        ),
        1,
    );
    let err = Catalog::parse(&bad).unwrap_err().to_string();
    assert!(
        err.contains("veo-lite") && err.contains("extends on vertex"),
        "{err}"
    );
}
