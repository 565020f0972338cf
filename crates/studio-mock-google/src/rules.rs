//! The checks all routes share: input images (base64, MIME type against the bytes), the rules of
//! a family from `studio-catalog`' table (durations, resolutions, aspect ratios, reference
//! images), and Google's wording for each refusal. Each rule has its own message so a test can
//! tell which one fired.

use std::fmt::Display;

use axum::response::Response;
use base64::Engine;
use image::ImageFormat;
use studio_catalog::Family;

use crate::routes::invalid;

/// An input image, decoded and checked.
#[derive(Debug, Clone)]
pub(crate) struct InputImage {
    pub bytes: Vec<u8>,
    /// What the bytes are: `image/png`, `image/jpeg` or `image/webp`.
    pub mime: &'static str,
}

impl InputImage {
    pub(crate) fn extension(&self) -> &'static str {
        match self.mime {
            "image/jpeg" => "jpg",
            "image/webp" => "webp",
            _ => "png",
        }
    }
}

/// The image type of `bytes`, by their magic numbers: PNG, JPEG or WebP, the input images
/// Google takes (any other format, GIF included, is unreadable to it).
pub(crate) fn sniff(bytes: &[u8]) -> Option<&'static str> {
    match image::guess_format(bytes).ok()? {
        format @ (ImageFormat::Png | ImageFormat::Jpeg | ImageFormat::WebP) => {
            Some(format.to_mime_type())
        }
        _ => None,
    }
}

/// Google's answer to image bytes it cannot read.
pub(crate) const UNREADABLE_IMAGE: &str = "Unable to process input image. Please retry or report \
     in https://developers.generativeai.google/guide/troubleshooting";

/// Decodes base64 `data` at `at` (e.g. `instances[0].image`) and checks that `mime` is given and
/// matches the bytes.
pub(crate) fn image_from(
    data: &str,
    mime: Option<&str>,
    at: &str,
    data_field: &str,
    mime_field: &str,
) -> Result<InputImage, Response> {
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(data.trim())
        .map_err(|_| {
            invalid(format!(
                "Invalid value at '{at}.{data_field}' (TYPE_BYTES), Base64 decoding failed"
            ))
        })?;
    let Some(mime) = mime else {
        return Err(invalid(format!("{at}.{mime_field} is required.")));
    };
    let Some(actual) = sniff(&bytes) else {
        return Err(invalid(UNREADABLE_IMAGE));
    };
    if !mime.eq_ignore_ascii_case(actual) {
        return Err(invalid(format!(
            "The {mime_field} \"{mime}\" of {at} does not match its bytes, which are {actual}."
        )));
    }
    Ok(InputImage {
        bytes,
        mime: actual,
    })
}

/// `[4, 6, 8]`.
pub(crate) fn list<T: Display>(items: &[T]) -> String {
    let items: Vec<String> = items.iter().map(ToString::to_string).collect();
    format!("[{}]", items.join(", "))
}

/// `8s` or `6s or 8s`.
fn seconds_or(ds: &[u32]) -> String {
    let items: Vec<String> = ds.iter().map(|d| format!("{d}s")).collect();
    match items.split_last() {
        None => String::new(),
        Some((last, [])) => last.clone(),
        Some((last, init)) => format!("{} or {last}", init.join(", ")),
    }
}

pub(crate) fn duration_not_allowed(requested: &str, family: &Family, unit: &str) -> Response {
    let allowed: Vec<String> = family
        .durations
        .iter()
        .map(|d| format!("{d}{unit}"))
        .collect();
    invalid(format!(
        "The requested duration {requested} is not supported. Duration must be one of {}.",
        list(&allowed)
    ))
}

pub(crate) fn check_resolution(family: &Family, resolution: &str) -> Result<(), Response> {
    if family.resolutions.iter().any(|r| r == resolution) {
        return Ok(());
    }
    Err(invalid(format!(
        "The requested resolution {resolution} is not supported by this model. Resolution must \
         be one of {}.",
        list(&family.resolutions)
    )))
}

pub(crate) fn check_aspect_ratio(family: &Family, aspect: &str) -> Result<(), Response> {
    if family.aspect_ratios.is_empty() || family.aspect_ratios.iter().any(|a| a == aspect) {
        return Ok(());
    }
    Err(invalid(format!(
        "The requested aspect ratio {aspect} is not supported. Aspect ratio must be one of {}.",
        list(&family.aspect_ratios)
    )))
}

