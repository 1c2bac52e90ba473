import { DicomError } from './dicom-error';
import { JPEG_DECODER_WASM } from './jpeg-decoder-wasm';
import { cString, systemImports } from './standalone-wasm';

/** What native/libjpeg-wasm/jpeg-decode.c exports. */
interface JpegExports {
  memory: WebAssembly.Memory;
  _initialize(): void;
  malloc(size: number): number;
  free(pointer: number): void;
  decode_jpeg(data: number, size: number, info: number, width: number, height: number): number;
}

export interface Jpeg8Frame {
  /** Interleaved RGB for three components, grey for one; 8 bits a sample. */
  bytes: Uint8Array;
  width: number;
  height: number;
  components: 1 | 3;
}

/** libjpeg's own message for a stream it refused. */
class JpegRefused extends Error {}

/** Past this much wasm memory (after a very large image) the instance is dropped to give it back. */
const KEEP_MEMORY_BYTES = 256 * 1024 * 1024;

let compiled: WebAssembly.Module | null = null;
let instance: JpegExports | null = null;

/** One instance per thread, made when first needed: the module compiles once (a few ms), instances are cheap. */
function create(): JpegExports {
  compiled ??= new WebAssembly.Module(Buffer.from(JPEG_DECODER_WASM, 'base64'));
  let memory: WebAssembly.Memory | null = null;
  const system = systemImports(
    () => memory!,
    () => {
      throw new JpegRefused('the decoder attempted a system call');
    },
  );
  const exports = new WebAssembly.Instance(compiled, {
    ...system,
    env: {
      ...system.env,
      jpeg_fail: (message: number) => {
        throw new JpegRefused(cString(memory!, message));
      },
    },
  }).exports as unknown as JpegExports;
  memory = exports.memory;
  exports._initialize();
  return exports;
}

/**
 * Decodes an 8-bit JPEG stream (DICOM JPEG Baseline and 8-bit Extended) with libjpeg-turbo built to
 * WebAssembly with SIMD (native/libjpeg-wasm): the same pixels as Pillow and libvips. Damaged data
 * is refused with libjpeg's reason rather than shown half grey; so is a stream whose size is not
 * `expected` (the DICOM header's), before its pixels are allocated.
 */
export function decodeJpeg8(data: Uint8Array, expected?: { width: number; height: number }): Jpeg8Frame {
  const wasm = (instance ??= create());
  let input = 0;
  let output = 0;
  try {
    // Input, then three ints of frame info after it (4-byte aligned).
    const infoOffset = (data.length + 3) & ~3;
    input = wasm.malloc(infoOffset + 12);
    if (input === 0) throw new JpegRefused('not enough memory for the compressed frame');
    new Uint8Array(wasm.memory.buffer).set(data, input);
    output = wasm.decode_jpeg(input, data.length, input + infoOffset, expected?.width ?? 0, expected?.height ?? 0);
    const [width, height, components] = new Int32Array(wasm.memory.buffer, input + infoOffset, 3);
    const bytes = new Uint8Array(wasm.memory.buffer, output, width! * height! * components!).slice();
    wasm.free(output);
    wasm.free(input);
    if (wasm.memory.buffer.byteLength > KEEP_MEMORY_BYTES) instance = null;
    return { bytes, width: width!, height: height!, components: components as 1 | 3 };
  } catch (error) {
    // A failed decode leaves the instance's stack and heap mid-call: the next frame gets a fresh one.
    instance = null;
    if (error instanceof JpegRefused) throw new DicomError(`the JPEG data cannot be decoded (${error.message})`);
    throw error;
  }
}
