//! The offline provider: real PNGs and real H.264 clips with an AAC tone made locally,
//! deterministic from the prompt, real speech by espeak-ng ([`speech`]) and a synthesised music
//! bed ([`music`]), so the whole pipeline (sound included) runs and is tested without the
//! internet or keys.

mod continuation;
pub mod music;
pub mod speech;

use std::path::{Path, PathBuf};

use async_trait::async_trait;
use image::{imageops, Rgb, RgbImage, Rgba, RgbaImage};
use sha2::{Digest, Sha256};

use crate::draw;
use crate::error::MediaError;
use crate::ffmpeg::{Ffmpeg, StillClip};
use crate::provider::{
    Angle, ClipRequest, ExtendRequest, ImageRequest, MediaProvider, ModelPlan, MusicAnswer,
    MusicRequest, SpeechAnswer, SpeechRequest,
};
use crate::task::TaskCtx;

/// The name offline work is priced and counted under (the table's `offline` family: free).
const MODEL: &str = "offline";

pub struct OfflineProvider {
    ffmpeg: Ffmpeg,
    /// espeak-ng (`STUDIO_ESPEAK` overrides the PATH lookup).
    espeak: PathBuf,
}

impl OfflineProvider {
    pub fn new(ffmpeg: Ffmpeg) -> Self {
        OfflineProvider {
            ffmpeg,
            espeak: speech::espeak_program(),
        }
    }
}

fn digest(parts: &[&str]) -> [u8; 32] {
    let mut h = Sha256::new();
    for p in parts {
        h.update(p.as_bytes());
        h.update([0]);
    }
    h.finalize().into()
}

const WHITE: Rgb<u8> = Rgb([255, 255, 255]);
const TEXT_SCALE: i32 = 3;

/// Writes wrapped text on a shaded band starting at `y`; returns the band's height.
fn caption(img: &mut RgbImage, y: i32, label: &str, body: &str) -> i32 {
    let cols = ((img.width() as i32 - 48) / (8 * TEXT_SCALE)).max(8) as usize;
    let lines = draw::wrap(body, cols, 4);
    let line_h = 8 * TEXT_SCALE + 8;
    let band = line_h * (lines.len() as i32 + 1) + 16;
    draw::shade_rect(img, 0, y, img.width() as i32, band);
    draw::text(img, 24, y + 12, TEXT_SCALE, label, Rgb([255, 220, 120]));
    for (i, l) in lines.iter().enumerate() {
        draw::text(
            img,
            24,
            y + 12 + line_h * (i as i32 + 1),
            TEXT_SCALE,
            l,
            WHITE,
        );
    }
    band
}

/// Paints a character sheet: gradient backdrop, a figure turned by angle, the prompt in text and
/// the creator's references as thumbnails.
fn paint_character(req: &ImageRequest) -> Result<RgbImage, MediaError> {
    let (w, h) = req.aspect_ratio.hd_size();
    let seed = digest(&[&req.name, &req.prompt]);
    let mut img = RgbImage::new(w, h);
    draw::vertical_gradient(&mut img, draw::color(&seed[0..3]), draw::color(&seed[3..6]));

    let (wi, hi) = (w as i32, h as i32);
    let unit = wi.min(hi) / 8;
    let cx = wi / 2;
    let cy = hi / 2;
    let skin = Rgb([180 + seed[6] % 60, 140 + seed[7] % 60, 110 + seed[8] % 60]);
    let outfit = draw::color(&seed[9..12]);
    // Body, then head; the angle moves the facial features and narrows the silhouette.
    let (body_rx, eye_dx, nose) = match req.angle {
        // Element views are painted by `paint_element`; never asked here.
        Angle::Front
        | Angle::EstablishingWide
        | Angle::Reverse
        | Angle::ProductView
        | Angle::Detail => (unit * 3 / 2, [-unit / 3, unit / 3], None),
        Angle::ThreeQuarter => (unit * 5 / 4, [-unit / 8, unit * 2 / 5], None),
        Angle::Profile => (unit, [unit * 2 / 5, unit * 2 / 5], Some(unit * 9 / 10)),
    };
    draw::fill_ellipse(&mut img, cx, cy + unit * 2, body_rx, unit * 2, outfit);
    draw::fill_ellipse(&mut img, cx, cy - unit / 2, unit * 4 / 5, unit, skin);
    if let Some(n) = nose {
        draw::fill_ellipse(&mut img, cx + n, cy - unit / 3, unit / 5, unit / 8, skin);
    }
    for dx in eye_dx {
        draw::fill_ellipse(
            &mut img,
            cx + dx,
            cy - unit / 2,
            unit / 10,
            unit / 8,
            Rgb([20, 20, 30]),
        );
    }

    // Reference thumbnails along the right edge, so a reference visibly changes the output.
    let thumb = (wi.min(hi) / 6) as u32;
    for (i, path) in req.references.iter().enumerate().take(4) {
        let r = image::open(path)
            .map_err(|e| MediaError::Image(format!("reference image {}: {e}", path.display())))?;
        let t = imageops::resize(&r.to_rgb8(), thumb, thumb, imageops::FilterType::Triangle);
        let x = (w - thumb - 16) as i64;
        let y = 16 + i as i64 * (thumb as i64 + 8);
        imageops::overlay(&mut img, &t, x, y);
    }

    let label = format!("{} - {}", req.angle.phrase().to_uppercase(), req.name);
    caption(&mut img, hi - hi / 4, &label, &req.prompt);
    Ok(img)
}

