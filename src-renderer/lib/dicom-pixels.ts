import type { DicomFrame } from '@shared/ipc/contract';
import { renderGrey, type VoiPreset } from '@shared/imaging/voi';
import { applyLut, applyLut8, buildLut, LUT_SIZE, lutIndices, paletteLut } from '@shared/imaging/window-lut';

/** The frame's modality values as a typed array (the bytes are little-endian, as every supported machine is). */
export function frameArray(frame: DicomFrame): ArrayLike<number> {
  const { data } = frame;
  const buffer = data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength);
  if (frame.dtype === 'int16') return new Int16Array(buffer);
  if (frame.dtype === 'uint16') return new Uint16Array(buffer);
  if (frame.dtype === 'float32') return new Float32Array(buffer);
  if (frame.dtype === 'palette16') return new Uint16Array(buffer);
  return data;
}

/**
 * One frame drawn again and again into the same RGBA pixels as the window changes: 8- and 16-bit
 * frames and palette colour through a lookup table (one read a pixel), float and RGB frames value
 * by value.
 */
export class FramePainter {
  readonly image: ImageData;
  private readonly words: Uint32Array;
  private readonly indices: Uint16Array | Uint8Array | null;
  private readonly values: ArrayLike<number> | null;
  private readonly lut = new Uint32Array(LUT_SIZE);
  private last: { voi: VoiPreset | null; invert: boolean } | null = null;

  constructor(private readonly frame: DicomFrame) {
    this.image = new ImageData(frame.width, frame.height);
    this.words = new Uint32Array(this.image.data.buffer);
    this.indices = lutIndices(frame.dtype, frame.data);
    this.values = this.indices ? null : frameArray(frame);
  }

  /** Grey through the VOI (inverted for MONOCHROME1 unless the user inverts back), colour as is. */
  paint(voi: VoiPreset | null, invert: boolean): ImageData {
    const { frame, image } = this;
    // Painted ahead (a prefetched study) with the window the viewer opens it in: nothing to redo.
    if (this.last?.voi === voi && this.last.invert === invert) return image;
    this.last = { voi, invert };
    const flip = (frame.photometric === 'MONOCHROME1') !== invert;
    if (frame.palette) {
      const indices = this.values as Uint8Array | Uint16Array;
      const lut = paletteLut(frame.palette, invert);
      if (indices instanceof Uint16Array) applyLut(indices, lut, this.words);
      else applyLut8(indices, lut, this.words);
    } else if (this.indices instanceof Uint8Array && voi) {
      applyLut8(this.indices, buildLut(voi, flip, false, this.lut, 256), this.words);
    } else if (this.indices instanceof Uint16Array && voi) {
      applyLut(this.indices, buildLut(voi, flip, frame.dtype === 'int16', this.lut), this.words);
    } else if (frame.dtype === 'rgb8') {
      drawRgb(this.values!, invert, image);
    } else {
      drawGrey(this.values!, voi!, flip, image);
    }
    return image;
  }
}

const painters = new WeakMap<DicomFrame, FramePainter>();

/** One painter a frame, so a frame painted ahead is not painted again when the viewer shows it. */
export function painterFor(frame: DicomFrame): FramePainter {
  let painter = painters.get(frame);
  if (!painter) painters.set(frame, (painter = new FramePainter(frame)));
  return painter;
}

function drawRgb(values: ArrayLike<number>, invert: boolean, out: ImageData): void {
  const rgba = out.data;
  const n = out.width * out.height;
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < 3; c++) {
      const v = values[i * 3 + c]!;
      rgba[i * 4 + c] = invert ? 255 - v : v;
    }
    rgba[i * 4 + 3] = 255;
  }
}

function drawGrey(values: ArrayLike<number>, voi: VoiPreset, flip: boolean, out: ImageData): void {
  const rgba = out.data;
  const n = out.width * out.height;
  renderGrey(values, voi, flip, rgba, 4);
  for (let i = 0; i < n; i++) {
    const g = rgba[i * 4]!;
    rgba[i * 4 + 1] = g;
    rgba[i * 4 + 2] = g;
    rgba[i * 4 + 3] = 255;
  }
}
