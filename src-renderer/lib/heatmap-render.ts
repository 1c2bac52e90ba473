/** Below this share of its own peak the heatmap is not drawn, so the picture stays readable where the model was quiet. */
export const HEATMAP_CUTOFF = 0.5;
/** Above the cut-off the colour fades in over this share of the peak, so the edge is soft, not a hard blob. */
const FADE = 0.15;
/** The most opaque the colour gets; the viewer's opacity slider scales it further. */
const MAX_ALPHA = 0.85;
/** Rendered size of the upsampled map; the overlay's CSS stretches it over the image, as the model stretched the image to its input. */
export const HEATMAP_RENDER_SIZE = 256;

/** Jet, the usual Grad-CAM scale: t = 0 (the cut-off) blue, through green and yellow, to red at the peak. */
export function heatmapColour(t: number): [number, number, number] {
  const channel = (v: number) => Math.round(255 * Math.min(1, Math.max(0, v)));
  return [channel(1.5 - Math.abs(4 * t - 3)), channel(1.5 - Math.abs(4 * t - 2)), channel(1.5 - Math.abs(4 * t - 1))];
}

/** Bilinear sample of a grey map at fractional pixel coordinates (pixel centres at .5), edges clamped. */
function sample(values: Float32Array, width: number, height: number, x: number, y: number): number {
  const fx = Math.min(width - 1, Math.max(0, x - 0.5));
  const fy = Math.min(height - 1, Math.max(0, y - 0.5));
  const x0 = Math.floor(fx);
  const y0 = Math.floor(fy);
  const x1 = Math.min(width - 1, x0 + 1);
  const y1 = Math.min(height - 1, y0 + 1);
  const ax = fx - x0;
  const ay = fy - y0;
  const top = values[y0 * width + x0]! * (1 - ax) + values[y0 * width + x1]! * ax;
  const bottom = values[y1 * width + x0]! * (1 - ax) + values[y1 * width + x1]! * ax;
  return top * (1 - ay) + bottom * ay;
}

/**
 * Colours a small grey heatmap (the model's 14 x 14 Grad-CAM) into `out`, smoothly upsampled:
 * values relative to the map's own peak, nothing below the cut-off, fading in just above it.
 */
export function renderHeatmap(grey: ImageData, out: ImageData): void {
  const { width, height } = grey;
  const values = new Float32Array(width * height);
  let peak = 0;
  for (let i = 0; i < values.length; i++) {
    values[i] = grey.data[i * 4]!;
    peak = Math.max(peak, values[i]!);
  }
  const rgba = out.data;
  rgba.fill(0);
  if (peak === 0) return;
  const sx = width / out.width;
  const sy = height / out.height;
  for (let y = 0; y < out.height; y++) {
    for (let x = 0; x < out.width; x++) {
      const relative = sample(values, width, height, (x + 0.5) * sx, (y + 0.5) * sy) / peak;
      if (relative < HEATMAP_CUTOFF) continue;
      const t = (relative - HEATMAP_CUTOFF) / (1 - HEATMAP_CUTOFF);
      const [r, g, b] = heatmapColour(t);
      const i = (y * out.width + x) * 4;
      rgba[i] = r;
      rgba[i + 1] = g;
      rgba[i + 2] = b;
      rgba[i + 3] = Math.round(255 * MAX_ALPHA * Math.min(1, (relative - HEATMAP_CUTOFF) / FADE));
    }
  }
}
