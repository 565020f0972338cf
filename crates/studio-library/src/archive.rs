//! Character archives: an uncompressed tar (the images are compressed already) holding
//! `manifest.json` and each character's (and location's and prop's) files under `<id>/`.
//!
//! Elements came later, in the same format version: a manifest without them has none, and an
//! archive of characters alone is written byte for byte as before. A studio from before them
//! imports the characters and drops the elements' files (it keeps only what its manifest
//! names).

use std::collections::HashSet;
use std::io::Read;
use std::path::{Component, Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::io;
use crate::index::Item;
use crate::store::image_ext;
use crate::{Character, Element, Library, LibraryError, Result};

/// The manifest's `format`: what the studio writes and accepts.
pub const ARCHIVE_FORMAT: &str = "smoketech-characters";
const VERSION: u32 = 1;
const MANIFEST: &str = "manifest.json";
/// No file in an archive is bigger than this (a reference photo is a few MB).
const MAX_FILE: u64 = 64 << 20;
/// Nor is the whole archive's content, nor its number of entries: an archive is refused
/// before it fills the disk.
const MAX_TOTAL: u64 = 2 << 30;
const MAX_ENTRIES: usize = 20_000;
/// Characters in one archive.
const MAX_CHARACTERS: usize = 2_000;

#[derive(Serialize, Deserialize)]
struct Manifest {
    format: String,
    version: u32,
    characters: Vec<Character>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    elements: Vec<Element>,
}

/// Writes the archive atomically ([`studio_core::replace_with`]: a failed export leaves no
/// half archive, and an archive replaced in place keeps its mode and symlink).
pub(crate) fn write(
    lib: &Library,
    characters: &[Character],
    elements: &[Element],
    out: &Path,
) -> Result<()> {
    let mut failure = None;
    let written = studio_core::replace_with(out, studio_core::FileMode::KeepOrUmask, |file| {
        write_tar(lib, characters, elements, file, out).map_err(|e| {
            let io = std::io::Error::other(e.to_string());
            failure = Some(e);
            io
        })
    });
    match failure {
        Some(e) => Err(e),
        None => written.map_err(io(out)),
    }
}

fn write_tar(
    lib: &Library,
    characters: &[Character],
    elements: &[Element],
    file: &std::fs::File,
    out: &Path,
) -> Result<()> {
    let mut tar = tar::Builder::new(file);
    let manifest = serde_json::to_vec_pretty(&Manifest {
        format: ARCHIVE_FORMAT.into(),
        version: VERSION,
        characters: characters.to_vec(),
        elements: elements.to_vec(),
    })
    .expect("a manifest serializes");
    append(&mut tar, MANIFEST, &manifest, out)?;
    append_files(lib, &mut tar, characters, out)?;
    append_files(lib, &mut tar, elements, out)?;
    tar.finish().map_err(io(out))
}

/// Each item's files, under `<id>/`.
fn append_files<T: Item>(
    lib: &Library,
    tar: &mut tar::Builder<&std::fs::File>,
    items: &[T],
    out: &Path,
) -> Result<()> {
    for c in items {
        for name in c.files() {
            let path = lib.file(c.id(), name);
            let bytes = std::fs::read(&path).map_err(io(&path))?;
            append(tar, &format!("{}/{name}", c.id()), &bytes, out)?;
        }
    }
    Ok(())
}

fn append(
    tar: &mut tar::Builder<&std::fs::File>,
    name: &str,
    bytes: &[u8],
    out: &Path,
) -> Result<()> {
    let mut header = tar::Header::new_gnu();
    header.set_size(bytes.len() as u64);
    header.set_mode(0o644);
    header.set_mtime(0); // the same characters make the same archive
    header.set_cksum();
    tar.append_data(&mut header, name, bytes).map_err(io(out))
}

pub(crate) fn safe_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 64
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

fn safe_name(name: &str) -> bool {
    let p = Path::new(name);
    !name.is_empty()
        && p.components().count() == 1
        && matches!(p.components().next(), Some(Component::Normal(_)))
}

/// Unpacks and checks an archive into `staging`; returns its characters and elements, whose
/// files are in `staging/<id>/`.
///
/// Three steps, each refusing the archive with a named reason: unpack the entries (bounded in
/// size and number), check the manifest's characters against the files unpacked, and drop the
/// files the manifest does not name.
pub(crate) fn read(path: &Path, staging: &Path) -> Result<(Vec<Character>, Vec<Element>)> {
    let file = std::fs::File::open(path).map_err(io(path))?;
    std::fs::create_dir_all(staging).map_err(io(staging))?;
    let reading = Reading { path, staging };
    let manifest = reading.unpack(file)?;
    let listed = reading.check_items(&manifest.characters, &manifest.elements)?;
    drop_unlisted(staging, &listed)?;
    Ok((manifest.characters, manifest.elements))
}

/// One archive being read into its staging folder: what every refusal names.
struct Reading<'a> {
    path: &'a Path,
    staging: &'a Path,
}

