import { GREY_KERNEL_WASM } from './grey-kernel-wasm';

/** How a grey frame's integer samples become modality values when the transform is a rescale (no Modality LUT). */
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

/** The viewer's frame: the modality values' bytes, their type and range. */
export interface LinearGreyFrame {
  dtype: 'uint8' | 'int16' | 'uint16' | 'float32';
  data: Uint8Array;
  min: number;
  max: number;
}

type Pass = (...args: number[]) => void;

interface Kernel {
  memory: WebAssembly.Memory;
  transform: Pass;
  transformFloat: Pass;
  bytes: Pass;
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

/** The kernel's memory grown to at least `needed` bytes; false when it cannot grow that far. */
function fits(k: Kernel, needed: number): boolean {
  if (needed <= k.memory.buffer.byteLength) return true;
  try {
    k.memory.grow(Math.ceil((needed - k.memory.buffer.byteLength) / PAGE));
    return true;
  } catch {
    return false;
  }
}

/**
 * One pass of the kernel over the frame: the values written `bytesOut` bytes a pixel, and the
 * smallest and largest stored value. Null when the frame does not fit the kernel's memory.
 */
function run(k: Kernel, pass: Pass, source: LinearGreySource, bytesOut: number): { data: Uint8Array; low: number; high: number } | null {
  const { samples, count, shift, bitsStored: bits, signed, saturate, slope, intercept } = source;
  const wide = samples instanceof Uint16Array;
  const padded = Math.ceil(count / 8) * 8;
  const dst = SRC + Math.ceil((padded * (wide ? 2 : 1)) / 16) * 16;
  if (!fits(k, dst + padded * bytesOut)) return null;
  const memory = k.memory.buffer;
  // Padding repeats the first sample: it changes neither the range nor any pixel kept.
  const input = wide ? new Uint16Array(memory, SRC, padded) : new Uint8Array(memory, SRC, padded);
  input.set(samples.subarray(0, count));
  input.fill(samples[0]!, count);
  const bias = signed ? 0 : 0x8000;
  pass(SRC, dst, padded, shift, 2 ** bits - 1, signed ? 16 - bits : 0, saturate ? 1 : 0, bias, slope, bytesOut === 2 ? intercept | 0 : intercept, wide ? 1 : 0, RESULT);
  const lanes = new Int16Array(memory, RESULT, 16);
  let [low, high] = [Infinity, -Infinity];
  for (let lane = 0; lane < 8; lane++) {
    low = Math.min(low, lanes[lane]!);
    high = Math.max(high, lanes[lane + 8]!);
  }
  const stored = (lane: number) => (signed ? lane : (lane & 0xffff) ^ 0x8000);
  return { data: new Uint8Array(memory, dst, count * bytesOut).slice(), low: stored(low), high: stored(high) };
}

/**
 * Modality values of a grey frame whose transform is a rescale, eight pixels an instruction
 * (grey-kernel.wat): one pass writes them and finds the stored range, from which the values' range
 * follows (the rescale is monotonic). 8-bit unsigned samples without a rescale give uint8, an
 * integer rescale whose values fit 16 bits int16 or uint16, anything else float32, each value
 * exactly what the per-pixel arithmetic in doubles gives.
 * Null when the kernel does not apply (more than 16 bits stored) or is unavailable; the table path
 * in pixel-pipeline.ts then does the work.
 */
export function linearGrey(source: LinearGreySource): LinearGreyFrame | null {
  const { samples, count, shift, bitsStored: bits, slope, intercept } = source;
  if (!Number.isFinite(slope) || !Number.isFinite(intercept)) return null;
  if (bits < 1 || bits > 16 || shift < 0 || shift + bits > 16 || count < 1 || samples.length < count) return null;
  const k = kernel();
  if (!k) return null;
  if (samples instanceof Uint8Array && bits <= 8 && shift === 0 && !source.signed && slope === 1 && intercept === 0) return storedBytes(k, samples, source);
  const range = (low: number, high: number) => {
    const [a, b] = [low * slope + intercept, high * slope + intercept];
    return { min: Math.min(a, b), max: Math.max(a, b) };
  };
  if (Number.isInteger(slope) && Number.isInteger(intercept) && Math.abs(slope) <= 0x7fff && Math.abs(intercept) <= 0x7fffffff) {
    const pass = run(k, k.transform, source, 2);
    if (!pass) return null;
    const { min, max } = range(pass.low, pass.high);
    // 16-bit arithmetic wraps: its bits are the values exactly when they fit one of the two types.
    const dtype = min >= -32768 && max <= 32767 ? 'int16' : min >= 0 && max <= 65535 ? 'uint16' : null;
    if (dtype) return { dtype, data: pass.data, min, max };
  }
  const pass = run(k, k.transformFloat, source, 4);
  return pass && { dtype: 'float32', data: pass.data, ...range(pass.low, pass.high) };
}

/**
 * 8-bit unsigned samples shown as stored (no rescale): the values are the samples themselves, one
 * byte each, half the size of int16 (1-bit and 8-bit grey: segmentations, secondary captures).
 * The kernel masks them to the stored bits and finds their range, sixteen bytes at a time.
 */
function storedBytes(k: Kernel, samples: Uint8Array, source: LinearGreySource): LinearGreyFrame | null {
  const { count, bitsStored: bits, saturate } = source;
  const padded = Math.ceil(count / 16) * 16;
  if (!fits(k, SRC + padded)) return null;
  const input = new Uint8Array(k.memory.buffer, SRC, padded);
  input.set(samples.subarray(0, count));
  input.fill(samples[0]!, count);
  k.bytes(SRC, padded, 2 ** bits - 1, saturate ? 1 : 0, RESULT);
  const lanes = new Uint8Array(k.memory.buffer, RESULT, 32);
  return { dtype: 'uint8', data: input.slice(0, count), min: Math.min(...lanes.subarray(0, 16)), max: Math.max(...lanes.subarray(16)) };
}
