// Delivery shapes and the crop window (pure, covered by Vitest): the presets' sizes (as
// studio-core's `ExportPreset::size`), which of them need a shot reframed, and where the crop
// window of a preset's shape sits over the player's letterboxed picture for a shot's x/y.
import type { AspectRatio, ExportPreset } from "./bindings";

export const PRESETS: readonly { preset: ExportPreset; label: string; short: string; width: number; height: number }[] = [
  { preset: "youtube", label: "YouTube 1920×1080", short: "16:9", width: 1920, height: 1080 },
  { preset: "youtube-4k", label: "YouTube 4K 3840×2160", short: "16:9 4K", width: 3840, height: 2160 },
  { preset: "shorts", label: "Shorts, Reels, TikTok 1080×1920", short: "9:16 Shorts", width: 1080, height: 1920 },
  { preset: "square", label: "Square 1080×1080", short: "1:1 square", width: 1080, height: 1080 },
  { preset: "portrait", label: "Portrait 4:5 1080×1350", short: "4:5 portrait", width: 1080, height: 1350 },
];

const info = (p: ExportPreset) => PRESETS.find((x) => x.preset === p) ?? PRESETS[0];
export const presetAspect = (p: ExportPreset) => info(p).width / info(p).height;
export const presetLabel = (p: ExportPreset) => info(p).label;
export const presetShort = (p: ExportPreset) => info(p).short;
export const projectAspect = (a: AspectRatio) => (a === "9:16" ? 9 / 16 : 16 / 9);

/** The presets whose shape differs from the project's: their shots are cropped (or fitted). */
export function reframedPresets(a: AspectRatio): ExportPreset[] {
  const own = projectAspect(a);
  return PRESETS.filter((p) => Math.abs(p.width / p.height - own) > 0.01).map((p) => p.preset);
}

export interface CropBox {
  left: number;
  top: number;
  width: number;
  height: number;
  /** Pixels the window moves from x = -1 to x = 1 (0: it spans the picture's width). */
  travelX: number;
  travelY: number;
}

/**
 * The crop window over a picture of aspect `picture`, letterboxed in a stage of `w`×`h`, for a
 * frame of aspect `target`, placed by `x`, `y` in -1..1 (0 centred): as tall as the picture
 * when the frame is narrower, as wide when it is wider.
 */
export function cropWindow(w: number, h: number, picture: number, target: number, x: number, y: number): CropBox {
  if (!(w > 0 && h > 0 && picture > 0 && target > 0)) return { left: 0, top: 0, width: 0, height: 0, travelX: 0, travelY: 0 };
  const pw = Math.min(w, h * picture);
  const ph = pw / picture;
  const px = (w - pw) / 2;
  const py = (h - ph) / 2;
  const cw = target < picture ? ph * target : pw;
  const ch = target < picture ? ph : pw / target;
  const travelX = pw - cw;
  const travelY = ph - ch;
  const cx = Math.max(-1, Math.min(1, Number.isFinite(x) ? x : 0));
  const cy = Math.max(-1, Math.min(1, Number.isFinite(y) ? y : 0));
  return { left: px + (travelX * (cx + 1)) / 2, top: py + (travelY * (cy + 1)) / 2, width: cw, height: ch, travelX, travelY };
}
