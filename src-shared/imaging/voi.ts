/**
 * Value-of-interest transforms (DICOM PS3.3 C.11.2): how modality values become grey levels.
 * Shared so the viewer (interactive window/level) and the model input render identically.
 */
export type VoiPreset =
  | { kind: 'window'; name: string; center: number; width: number }
  | { kind: 'lut'; name: string; firstMapped: number; data: number[]; bits: number };

/** The DICOM linear window function, to 0..255. */
export function windowLevel(value: number, center: number, width: number): number {
  const low = center - 0.5 - (width - 1) / 2;
  const high = center - 0.5 + (width - 1) / 2;
  if (value <= low) return 0;
  if (value > high) return 255;
  return ((value - (center - 0.5)) / (width - 1) + 0.5) * 255;
}

export function fullRangeWindow(min: number, max: number): VoiPreset {
  const width = Math.max(1, max - min + 1);
  return { kind: 'window', name: 'Full range', center: min + width / 2, width };
}

/**
 * Writes 8-bit grey levels for `values` into `out` every `stride` bytes (1 for grey, 4 for RGBA).
 * `invert` flips the result: true for MONOCHROME1 (shown inverted) unless the user inverts back.
 */
export function renderGrey(
  values: ArrayLike<number>,
  voi: VoiPreset,
  invert: boolean,
  out: Uint8Array | Uint8ClampedArray,
  stride = 1,
): void {
  const n = values.length;
  if (voi.kind === 'window') {
    const width = Math.max(1, voi.width);
    const low = voi.center - 0.5 - (width - 1) / 2;
    const high = voi.center - 0.5 + (width - 1) / 2;
    const scale = width > 1 ? 255 / (width - 1) : 0;
    const offset = voi.center - 0.5 - (width - 1) / 2;
    for (let i = 0; i < n; i++) {
      const v = values[i]!;
      let g = v <= low ? 0 : v > high ? 255 : (v - offset) * scale;
      if (invert) g = 255 - g;
      out[i * stride] = Math.round(g);
    }
    return;
  }
  const last = voi.data.length - 1;
  const scale = 255 / (2 ** voi.bits - 1);
  for (let i = 0; i < n; i++) {
    const index = Math.min(last, Math.max(0, Math.round(values[i]!) - voi.firstMapped));
    let g = voi.data[index]! * scale;
    if (invert) g = 255 - g;
    out[i * stride] = Math.round(Math.min(255, g));
  }
}
