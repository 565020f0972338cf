//! The window (through `studio-api`) and `studio` commands write the same files of one data
//! dir at once; every update lands (each read-modify-write holds the file's lock).

use std::process::Command;

use studio_api::{Settings, Start, Studio};
use studio_testkit::studio_bin;

#[test]
fn the_cli_and_the_api_editing_one_library_at_once_lose_nothing() {
    // An archive of 5 characters, made in another data dir.
    let src = tempfile::tempdir().unwrap();
    let maker = Studio::new(src.path(), Settings::default(), Start::Connect);
    for i in 0..5 {
        maker
            .create_character(&format!("c{i}"), "a courier", &[])
            .unwrap();
    }
    let archive = src.path().join("five.characters.tar");
    assert_eq!(maker.export_characters(&[], &archive).unwrap(), 5);

    let data = tempfile::tempdir().unwrap();
    let mut imports: Vec<_> = (0..6)
        .map(|_| {
            Command::new(studio_bin())
                .arg("--data-dir")
                .arg(data.path())
                .args(["characters", "import"])
                .arg(&archive)
                .stdout(std::process::Stdio::null())
                .spawn()
                .unwrap()
        })
        .collect();
    // Meanwhile, and until every import has ended, the window creates and renames characters.
    let studio = Studio::new(data.path(), Settings::default(), Start::Connect);
    let mut made = 0;
    loop {
        let mut running = 0;
        for p in imports.iter_mut() {
            if p.try_wait().unwrap().is_none() {
                running += 1;
            }
        }
        if running == 0 && made >= 30 {
            break;
        }
        let c = studio
            .create_character(&format!("w{made}"), "a pilot", &[])
            .unwrap();
        studio
            .rename_character(&c.character.id, &format!("window {made}"))
            .unwrap();
        made += 1;
    }
    for mut p in imports {
        assert!(p.wait().unwrap().success());
    }
    let all = studio.characters("").unwrap();
    assert_eq!(
        all.len(),
        30 + 6 * 5,
        "every create and import is in the index"
    );
    assert_eq!(
        all.iter()
            .filter(|c| c.character.name.starts_with("window "))
            .count(),
        30,
        "every rename landed"
    );
}