/// Entries and bytes unpacked so far, held against [`MAX_ENTRIES`] and [`MAX_TOTAL`].
#[derive(Default)]
struct Tally {
    count: usize,
    total: u64,
}

impl Reading<'_> {
    /// The archive refused, with why.
    fn bad(&self, message: String) -> LibraryError {
        LibraryError::BadArchive {
            path: self.path.to_owned(),
            message,
        }
    }

    /// Unpacks every file entry into the staging folder and returns the manifest: each entry
    /// is checked ([`Reading::admit`]) before its bytes are read, so a hostile archive is
    /// refused before it fills the disk.
    fn unpack(&self, file: std::fs::File) -> Result<Manifest> {
        let mut manifest: Option<Manifest> = None;
        let mut tally = Tally::default();
        let mut archive = tar::Archive::new(file);
        let entries = archive
            .entries()
            .map_err(|e| self.bad(format!("not a tar archive ({e})")))?;
        for entry in entries {
            let mut entry = entry.map_err(|e| {
                self.bad(format!(
                    "it is not a character archive, or it is damaged or truncated ({e})"
                ))
            })?;
            let name = entry
                .path()
                .map_err(|e| self.bad(format!("a path is not valid ({e})")))?
                .to_string_lossy()
                .into_owned();
            if entry.header().entry_type().is_dir() {
                continue;
            }
            self.admit(&name, &entry, &mut tally)?;
            let mut bytes = Vec::with_capacity(entry.size() as usize);
            entry
                .read_to_end(&mut bytes)
                .map_err(|e| self.bad(format!("{name:?} is truncated ({e})")))?;
            if name == MANIFEST {
                manifest = Some(self.parse_manifest(&bytes)?);
            } else {
                self.stage(&name, &bytes)?;
            }
        }
        manifest
            .ok_or_else(|| self.bad("it has no manifest.json (is it a character archive?)".into()))
    }

    /// Refuses an entry that is not a regular file, is too large, or takes the archive over
    /// its count or size limits; counts it otherwise.
    fn admit<R: Read>(
        &self,
        name: &str,
        entry: &tar::Entry<'_, R>,
        tally: &mut Tally,
    ) -> Result<()> {
        if !entry.header().entry_type().is_file() {
            return Err(self.bad(format!("{name:?} is not a regular file")));
        }
        if entry.size() > MAX_FILE {
            return Err(self.bad(format!("{name:?} is larger than {} MiB", MAX_FILE >> 20)));
        }
        tally.count += 1;
        tally.total += entry.size();
        if tally.count > MAX_ENTRIES {
            return Err(self.bad(format!("it holds more than {MAX_ENTRIES} files")));
        }
        if tally.total > MAX_TOTAL {
            return Err(self.bad(format!(
                "its files add up to more than {} GiB",
                MAX_TOTAL >> 30
            )));
        }
        Ok(())
    }

    /// Format and version first: a newer archive is refused as newer, whatever else its
    /// manifest holds (and before any of its files is unpacked: the manifest is the first
    /// entry of an archive).
    fn parse_manifest(&self, bytes: &[u8]) -> Result<Manifest> {
        check_format(bytes).map_err(|m| self.bad(m))?;
        serde_json::from_slice(bytes)
            .map_err(|e| self.bad(format!("manifest.json is not valid ({e})")))
    }

    /// Writes a character's file to `staging/<id>/<file>`; any other path (a folder deeper,
    /// `..`, an unsafe id) is refused rather than written outside the staging folder.
    fn stage(&self, name: &str, bytes: &[u8]) -> Result<()> {
        let (id, file) = name
            .split_once('/')
            .filter(|(id, file)| safe_id(id) && safe_name(file))
            .ok_or_else(|| self.bad(format!("unexpected path {name:?}")))?;
        let dir = self.staging.join(id);
        std::fs::create_dir_all(&dir).map_err(io(&dir))?;
        write_durable(&dir.join(file), bytes)
    }

    /// Checks the manifest's characters and elements (how many, their ids, their text, their
    /// files) and returns the staged paths they name: only those are kept.
    fn check_items(
        &self,
        characters: &[Character],
        elements: &[Element],
    ) -> Result<HashSet<PathBuf>> {
        if characters.len() + elements.len() > MAX_CHARACTERS {
            return Err(self.bad(format!(
                "it holds {} characters, locations and props; at most {MAX_CHARACTERS} are \
                 imported at once",
                characters.len() + elements.len()
            )));
        }
        // One set of ids for both kinds: they name folders side by side.
        let mut seen = HashSet::new();
        let mut listed = HashSet::new();
        for c in characters {
            self.check_item("character", c, &mut seen, &mut listed)?;
        }
        for e in elements {
            if e.images.is_empty() {
                return Err(self.bad(format!("element {:?} has no image", e.name)));
            }
            self.check_item("element", e, &mut seen, &mut listed)?;
        }
        Ok(listed)
    }

    /// One item (`kind` names it in messages): a safe id not seen before, valid text, and each
    /// file it names a safe name whose staged bytes are an image (added to `listed`).
    fn check_item<T: Item>(
        &self,
        kind: &str,
        c: &T,
        seen: &mut HashSet<String>,
        listed: &mut HashSet<PathBuf>,
    ) -> Result<()> {
        let who = format!("{kind} {:?}", c.name().chars().take(60).collect::<String>());
        if !safe_id(c.id()) || !seen.insert(c.id().to_owned()) {
            return Err(self.bad(format!("{who} has a bad or repeated id {:?}", c.id())));
        }
        if let Err(e) = crate::store::checked_text(c.name(), c.prompt()) {
            return Err(self.bad(format!("{who}: {e}")));
        }
        for f in c.files() {
            if !safe_name(f) {
                return Err(self.bad(format!("{who} names a bad file {f:?}")));
            }
            let p = self.staging.join(c.id()).join(f);
            let bytes =
                std::fs::read(&p).map_err(|_| self.bad(format!("{who}: {f} is missing")))?;
            if image_ext(&bytes).is_none() {
                return Err(self.bad(format!("{who}: {f} is not an image")));
            }
            listed.insert(p);
        }
        Ok(())
    }
}

