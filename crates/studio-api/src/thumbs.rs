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

/// `source` as an ffmpeg input that can only be a local file: absolute and behind the `file:`
/// protocol, so a name like `concat:…`, `subfile:…` or `pipe:` selects nothing else.
fn input_arg(source: &Path) -> Result<std::ffi::OsString, ApiError> {
    let abs = std::path::absolute(source)
        .map_err(|e| ApiError::new(ErrorCode::Io, format!("{source:?}: {e}")))?;
    let mut arg = std::ffi::OsString::from("file:");
    arg.push(abs);
    Ok(arg)
}

/// A cached PNG thumbnail of a video's frame at 1 s (the segment strip), made with the ffmpeg
/// the studio runs everywhere (`STUDIO_FFMPEG`, else the one on `PATH`).
pub async fn video_thumbnail(source: &Path, cache_dir: &Path) -> Result<PathBuf, ApiError> {
    let ffmpeg = studio_media::Ffmpeg::from_env();
    // Artifacts are content-addressed, so the file name is already a content key.
    let stem = source
        .file_stem()
        .and_then(|s| s.to_str())
        .ok_or_else(|| ApiError::new(ErrorCode::NotFound, format!("{source:?} has no name")))?;
    let out = cache_dir.join(format!("{stem}-frame-{THUMB_EDGE}.png"));
    if out.exists() {
        return Ok(out);
    }
    std::fs::create_dir_all(cache_dir)
        .map_err(|e| ApiError::new(ErrorCode::Io, format!("{cache_dir:?}: {e}")))?;
    let tmp = cache_dir.join(format!(".{stem}-{}.png", std::process::id()));
    let scale = format!("scale={THUMB_EDGE}:-2");
    let args: Vec<std::ffi::OsString> = vec![
        "-ss".into(),
        "1".into(),
        "-i".into(),
        input_arg(source)?,
        "-frames:v".into(),
        "1".into(),
        "-vf".into(),
        scale.into(),
        "-f".into(),
        "image2".into(),
        tmp.clone().into(),
    ];
    let result = ffmpeg
        .run(args, None, &studio_media::TaskCtx::detached())
        .await
        .map_err(ApiError::from)
        .and_then(|()| {
            std::fs::rename(&tmp, &out)
                .map_err(|e| ApiError::new(ErrorCode::Io, format!("{out:?}: {e}")))
        });
    let _ = std::fs::remove_file(&tmp);
    result.map(|()| out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ffmpeg_inputs_from_outside_are_plain_local_files() {
        for name in [
            "concat:a.mp4|b.mp4",
            "subfile:,,start,0,end,9,,:x.mp4",
            "pipe:0",
        ] {
            let arg = input_arg(Path::new(name)).unwrap().into_string().unwrap();
            assert!(arg.starts_with("file:/"), "{arg}");
        }
    }
}
