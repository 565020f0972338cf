//! What a scene sends the video model as reference images: its cast's faces, then its place,
//! then its props. Pure, so the workflow (which launches the clip) and the cache lookup (which
//! must name the same clip before it is made) compose them by the one rule. The cut to what the
//! model takes is the clip activity's (`max_reference_images` of the capability table).

use studio_core::{CharacterImages, Element, ElementImages, Scenario};

/// The reference images of a scene, in the order the model should keep them: `faces` (each
/// cast member's three angles, in the scene's order) first, then `elements` (its location's
/// images, then each prop's), taken by rank: the first angle of every face, then the first
/// image of the location and of each prop, then the second of each, and so on. A model that
/// takes only a few (Veo: 3) still sees every face, then the place, then the props; one that
/// takes many gets every image. With no elements this is the faces' angles interleaved, as
/// every job before elements sent them.
pub fn scene_references(faces: &[&CharacterImages], elements: &[&[String]]) -> Vec<String> {
    let mut subjects: Vec<Vec<String>> = faces.iter().map(|f| f.to_vec()).collect();
    subjects.extend(elements.iter().map(|e| e.to_vec()));
    let ranks = subjects.iter().map(Vec::len).max().unwrap_or(0);
    (0..ranks)
        .flat_map(|k| subjects.iter().filter_map(move |s| s.get(k).cloned()))
        .collect()
}

/// The images of the elements `scenario` names, its location first, then its props in order,
/// each once: an element's own reference images, else those made for it (`made`). Ids the
/// request does not know are left out. None while an element that needs images has none yet
/// (the lookup then leaves the clip to look itself up when it runs).
pub fn scene_elements<'a>(
    scenario: &Scenario<Option<String>>,
    elements: &'a [Element<String>],
    made: &'a [ElementImages],
) -> Option<Vec<&'a [String]>> {
    let mut named: Vec<&str> = Vec::new();
    for id in scenario.location.iter().chain(&scenario.props) {
        if !named.contains(&id.as_str()) {
            named.push(id);
        }
    }
    let mut out = Vec::with_capacity(named.len());
    for id in named {
        let Some(element) = elements.iter().find(|e| e.id == id) else {
            continue;
        };
        if !element.needs_images() {
            out.push(element.reference_images.as_slice());
            continue;
        }
        out.push(made.iter().find(|m| m.id == id)?.images.as_slice());
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use studio_core::ElementKind;

    fn face(who: &str) -> CharacterImages {
        CharacterImages {
            front: format!("{who}-front"),
            three_quarter: format!("{who}-3q"),
            profile: format!("{who}-profile"),
        }
    }

    fn element(id: &str, kind: ElementKind, images: &[&str]) -> Element<String> {
        Element {
            id: id.into(),
            kind,
            name: id.into(),
            prompt: format!("the {id}"),
            reference_images: images.iter().map(|s| s.to_string()).collect(),
            library_id: None,
        }
    }

    #[test]
    fn faces_come_first_then_the_place_then_the_props_by_rank() {
        let (ava, rex) = (face("ava"), face("rex"));
        let place = vec!["harbour-wide".to_owned(), "harbour-reverse".to_owned()];
        let prop = vec!["lamp-view".to_owned(), "lamp-detail".to_owned()];
        let refs = scene_references(&[&ava, &rex], &[&place, &prop]);
        assert_eq!(
            refs[..4],
            ["ava-front", "rex-front", "harbour-wide", "lamp-view"]
        );
        assert_eq!(refs.len(), 10);
        // Without elements: exactly what jobs before them sent.
        assert_eq!(
            scene_references(&[&ava, &rex], &[]),
            [
                "ava-front",
                "rex-front",
                "ava-3q",
                "rex-3q",
                "ava-profile",
                "rex-profile"
            ]
        );
        assert_eq!(scene_references(&[&ava], &[]), ava.to_vec());
    }

    #[test]
    fn a_scene_s_elements_are_its_place_then_its_props_once_each() {
        let elements = vec![
            element("lamp", ElementKind::Prop, &["lamp.png"]),
            element("harbour", ElementKind::Location, &[]),
        ];
        let scene = Scenario {
            location: Some("harbour".into()),
            props: vec!["lamp".into(), "ghost".into(), "lamp".into()],
            ..Scenario::new("waits")
        };
        assert_eq!(scene_elements(&scene, &elements, &[]), None, "not made yet");
        let made = [ElementImages {
            id: "harbour".into(),
            images: vec!["wide.png".into(), "reverse.png".into()],
        }];
        let found = scene_elements(&scene, &elements, &made).unwrap();
        assert_eq!(
            found,
            [&made[0].images[..], &["lamp.png".to_owned()][..]],
            "the place first, the lamp once, the unknown id left out"
        );
        assert_eq!(
            scene_elements(&Scenario::new("alone"), &elements, &[]),
            Some(vec![])
        );
    }
}