/// Paints one view of an element: for a location a landscape (ground, sky, a row of buildings)
/// seen from one side, the reverse mirrored and lower on the horizon; for a prop an object on a
/// table, the detail a close crop of it. Colours come from the name and prompt, so the two
/// views of one element belong together and another element looks different; the view's name
/// and the prompt are written on it.
fn paint_element(req: &ImageRequest) -> RgbImage {
    let (w, h) = req.aspect_ratio.hd_size();
    let seed = digest(&["element", &req.name, &req.prompt]);
    let mut img = RgbImage::new(w, h);
    draw::vertical_gradient(&mut img, draw::color(&seed[0..3]), draw::color(&seed[3..6]));
    let (wi, hi) = (w as i32, h as i32);
    let unit = wi.min(hi) / 8;
    let ground = draw::color(&seed[6..9]);
    let accent = draw::color(&seed[9..12]);
    match req.angle {
        Angle::EstablishingWide | Angle::Reverse => {
            let reverse = req.angle == Angle::Reverse;
            let horizon = if reverse { hi * 3 / 5 } else { hi / 2 };
            draw::fill_rect(&mut img, 0, horizon, wi, hi - horizon, ground);
            // A sun on one side, buildings along the horizon; the reverse mirrors them.
            let sun_x = if reverse { wi - wi / 5 } else { wi / 5 };
            draw::fill_ellipse(
                &mut img,
                sun_x,
                hi / 5,
                unit / 2,
                unit / 2,
                Rgb([250, 230, 160]),
            );
            for (k, b) in seed[12..20].iter().enumerate() {
                let bw = unit / 2 + i32::from(*b % 32) * unit / 64;
                let bh = unit + i32::from(*b) * unit * 2 / 255;
                let x = (k as i32 * wi / 8) + unit / 4;
                let x = if reverse { wi - x - bw } else { x };
                draw::fill_rect(&mut img, x, horizon - bh, bw, bh, accent);
            }
        }
        Angle::ProductView | Angle::Detail => {
            let table = hi * 2 / 3;
            draw::fill_rect(&mut img, 0, table, wi, hi - table, ground);
            let (rx, ry) = if req.angle == Angle::Detail {
                (unit * 4, unit * 3)
            } else {
                (unit * 3 / 2, unit)
            };
            draw::fill_ellipse(&mut img, wi / 2, table - ry / 2, rx, ry, accent);
            draw::fill_ellipse(&mut img, wi / 2 - rx / 3, table - ry, rx / 5, ry / 5, WHITE);
        }
        // Character angles are painted by `paint_character`; never asked here.
        Angle::Front | Angle::ThreeQuarter | Angle::Profile => {}
    }
    // The view's short name: the phrase sent to a model is a sentence, too long for one line.
    let view = match req.angle {
        Angle::EstablishingWide => "ESTABLISHING WIDE",
        Angle::Reverse => "REVERSE",
        Angle::ProductView => "PRODUCT VIEW",
        Angle::Detail => "DETAIL",
        Angle::Front | Angle::ThreeQuarter | Angle::Profile => "VIEW",
    };
    let label = format!("{view} - {}", req.name);
    caption(&mut img, hi - hi / 4, &label, &req.prompt);
    img
}

