import type { DicomFrame } from '@shared/ipc/contract';
import { renderGrey, type VoiPreset } from '@shared/imaging/voi';

/** The frame's modality values as a typed array (the bytes are little-endian, as every supported machine is). */
export function frameArray(frame: DicomFrame): ArrayLike<number> {
  const { data } = frame;
  const buffer = data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength);
  if (frame.dtype === 'int16') return new Int16Array(buffer);
  if (frame.dtype === 'uint16') return new Uint16Array(buffer);
  if (frame.dtype === 'float32') return new Float32Array(buffer);
  return data;
}

/** Draws one frame into RGBA pixels: grey through the VOI (inverted for MONOCHROME1 unless the user inverts back), colour as is. */
export function drawFrame(frame: DicomFrame, values: ArrayLike<number>, voi: VoiPreset | null, invert: boolean, out: ImageData): void {
  const rgba = out.data;
  const n = frame.width * frame.height;
  if (frame.dtype === 'rgb8') {
    for (let i = 0; i < n; i++) {
      for (let c = 0; c < 3; c++) {
        const v = values[i * 3 + c]!;
        rgba[i * 4 + c] = invert ? 255 - v : v;
      }
      rgba[i * 4 + 3] = 255;
    }
    return;
  }
  renderGrey(values, voi!, (frame.photometric === 'MONOCHROME1') !== invert, rgba, 4);
  for (let i = 0; i < n; i++) {
    const g = rgba[i * 4]!;
    rgba[i * 4 + 1] = g;
    rgba[i * 4 + 2] = g;
    rgba[i * 4 + 3] = 255;
  }
}