/// Files the manifest does not name are dropped, never filed into the library; the folders'
/// entries are made durable before the index can name them.
fn drop_unlisted(staging: &Path, listed: &HashSet<PathBuf>) -> Result<()> {
    for dir in std::fs::read_dir(staging).map_err(io(staging))?.flatten() {
        let dir = dir.path();
        for file in std::fs::read_dir(&dir).map_err(io(&dir))?.flatten() {
            let file = file.path();
            if !listed.contains(&file) {
                std::fs::remove_file(&file).map_err(io(&file))?;
            }
        }
        crate::store::sync_dir(&dir)?;
    }
    Ok(())
}

/// The manifest's format and version, checked before the rest of it is read.
fn check_format(manifest: &[u8]) -> std::result::Result<(), String> {
    #[derive(Deserialize)]
    struct Head {
        format: Option<serde_json::Value>,
        version: Option<serde_json::Value>,
    }
    let head: Head = serde_json::from_slice(manifest)
        .map_err(|e| format!("manifest.json is not valid ({e})"))?;
    let format = head.format.unwrap_or_default();
    if format.as_str() != Some(ARCHIVE_FORMAT) {
        return Err(format!("its format is {format}, not {ARCHIVE_FORMAT:?}"));
    }
    match head.version.as_ref().and_then(serde_json::Value::as_u64) {
        Some(v) if v == u64::from(VERSION) => Ok(()),
        Some(v) if v > u64::from(VERSION) => Err(format!(
            "it is version {v} of the archive format, made by a newer studio; this studio reads version {VERSION}"
        )),
        _ => Err(format!(
            "its version is {}; this studio reads version {VERSION}",
            head.version.map_or_else(|| "missing".to_owned(), |v| v.to_string())
        )),
    }
}

/// Writes a staged file and flushes it to disk: the index names it only after a rename, and a
/// power cut after that must not leave the library naming an empty or torn file.
fn write_durable(dest: &Path, bytes: &[u8]) -> Result<()> {
    use std::io::Write;
    let mut f = std::fs::File::create(dest).map_err(io(dest))?;
    f.write_all(bytes).map_err(io(dest))?;
    f.sync_all().map_err(io(dest))
}