/// Hex SHA-256 of a file's bytes (artifact URIs are named by the same digest).
fn file_digest(path: &Path) -> Result<String, MediaError> {
    let bytes =
        std::fs::read(path).map_err(|e| MediaError::Image(format!("{}: {e}", path.display())))?;
    Ok(hex::encode(Sha256::digest(&bytes)))
}

/// What a clip was made from, written into the file's `comment` tag: the first frame's image
/// and the reference images by content digest, so a test (or a curious creator) can see which
/// characters and which frame went into it.
fn clip_record(req: &ClipRequest) -> Result<String, MediaError> {
    let references = req
        .references
        .iter()
        .map(|p| file_digest(p))
        .collect::<Result<Vec<_>, _>>()?;
    let mut record = serde_json::json!({
        "prompt": req.prompt,
        "image": file_digest(&req.image)?,
        "references": references,
        "variant": req.variant,
    });
    // Only a clip with an end frame says so: every other clip's record (and bytes) stay as
    // they were.
    if let Some(end) = &req.last_frame {
        record["lastFrame"] = file_digest(end)?.into();
    }
    Ok(record.to_string())
}

/// The background of a clip: the character image tinted per scenario.
fn paint_scene(req: &ClipRequest) -> Result<RgbImage, MediaError> {
    let (w, h) = req.aspect_ratio.hd_size();
    let base = image::open(&req.image)
        .map_err(|e| MediaError::Image(format!("character image {}: {e}", req.image.display())))?
        .to_rgb8();
    let mut img = if base.dimensions() == (w, h) {
        base
    } else {
        imageops::resize(&base, w, h, imageops::FilterType::Triangle)
    };
    // A retake of the same prompt gets its own tint; take 0 keeps the original one.
    let variant = format!("take-{}", req.variant);
    let tint = if req.variant == 0 {
        digest(&[&req.prompt])
    } else {
        digest(&[&req.prompt, &variant])
    };
    for px in img.pixels_mut() {
        for (ch, t) in px.0.iter_mut().zip(&tint[..3]) {
            *ch = ((*ch as u16 * 3 + *t as u16) / 4) as u8;
        }
    }
    // The cast's faces (the model's reference images) along the bottom edge, so who is in
    // the scene shows in the picture.
    let thumb = (w.min(h) / 6).max(1);
    for (i, path) in req.references.iter().step_by(3).enumerate().take(6) {
        let r = image::open(path)
            .map_err(|e| MediaError::Image(format!("reference image {}: {e}", path.display())))?;
        let t = imageops::resize(&r.to_rgb8(), thumb, thumb, imageops::FilterType::Triangle);
        let x = 16 + i as i64 * (thumb as i64 + 8);
        let y = (h - thumb - 16) as i64;
        imageops::overlay(&mut img, &t, x, y);
    }
    Ok(img)
}

/// The pitch of a clip's sound, in Hz (220-880): a sine tone stands in for Veo's audio, fixed by
/// the prompt and the take like the tint, so a clip's sound is as deterministic as its picture.
pub fn tone_hz(req: &ClipRequest) -> u32 {
    let variant = req.variant.to_string();
    let seed = digest(&["tone", &req.prompt, &variant]);
    220 + u32::from(u16::from_be_bytes([seed[0], seed[1]])) % 661
}

/// A transparent overlay with the scenario's prompt across the top; it stays put while the
/// background pans.
fn paint_caption(req: &ClipRequest) -> RgbaImage {
    let (w, h) = req.aspect_ratio.hd_size();
    let mut band = RgbImage::new(w, h / 3);
    let label = match req.variant {
        0 => format!("SCENE ({}s)", req.duration.get()),
        v => format!("SCENE ({}s) RETAKE {v}", req.duration.get()),
    };
    let height = caption(&mut band, 0, &label, &req.prompt).min(band.height() as i32) as u32;
    let mut img = RgbaImage::new(w, h);
    for (x, y, px) in band.enumerate_pixels() {
        if y < height {
            let alpha = if px.0 == [0, 0, 0] { 170 } else { 255 };
            img.put_pixel(x, y, Rgba([px[0], px[1], px[2], alpha]));
        }
    }
    img
}

fn save_png<P>(img: &image::ImageBuffer<P, Vec<u8>>, out: &Path) -> Result<(), MediaError>
where
    P: image::Pixel<Subpixel = u8> + image::PixelWithColorType,
{
    img.save_with_format(out, image::ImageFormat::Png)
        .map_err(|e| MediaError::image_write(out, e))
}

#[async_trait]
impl MediaProvider for OfflineProvider {
    fn name(&self) -> &str {
        "offline"
    }

