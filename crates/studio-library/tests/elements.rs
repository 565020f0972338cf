//! Locations and props in the library, on real files: kept with their images, listed, found,
//! deleted and brought back, carried by archives beside characters; and the index and archives
//! of a library without them stay what they were.

use std::path::{Path, PathBuf};

use studio_core::ElementKind;
use studio_library::{Library, LibraryError};

mod common;

use common::{snapshot, tar_of};

fn png(dir: &Path, name: &str, seed: u8) -> PathBuf {
    let img = image::RgbImage::from_fn(8, 8, |x, y| {
        image::Rgb([seed, (x * 30) as u8, (y * 30) as u8])
    });
    let p = dir.join(name);
    img.save_with_format(&p, image::ImageFormat::Png).unwrap();
    p
}

#[test]
fn elements_are_kept_with_their_images_listed_found_and_undeleted() {
    let data = tempfile::tempdir().unwrap();
    let src = tempfile::tempdir().unwrap();
    let lib = Library::open(data.path()).unwrap();
    let views = [
        png(src.path(), "wide.png", 1),
        png(src.path(), "rev.png", 2),
    ];
    let harbour = lib
        .create_element(
            ElementKind::Location,
            " The harbour ",
            "a fishing harbour at dawn",
            &views,
            Some("offline"),
        )
        .unwrap();
    assert_eq!(harbour.name, "The harbour");
    assert_eq!(harbour.images, ["image-1.png", "image-2.png"]);
    assert_eq!(harbour.model.as_deref(), Some("offline"));
    for (path, src) in lib.element_paths(&harbour).iter().zip(&views) {
        assert_eq!(std::fs::read(path).unwrap(), std::fs::read(src).unwrap());
    }
    let lamp = lib
        .create_element(
            ElementKind::Prop,
            "Storm lamp",
            "a brass storm lamp",
            &[png(src.path(), "lamp.png", 3)],
            None,
        )
        .unwrap();

    // An element is kept for its look: no image, no element; a failed one leaves nothing.
    assert!(matches!(
        lib.create_element(ElementKind::Prop, "Rope", "a coil of rope", &[], None),
        Err(LibraryError::NoImages)
    ));
    let text = src.path().join("notes.png");
    std::fs::write(&text, "not a picture").unwrap();
    let err = lib
        .create_element(ElementKind::Prop, "Rope", "a coil", &[text], None)
        .unwrap_err();
    assert!(err.to_string().contains("notes.png"), "{err}");
    assert!(matches!(
        lib.create_element(ElementKind::Prop, "", "a coil", &views, None),
        Err(LibraryError::EmptyName)
    ));
    assert_eq!(lib.elements("").unwrap().len(), 2);
    let folders = std::fs::read_dir(lib.root())
        .unwrap()
        .filter(|e| e.as_ref().unwrap().path().is_dir())
        .count();
    assert_eq!(folders, 2, "nothing left of the refused ones");

    assert_eq!(lib.elements("BRASS").unwrap()[0].id, lamp.id);
    assert_eq!(lib.elements("harbour").unwrap()[0].id, harbour.id);
    assert_eq!(lib.element(&lamp.id).unwrap(), lamp);
    // Characters and elements are apart: neither finds the other.
    let ava = lib.create("Ava", "a bush pilot", &[]).unwrap();
    assert!(matches!(
        lib.element(&ava.id),
        Err(LibraryError::NoElement(_))
    ));
    assert!(matches!(lib.get(&lamp.id), Err(LibraryError::NotFound(_))));
    assert_eq!(lib.list("").unwrap().len(), 1);

    lib.delete_element(&lamp.id).unwrap();
    assert!(matches!(
        lib.element(&lamp.id),
        Err(LibraryError::NoElement(_))
    ));
    assert!(!lib.dir(&lamp.id).exists());
    let back = lib.undo_delete_element(&lamp.id).unwrap();
    assert_eq!(back, lamp);
    assert!(lib.element_paths(&back)[0].is_file());
}

