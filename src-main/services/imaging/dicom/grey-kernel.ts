import { GREY_KERNEL_WASM } from './grey-kernel-wasm';

/** How a grey frame's integer samples become modality values when the transform is an integer rescale. */
export interface LinearGreySource {
  samples: Uint8Array | Uint16Array;
  count: number;
  /** Bits below the stored ones (High Bit − Bits Stored + 1). */
  shift: number;
  bitsStored: number;
  signed: boolean;
  /** Unsigned lossy data: values above the stored bits clamp instead of wrapping. */
  saturate: boolean;
  slope: number;
  intercept: number;
}

/** The viewer's 2-byte frame: the modality values' bytes, their type and range. */
export interface LinearGreyFrame {
  dtype: 'int16' | 'uint16';
  data: Uint8Array;
  min: number;
  max: number;
}

interface Kernel {
  memory: WebAssembly.Memory;
  transform: (...args: number[]) => void;
}

const RESULT = 0;
const SRC = 64;
const PAGE = 65536;

let loaded: Kernel | null | undefined;

/** The kernel, compiled once per thread; null where WebAssembly SIMD is missing (the scalar path then does the work). */
function kernel(): Kernel | null {
  if (loaded === undefined) {
    try {
      loaded = new WebAssembly.Instance(new WebAssembly.Module(Buffer.from(GREY_KERNEL_WASM, 'base64'))).exports as unknown as Kernel;
    } catch {
      loaded = null;
    }
  }
  return loaded;
}

/**
 * Modality values of an integer-rescaled grey frame, eight pixels an instruction (grey-kernel.wat):
 * one pass writes them as 16-bit integers and finds the stored range, from which the values' range
 * follows. Null when the kernel does not apply (a fractional rescale, more than 16 bits, values
 * outside both 16-bit types) or is unavailable; the table path in pixel-pipeline.ts then decides.
 */
export function linearGrey(source: LinearGreySource): LinearGreyFrame | null {
  const { samples, count, shift, bitsStored: bits, signed, saturate, slope, intercept } = source;
  if (!Number.isInteger(slope) || !Number.isInteger(intercept) || Math.abs(slope) > 0x7fff || Math.abs(intercept) > 0x7fffffff) return null;
  if (bits < 1 || bits > 16 || shift < 0 || shift + bits > 16 || count < 1 || samples.length < count) return null;
  const k = kernel();
  if (!k) return null;
  const wide = samples instanceof Uint16Array;
  const padded = Math.ceil(count / 8) * 8;
  const dst = SRC + Math.ceil((padded * (wide ? 2 : 1)) / 16) * 16;
  const needed = dst + padded * 2;
  if (needed > k.memory.buffer.byteLength) {
    try {
      k.memory.grow(Math.ceil((needed - k.memory.buffer.byteLength) / PAGE));
    } catch {
      return null;
    }
  }
  const memory = k.memory.buffer;
  // Padding repeats the first sample: it changes neither the range nor any pixel kept.
  const input = wide ? new Uint16Array(memory, SRC, padded) : new Uint8Array(memory, SRC, padded);
  input.set(samples.subarray(0, count));
  input.fill(samples[0]!, count);
  const bias = signed ? 0 : 0x8000;
  const mask = 2 ** bits - 1;
  k.transform(SRC, dst, padded, shift, mask, signed ? 16 - bits : 0, saturate ? 1 : 0, bias, slope, intercept | 0, wide ? 1 : 0, RESULT);
  const lanes = new Int16Array(memory, RESULT, 16);
  let [low, high] = [Infinity, -Infinity];
  for (let lane = 0; lane < 8; lane++) {
    low = Math.min(low, lanes[lane]!);
    high = Math.max(high, lanes[lane + 8]!);
  }
  const stored = (lane: number) => (signed ? lane : (lane & 0xffff) ^ 0x8000);
  const [a, b] = [stored(low) * slope + intercept, stored(high) * slope + intercept];
  const [min, max] = [Math.min(a, b), Math.max(a, b)];
  const dtype = min >= -32768 && max <= 32767 ? 'int16' : min >= 0 && max <= 65535 ? 'uint16' : null;
  if (!dtype) return null;
  return { dtype, data: new Uint8Array(memory, dst, count * 2).slice(), min, max };
}