    /// Bump the version when the drawing or the encoding changes (v2: clips carry a tone;
    /// v3: the cast's faces and a record of the inputs).
    fn cache_identity(&self) -> String {
        "offline:v3".into()
    }

    async fn character_image(
        &self,
        req: &ImageRequest,
        out: &Path,
        task: &TaskCtx,
    ) -> Result<(), MediaError> {
        let req = req.clone();
        let out = out.to_owned();
        let work = tokio::task::spawn_blocking(move || {
            let img = if req.angle.is_element_view() {
                paint_element(&req)
            } else {
                paint_character(&req)?
            };
            save_png(&img, &out)
        });
        tokio::select! {
            r = work => r.map_err(|e| MediaError::Image(e.to_string()))?,
            _ = task.cancel.cancelled() => Err(MediaError::Cancelled),
        }?;
        task.report(1.0);
        Ok(())
    }

    async fn video_clip(
        &self,
        req: &ClipRequest,
        out: &Path,
        task: &TaskCtx,
    ) -> Result<(), MediaError> {
        let frame_path = out.with_extension("frame.png");
        let caption_path = out.with_extension("caption.png");
        let frame = {
            let req = req.clone();
            let (frame_path, caption_path) = (frame_path.clone(), caption_path.clone());
            tokio::task::spawn_blocking(move || {
                save_png(&paint_scene(&req)?, &frame_path)?;
                save_png(&paint_caption(&req), &caption_path)
            })
        };
        let painted = frame.await.map_err(|e| MediaError::Image(e.to_string()));
        // A clip that ends on a frame is animated first, then dissolved into that frame.
        let body_path = out.with_extension("body.mp4");
        let result = match painted.and_then(|p| p.and_then(|()| clip_record(req))) {
            Ok(record) => {
                let clip = StillClip {
                    image: &frame_path,
                    overlay: Some(&caption_path),
                    size: req.aspect_ratio.hd_size(),
                    seconds: req.duration.get(),
                    tone_hz: Some(tone_hz(req)),
                    comment: Some(&record),
                };
                match &req.last_frame {
                    None => self.ffmpeg.animate(&clip, out, task).await,
                    Some(end) => {
                        let sub = TaskCtx::new(task.cancel.clone(), None);
                        match self.ffmpeg.animate(&clip, &body_path, &sub).await {
                            Ok(()) => {
                                continuation::end_on(
                                    &self.ffmpeg,
                                    &body_path,
                                    end,
                                    &clip,
                                    out,
                                    task,
                                )
                                .await
                            }
                            Err(e) => Err(e),
                        }
                    }
                }
            }
            Err(e) => Err(e),
        };
        for scratch in [&caption_path, &frame_path, &body_path] {
            let _ = tokio::fs::remove_file(scratch).await;
        }
        result
    }

    /// A real continuation from the clip's last frame (see [`continuation`]), within the
    /// offline family's extension rules (`models.toml`).
    async fn extend_clip(
        &self,
        req: &ExtendRequest,
        out: &Path,
        task: &TaskCtx,
    ) -> Result<(), MediaError> {
        let rules = ModelPlan::local(MODEL)?.video;
        let input = self.ffmpeg.probe(&req.clip).await?.duration;
        let problems = studio_catalog::check_extend(&rules, None, input, req.seconds);
        if !problems.is_empty() {
            let reasons: Vec<String> = problems.iter().map(ToString::to_string).collect();
            return Err(MediaError::CannotExtend {
                provider: MODEL.into(),
                model: MODEL.into(),
                reason: reasons.join("; "),
            });
        }
        continuation::extend(&self.ffmpeg, req, out, task).await
    }

    async fn speech_model(&self, _task: &TaskCtx) -> Result<String, MediaError> {
        Ok(MODEL.into())
    }

    /// espeak-ng in the voice's own variant and pitch, as a 24 kHz mono 16-bit WAV; counted
    /// like a speech model's call (text tokens in, 25 audio tokens a second out), at no cost.
    async fn speak(
        &self,
        req: &SpeechRequest,
        out: &Path,
        task: &TaskCtx,
    ) -> Result<SpeechAnswer, MediaError> {
        speech::speak(&self.ffmpeg, &self.espeak, req, out, task).await?;
        let seconds = self.ffmpeg.probe(out).await?.duration;
        let chars =
            req.text.chars().count() + req.style.as_deref().map_or(0, |s| s.chars().count());
        let usage = studio_catalog::Catalog::builtin()
            .speech_estimate(MODEL, chars, seconds)
            .unwrap_or_default();
        tracing::debug!(voice = %req.voice, seconds, "spoke a line offline");
        Ok(SpeechAnswer {
            model: MODEL.into(),
            seconds,
            usage,
        })
    }

