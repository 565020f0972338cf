//! Tiny deterministic drawing for the offline provider: gradients, ellipses and 8x8 bitmap text.
//! No font files, so output depends only on the prompt.

use font8x8::UnicodeFonts;
use image::{Rgb, RgbImage};

/// A colour derived from bytes of a hash.
pub fn color(bytes: &[u8]) -> Rgb<u8> {
    Rgb([bytes[0], bytes[1], bytes[2]])
}

pub fn vertical_gradient(img: &mut RgbImage, top: Rgb<u8>, bottom: Rgb<u8>) {
    let h = img.height().max(2) - 1;
    for (_, y, px) in img.enumerate_pixels_mut() {
        let t = y as f32 / h as f32;
        let mix = |a: u8, b: u8| (a as f32 * (1.0 - t) + b as f32 * t) as u8;
        *px = Rgb([
            mix(top[0], bottom[0]),
            mix(top[1], bottom[1]),
            mix(top[2], bottom[2]),
        ]);
    }
}

pub fn fill_ellipse(img: &mut RgbImage, cx: i32, cy: i32, rx: i32, ry: i32, c: Rgb<u8>) {
    let (w, h) = (img.width() as i32, img.height() as i32);
    for y in (cy - ry).max(0)..(cy + ry).min(h) {
        for x in (cx - rx).max(0)..(cx + rx).min(w) {
            let dx = (x - cx) as f32 / rx as f32;
            let dy = (y - cy) as f32 / ry as f32;
            if dx * dx + dy * dy <= 1.0 {
                img.put_pixel(x as u32, y as u32, c);
            }
        }
    }
}

pub fn fill_rect(img: &mut RgbImage, x0: i32, y0: i32, w: i32, h: i32, c: Rgb<u8>) {
    for y in y0.max(0)..(y0 + h).min(img.height() as i32) {
        for x in x0.max(0)..(x0 + w).min(img.width() as i32) {
            img.put_pixel(x as u32, y as u32, c);
        }
    }
}

/// Darkens a rectangle (a backdrop for text).
pub fn shade_rect(img: &mut RgbImage, x0: i32, y0: i32, w: i32, h: i32) {
    for y in y0.max(0)..(y0 + h).min(img.height() as i32) {
        for x in x0.max(0)..(x0 + w).min(img.width() as i32) {
            let p = img.get_pixel_mut(x as u32, y as u32);
            for ch in p.0.iter_mut() {
                *ch /= 3;
            }
        }
    }
}

/// Draws one line of text with the 8x8 font at `scale`; unknown glyphs become '?'.
pub fn text(img: &mut RgbImage, x: i32, y: i32, scale: i32, s: &str, c: Rgb<u8>) {
    let mut cx = x;
    for ch in s.chars() {
        let glyph = font8x8::BASIC_FONTS
            .get(ch)
            .or_else(|| font8x8::LATIN_FONTS.get(ch))
            .or_else(|| font8x8::BASIC_FONTS.get('?'))
            .unwrap_or([0; 8]);
        for (row, bits) in glyph.iter().enumerate() {
            for col in 0..8 {
                if bits & (1 << col) != 0 {
                    fill_rect(
                        img,
                        cx + col * scale,
                        y + row as i32 * scale,
                        scale,
                        scale,
                        c,
                    );
                }
            }
        }
        cx += 8 * scale;
    }
}

/// Greedy word wrap to at most `max_lines` lines of `width` characters; overflow ends with "...".
pub fn wrap(s: &str, width: usize, max_lines: usize) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    for word in s.split_whitespace() {
        let word: String = word.chars().take(width).collect();
        if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > width {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(&word);
    }
    if !line.is_empty() {
        lines.push(line);
    }
    if lines.len() > max_lines {
        lines.truncate(max_lines);
        let last = lines.last_mut().expect("max_lines > 0");
        let keep: String = last.chars().take(width.saturating_sub(3)).collect();
        *last = format!("{keep}...");
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrap_respects_width_and_line_limit() {
        let lines = wrap("one two three four five six seven", 9, 2);
        assert_eq!(lines, vec!["one two", "three..."]);
        assert!(wrap("", 10, 3).is_empty());
        assert!(wrap("supercalifragilistic", 5, 2)[0].chars().count() <= 5);
    }
}
