//! Thumbnails of reference images and character angles, made with `image` and cached by content.

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::error::{ApiError, ErrorCode};

/// Longest edge of a thumbnail, in pixels.
pub const THUMB_EDGE: u32 = 256;

/// A cached PNG thumbnail of `source` under `cache_dir` (made once per distinct content).
pub fn thumbnail(source: &Path, cache_dir: &Path) -> Result<PathBuf, ApiError> {
    let bytes = std::fs::read(source)
        .map_err(|e| ApiError::new(ErrorCode::Io, format!("cannot read {source:?}: {e}")))?;
    let key = hex::encode(Sha256::digest(&bytes));
    let out = cache_dir.join(format!("{key}-{THUMB_EDGE}.png"));
    if out.exists() {
        return Ok(out);
    }
    let img = image::load_from_memory(&bytes).map_err(|e| {
        ApiError::new(
            ErrorCode::InvalidProject,
            format!("{source:?} is not an image we can read: {e}"),
        )
    })?;
    let thumb = img.thumbnail(THUMB_EDGE, THUMB_EDGE);
    let mut png = Vec::new();
    thumb
        .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
        .map_err(|e| ApiError::new(ErrorCode::Internal, e.to_string()))?;
    studio_core::write_atomic(&out, &png)
        .map_err(|e| ApiError::new(ErrorCode::Io, format!("{out:?}: {e}")))?;
    Ok(out)
}