    async fn music_model(&self, _task: &TaskCtx) -> Result<String, MediaError> {
        Ok(MODEL.into())
    }

    /// A synthesised bed exactly as long as asked, as a 48 kHz stereo 16-bit WAV.
    async fn make_music(
        &self,
        req: &MusicRequest,
        out: &Path,
        task: &TaskCtx,
    ) -> Result<MusicAnswer, MediaError> {
        music::make_bed(&self.ffmpeg, req, out, task).await?;
        let seconds = self.ffmpeg.probe(out).await?.duration;
        Ok(MusicAnswer {
            model: MODEL.into(),
            ext: "wav".into(),
            seconds,
            usage: studio_catalog::music_usage(MODEL),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use studio_core::AspectRatio;

    fn req(prompt: &str, angle: Angle) -> ImageRequest {
        ImageRequest {
            name: "Ava".into(),
            prompt: prompt.into(),
            angle,
            aspect_ratio: AspectRatio::Landscape,
            references: vec![],
            model: None,
        }
    }

    #[tokio::test]
    async fn images_are_deterministic_and_differ_by_prompt_and_angle() {
        let dir = tempfile::tempdir().unwrap();
        let p = OfflineProvider::new(Ffmpeg::from_env());
        let task = TaskCtx::detached();
        let mut bytes = Vec::new();
        for (i, r) in [
            req("a pilot", Angle::Front),
            req("a pilot", Angle::Front),
            req("a baker", Angle::Front),
            req("a pilot", Angle::Profile),
        ]
        .iter()
        .enumerate()
        {
            let out = dir.path().join(format!("{i}.png"));
            p.character_image(r, &out, &task).await.unwrap();
            bytes.push(std::fs::read(&out).unwrap());
        }
        assert_eq!(bytes[0], bytes[1]);
        assert_ne!(bytes[0], bytes[2]);
        assert_ne!(bytes[0], bytes[3]);
        let img = image::load_from_memory(&bytes[0]).unwrap();
        assert_eq!((img.width(), img.height()), (1280, 720));
    }

    /// An element's two views are real PNGs of the render's size, drawn apart from a
    /// character's (the same prompt as a face would be another picture), and unlike each other.
    #[tokio::test]
    async fn element_views_are_their_own_pictures() {
        let dir = tempfile::tempdir().unwrap();
        let p = OfflineProvider::new(Ffmpeg::from_env());
        let task = TaskCtx::detached();
        let mut bytes = Vec::new();
        for (i, angle) in [
            Angle::EstablishingWide,
            Angle::Reverse,
            Angle::ProductView,
            Angle::Detail,
            Angle::Front,
        ]
        .into_iter()
        .enumerate()
        {
            let out = dir.path().join(format!("{i}.png"));
            p.character_image(&req("a lighthouse on a cliff", angle), &out, &task)
                .await
                .unwrap();
            bytes.push(std::fs::read(&out).unwrap());
        }
        for (i, a) in bytes.iter().enumerate() {
            let img = image::load_from_memory(a).unwrap();
            assert_eq!((img.width(), img.height()), (1280, 720));
            for b in &bytes[i + 1..] {
                assert_ne!(a, b, "view {i} is drawn like another");
            }
        }
        assert_eq!(
            Angle::views_of(studio_core::ElementKind::Location),
            [Angle::EstablishingWide, Angle::Reverse]
        );
        assert!(Angle::Detail.is_element_view() && !Angle::Profile.is_element_view());
    }

    #[tokio::test]
    async fn a_reference_that_is_not_an_image_is_a_clear_error() {
        let dir = tempfile::tempdir().unwrap();
        let bogus = dir.path().join("notes.png");
        std::fs::write(&bogus, b"not a picture").unwrap();
        let mut r = req("a pilot", Angle::Front);
        r.references.push(bogus);
        let p = OfflineProvider::new(Ffmpeg::from_env());
        let err = p
            .character_image(&r, &dir.path().join("o.png"), &TaskCtx::detached())
            .await
            .unwrap_err();
        assert!(err.to_string().contains("notes.png"), "{err}");
        assert!(!err.class().is_retryable());
    }
}
