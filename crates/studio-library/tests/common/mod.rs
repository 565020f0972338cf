//! What the library tests share: a picture of the library's files, and archives built by hand.

use std::path::{Path, PathBuf};

/// Every file under the library, with its bytes (what "changed nothing" compares).
pub fn snapshot(root: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_owned()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push((p.clone(), std::fs::read(&p).unwrap()));
            }
        }
    }
    out.sort();
    out
}

/// A tar archive of `entries` (name, bytes) at `path`; returns `path`.
pub fn tar_of(path: &Path, entries: &[(&str, &[u8])]) -> PathBuf {
    let mut b = tar::Builder::new(std::fs::File::create(path).unwrap());
    for (n, data) in entries {
        let mut h = tar::Header::new_gnu();
        h.set_size(data.len() as u64);
        h.set_mode(0o644);
        h.set_cksum();
        b.append_data(&mut h, n, *data).unwrap();
    }
    b.finish().unwrap();
    path.to_owned()
}
