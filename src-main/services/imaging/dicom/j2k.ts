import { DicomError } from './dicom-error';
import { J2K_DECODER_WASM } from './j2k-decoder-wasm';
import { cString, systemImports } from './standalone-wasm';

/** What native/openjpeg-wasm/j2k-decode.c exports. */
interface J2kExports {
  memory: WebAssembly.Memory;
  _initialize(): void;
  malloc(size: number): number;
  free(pointer: number): void;
  j2k_decode(data: number, size: number, width: number, height: number, y0: number, y1: number): number;
  j2k_error(): number;
  j2k_info(): number;
  j2k_pixels(): number;
}

/** Rows of a decoded image: samples interleaved, one byte each up to 8 bits of precision, else two (little endian). */
export interface J2kBand {
  bytes: Uint8Array;
  width: number;
  height: number;
  components: number;
  precision: number;
  signed: boolean;
}

/** Decodes rows [y0, y1) of a codestream in another thread; null when no other thread can. */
export type BandHelper = (data: Uint8Array, size: { width: number; height: number }, y0: number, y1: number) => Promise<J2kBand> | null;

/** Past this much wasm memory (after a very large image) the instance is dropped to give it back. */
const KEEP_MEMORY_BYTES = 256 * 1024 * 1024;
/** Images this large are decoded in two bands at once when another thread can take one: one JPEG 2000 image is one thread's work otherwise. */
const SPLIT_PIXELS = 1024 * 1024;

class J2kRefused extends Error {}

let compiled: WebAssembly.Module | null = null;
let instance: J2kExports | null = null;
let helper: BandHelper | null = null;

/** The decode worker lends its band helper here (the app's other core); tests and the CLI decode alone. */
export function setBandHelper(next: BandHelper | null): void {
  helper = next;
}

/** One instance per thread, made when first needed. */
function create(): J2kExports {
  compiled ??= new WebAssembly.Module(Buffer.from(J2K_DECODER_WASM, 'base64'));
  let memory: WebAssembly.Memory | null = null;
  const exports = new WebAssembly.Instance(
    compiled,
    systemImports(
      () => memory!,
      () => {
        throw new J2kRefused('the decoder attempted a system call');
      },
    ),
  ).exports as unknown as J2kExports;
  memory = exports.memory;
  exports._initialize();
  return exports;
}

/** Runs one call with the codestream in the instance's memory; a failure (or a trap) leaves the instance to be made afresh. */
function withCodestream<T>(data: Uint8Array, call: (wasm: J2kExports, input: number) => T): T {
  const wasm = (instance ??= create());
  try {
    const input = wasm.malloc(Math.max(1, data.length));
    if (input === 0) throw new J2kRefused('not enough memory for the compressed frame');
    new Uint8Array(wasm.memory.buffer).set(data, input);
    try {
      return call(wasm, input);
    } finally {
      wasm.free(input);
      if (wasm.memory.buffer.byteLength > KEEP_MEMORY_BYTES) instance = null;
    }
  } catch (error) {
    instance = null;
    if (error instanceof J2kRefused) throw new DicomError(`the JPEG 2000 data cannot be decoded (${error.message})`);
    if (error instanceof WebAssembly.RuntimeError) throw new DicomError(`the JPEG 2000 data cannot be decoded (the decoder stopped: ${error.message})`);
    throw error;
  }
}

function info(wasm: J2kExports): [number, number, number, number, number] {
  return Array.from(new Int32Array(wasm.memory.buffer, wasm.j2k_info(), 5)) as [number, number, number, number, number];
}

function refusal(wasm: J2kExports, size?: { width: number; height: number }): J2kRefused {
  const text = cString(wasm.memory, wasm.j2k_error());
  if (text === 'size' && size) {
    const [width, height] = info(wasm);
    return new J2kRefused(`the frame is ${width} × ${height} but the DICOM header says ${size.width} × ${size.height}`);
  }
  return new J2kRefused(text.trim());
}

/**
 * Rows [y0, y1) of the image (all of it when y1 is 0), refused unless the image is `size`: with
 * OpenJPEG 2.5 built to WebAssembly (native/openjpeg-wasm). A band is exactly those rows of a
 * whole decode (only the code-blocks it needs are decoded).
 */
export function decodeJ2kBand(data: Uint8Array, size: { width: number; height: number }, y0 = 0, y1 = 0): J2kBand {
  return withCodestream(data, (wasm, input) => {
    if (wasm.j2k_decode(input, data.length, size.width, size.height, y0, y1) !== 0) throw refusal(wasm, size);
    const [width, height, components, precision, signed] = info(wasm);
    const bytes = new Uint8Array(wasm.memory.buffer, wasm.j2k_pixels(), width * height * components * (precision > 8 ? 2 : 1)).slice();
    return { bytes, width, height, components, precision, signed: signed !== 0 };
  });
}

/**
 * Decodes a JPEG 2000 frame of `size` (the DICOM header's). A large one is decoded as two bands at
 * once, the lower one by the band helper on another thread, and the two joined (rows are
 * contiguous); if the helper fails, this thread decodes that band too.
 */
export async function decodeJ2k(data: Uint8Array, size: { width: number; height: number }): Promise<J2kBand> {
  if (!helper || size.width * size.height < SPLIT_PIXELS) return decodeJ2kBand(data, size);
  // The DICOM header's height: a codestream of any other size is refused by either band.
  const { height } = size;
  const middle = height >> 1;
  const lower = helper(data, size, middle, height)?.catch(() => null) ?? null;
  if (!lower) return decodeJ2kBand(data, size);
  const top = decodeJ2kBand(data, size, 0, middle);
  const bottom = (await lower) ?? decodeJ2kBand(data, size, middle, height);
  const bytes = new Uint8Array(top.bytes.length + bottom.bytes.length);
  bytes.set(top.bytes);
  bytes.set(bottom.bytes, top.bytes.length);
  return { ...top, bytes, height: top.height + bottom.height };
}