/// The durations a resolution or reference images need (`durations_for` in the table).
pub(crate) fn check_durations_for(
    family: &Family,
    resolution: &str,
    references: bool,
    duration: u32,
) -> Result<(), Response> {
    if let Some(ds) = family.durations_for(resolution) {
        if !ds.contains(&duration) {
            return Err(invalid(format!(
                "The requested resolution {resolution} is only supported for {} videos.",
                seconds_or(ds)
            )));
        }
    }
    if references {
        if let Some(ds) = family.durations_for("references") {
            if !ds.contains(&duration) {
                return Err(invalid(format!(
                    "Reference images are only supported for {} videos.",
                    seconds_or(ds)
                )));
            }
        }
    }
    Ok(())
}

pub(crate) fn check_reference_count(family: &Family, count: usize) -> Result<(), Response> {
    if count == 0 {
        return Ok(());
    }
    let max = family.max_reference_images as usize;
    if max == 0 {
        return Err(invalid("Reference images are not supported by this model."));
    }
    if count > max {
        return Err(invalid(format!(
            "At most {max} reference images are supported; got {count}."
        )));
    }
    Ok(())
}

/// Nano Banana's aspect ratios; the flash, lite and numbered families add the extreme ones.
pub(crate) fn image_aspect_ratios(family: &Family) -> Vec<String> {
    if !family.aspect_ratios.is_empty() {
        return family.aspect_ratios.clone();
    }
    let standard = [
        "1:1", "2:3", "3:2", "3:4", "4:3", "4:5", "5:4", "9:16", "16:9", "21:9",
    ];
    let extreme = ["1:4", "4:1", "1:8", "8:1"];
    let mut all: Vec<String> = standard.iter().map(|s| (*s).to_owned()).collect();
    if family.id != "nano-banana-pro" {
        all.extend(extreme.iter().map(|s| (*s).to_owned()));
    }
    all
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sniffs_and_lists() {
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\nrest"), Some("image/png"));
        assert_eq!(sniff(&[0xFF, 0xD8, 0xFF, 0xE0]), Some("image/jpeg"));
        assert_eq!(sniff(b"RIFF\0\0\0\0WEBPVP8 "), Some("image/webp"));
        assert_eq!(sniff(b"GIF89a"), None);
        assert_eq!(list(&[4, 6, 8]), "[4, 6, 8]");
        assert_eq!(seconds_or(&[8]), "8s");
        assert_eq!(seconds_or(&[4, 6, 8]), "4s, 6s or 8s");
        let c = studio_catalog::Catalog::builtin();
        let pro = c.family_of("gemini-3-pro-image").unwrap();
        assert_eq!(image_aspect_ratios(pro).len(), 10);
        let nb = c.family_of("gemini-nano-banana-3").unwrap();
        assert!(image_aspect_ratios(nb).iter().any(|a| a == "1:8"));
    }

    fn encoded(format: image::ImageFormat) -> Vec<u8> {
        let img = image::RgbImage::from_pixel(4, 4, image::Rgb([30, 120, 200]));
        let mut out = std::io::Cursor::new(Vec::new());
        img.write_to(&mut out, format).expect("encode");
        out.into_inner()
    }

    /// Real PNG, JPEG and WebP files are read for what they are, whatever they are called;
    /// anything else (GIF, text) is unreadable, and a label that lies is refused.
    #[test]
    fn real_images_are_sniffed_and_others_refused() {
        use image::ImageFormat::{Jpeg, Png, WebP};
        let b64 = |b: &[u8]| base64::engine::general_purpose::STANDARD.encode(b);
        for (format, mime) in [
            (Png, "image/png"),
            (Jpeg, "image/jpeg"),
            (WebP, "image/webp"),
        ] {
            let bytes = encoded(format);
            assert_eq!(sniff(&bytes), Some(mime));
            let image = image_from(&b64(&bytes), Some(mime), "i", "data", "mimeType").unwrap();
            assert_eq!((image.bytes, image.mime), (bytes, mime));
        }
        assert_eq!(sniff(b"GIF89a\x01\x00\x01\x00"), None);
        assert_eq!(sniff(b"not a picture"), None);
        assert_eq!(sniff(b""), None);
        let text = image_from(
            &b64(b"not a picture"),
            Some("image/png"),
            "i",
            "data",
            "mimeType",
        );
        assert_eq!(message(text.unwrap_err()), UNREADABLE_IMAGE);
        // A JPEG renamed (and labelled) PNG.
        let renamed = image_from(
            &b64(&encoded(Jpeg)),
            Some("image/png"),
            "i",
            "data",
            "mimeType",
        );
        assert_eq!(
            message(renamed.unwrap_err()),
            "The mimeType \"image/png\" of i does not match its bytes, which are image/jpeg."
        );
    }

    /// The message of a Google error answer.
    fn message(r: Response) -> String {
        assert_eq!(r.status(), 400);
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let bytes = rt
            .block_on(axum::body::to_bytes(r.into_body(), 1 << 20))
            .unwrap();
        let body: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
        body["error"]["message"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }
}