/// A library made before elements (its index has no `elements`) reads as having none, and
/// stays without the key while nobody keeps an element: the file is what it was.
#[test]
fn an_index_without_elements_is_written_as_before() {
    let data = tempfile::tempdir().unwrap();
    let lib = Library::open(data.path()).unwrap();
    let ava = lib.create("Ava", "a bush pilot", &[]).unwrap();
    let index = lib.root().join("index.json");
    let before = std::fs::read_to_string(&index).unwrap();
    assert!(!before.contains("elements"), "{before}");
    assert!(lib.elements("").unwrap().is_empty());
    lib.rename(&ava.id, "Ava").unwrap();
    let v: serde_json::Value = serde_json::from_slice(&std::fs::read(&index).unwrap()).unwrap();
    assert!(v.get("elements").is_none(), "{v}");

    let src = tempfile::tempdir().unwrap();
    let e = lib
        .create_element(
            ElementKind::Location,
            "Dock",
            "a dock",
            &[png(src.path(), "d.png", 4)],
            None,
        )
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&std::fs::read(&index).unwrap()).unwrap();
    assert_eq!(v["elements"][0]["id"], e.id.as_str(), "{v}");
    assert_eq!(v["elements"][0]["kind"], "location");
    assert_eq!(v["characters"][0]["id"], ava.id.as_str());
}

#[test]
fn archives_carry_elements_beside_characters_and_bad_ones_change_nothing() {
    let src = tempfile::tempdir().unwrap();
    let a = tempfile::tempdir().unwrap();
    let lib = Library::open(a.path()).unwrap();
    let ava = lib
        .create("Ava", "a bush pilot", &[png(src.path(), "r.png", 5)])
        .unwrap();
    let harbour = lib
        .create_element(
            ElementKind::Location,
            "Harbour",
            "a fishing harbour",
            &[png(src.path(), "w.png", 6), png(src.path(), "v.png", 7)],
            Some("offline"),
        )
        .unwrap();

    // Characters alone: the manifest has no `elements`, as every archive before them.
    let chars_only = src.path().join("ava.characters.tar");
    assert_eq!(
        lib.export(std::slice::from_ref(&ava.id), &chars_only)
            .unwrap(),
        1
    );
    let manifest = manifest_of(&chars_only);
    assert!(manifest.get("elements").is_none(), "{manifest}");

    let all = src.path().join("all.characters.tar");
    assert_eq!(lib.export(&[], &all).unwrap(), 2);
    let one = src.path().join("harbour.characters.tar");
    assert_eq!(
        lib.export(std::slice::from_ref(&harbour.id), &one).unwrap(),
        1
    );
    assert!(matches!(
        lib.export(&["nobody".into()], &src.path().join("x.tar")),
        Err(LibraryError::NotFound(_))
    ));

    let b = tempfile::tempdir().unwrap();
    let other = Library::open(b.path()).unwrap();
    let imported = other.import_all(&all).unwrap();
    assert_eq!(imported.characters.len(), 1);
    assert_eq!(imported.elements, std::slice::from_ref(&harbour));
    for (mine, theirs) in lib
        .element_paths(&harbour)
        .iter()
        .zip(other.element_paths(&other.element(&harbour.id).unwrap()))
    {
        assert_eq!(std::fs::read(mine).unwrap(), std::fs::read(theirs).unwrap());
    }
    // Again: a new id, nothing overwritten.
    let again = other.import_all(&one).unwrap();
    assert_ne!(again.elements[0].id, harbour.id);
    assert_eq!(other.elements("harbour").unwrap().len(), 2);
    assert!(again.characters.is_empty());

    // An element naming a file that is not an image, or with no image at all, is refused and
    // changes nothing.
    let before = snapshot(other.root());
    let bad_manifest = |images: &str| {
        format!(
            r#"{{"format":"smoketech-characters","version":1,"characters":[],
                "elements":[{{"id":"e1","kind":"prop","name":"Lamp","prompt":"a lamp",
                "images":[{images}],"createdAt":1,"updatedAt":1}}]}}"#
        )
    };
    let text = tar_of(
        &src.path().join("text.tar"),
        &[
            ("manifest.json", bad_manifest(r#""image-1.png""#).as_bytes()),
            ("e1/image-1.png", b"hello"),
        ],
    );
    let empty = tar_of(
        &src.path().join("empty.tar"),
        &[("manifest.json", bad_manifest("").as_bytes())],
    );
    for (needle, path) in [("not an image", text), ("no image", empty)] {
        let err = other.import_all(&path).unwrap_err().to_string();
        assert!(err.contains(needle), "{err}");
        assert_eq!(
            snapshot(other.root()),
            before,
            "{path:?} changed the library"
        );
    }
}

fn manifest_of(archive: &Path) -> serde_json::Value {
    use std::io::Read;
    let mut tar = tar::Archive::new(std::fs::File::open(archive).unwrap());
    for entry in tar.entries().unwrap() {
        let mut entry = entry.unwrap();
        if entry.path().unwrap().to_str() == Some("manifest.json") {
            let mut s = String::new();
            entry.read_to_string(&mut s).unwrap();
            return serde_json::from_str(&s).unwrap();
        }
    }
    panic!("no manifest in {archive:?}")
}
