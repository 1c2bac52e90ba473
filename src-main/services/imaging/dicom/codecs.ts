import { createRequire } from 'node:module';
import { inflateRawSync } from 'node:zlib';
import { CODEC_WASM, codecWasmPath } from './codec-files';
import { DicomError } from './dicom-error';
import { decodeJpeg12, jpegFrameHeader } from './jpeg12';
import { decodeJpeg8 } from './jpeg8';
import { decodeJ2k } from './j2k';
import type { PixelEncoding } from './transfer-syntaxes';

/** What every emscripten codec build from cornerstonejs exposes. */
interface WasmDecoder {
  getEncodedBuffer(length: number): Uint8Array;
  decode(): void;
  getDecodedBuffer(): Uint8Array;
  getFrameInfo(): { width: number; height: number; bitsPerSample: number; componentCount: number; isSigned?: boolean };
  getInterleaveMode?(): number;
  delete(): void;
}
type DecoderClass = new () => WasmDecoder;
interface LosslessDecoder {
  decode(buffer: ArrayBuffer, offset: number, length: number, numBytes?: number): Uint8Array | Uint16Array;
  xDim: number;
  yDim: number;
  numComp: number;
}

/** A decoded codestream: samples packed little endian, 8 or 16 bits each, pixel-interleaved. */
export interface DecodedFrame {
  bytes: Uint8Array;
  width: number;
  height: number;
  bitsPerSample: number;
  components: number;
  /** Colour already converted to RGB by the codec (JPEG YCbCr, JPEG 2000 multi-component transform). */
  rgb: boolean;
  signed?: boolean;
}

const requireCodec = createRequire(import.meta.url);

interface Codecs {
  charls: DecoderClass;
  openjph: DecoderClass;
}

let loading: Promise<Codecs> | null = null;

/** Loads the wasm codecs once per process (each worker has its own copy). */
export function loadCodecs(): Promise<Codecs> {
  loading ??= (async () => {
    // OpenJPEG reports progress on stdout; the app's output stays clean. Emscripten adopts the
    // options object as its module, so each codec gets its own; locateFile points it at the .wasm
    // outside the asar archive (see codec-files.ts).
    const factory = (id: string, wasm: keyof typeof CODEC_WASM) =>
      (requireCodec(id) as (options: object) => Promise<Record<string, DecoderClass>>)({
        print: () => {},
        printErr: () => {},
        locateFile: () => codecWasmPath(wasm),
      });
    const [charls, openjph] = await Promise.all([
      factory('@cornerstonejs/codec-charls/decodewasmjs', 'charls'),
      factory('@cornerstonejs/codec-openjph/wasmjs', 'openjph'),
    ]);
    return {
      charls: charls!.JpegLSDecoder!,
      openjph: openjph!.HTJ2KDecoder!,
    };
  })();
  return loading;
}

// A fresh decoder for every stream: a kept one carries the last stream's header over, and decoded a
// JPEG 2000 stream whose size marker was destroyed as if it were the previous image.
function runWasm(Decoder: DecoderClass, data: Uint8Array, rgb: boolean, name: string): DecodedFrame {
  const decoder = new Decoder();
  try {
    decoder.getEncodedBuffer(data.length).set(data);
    try {
      decoder.decode();
    } catch (error) {
      throw new DicomError(`the ${name} data cannot be decoded (${describeWasmError(error)})`);
    }
    const info = decoder.getFrameInfo();
    const decoded = decoder.getDecodedBuffer();
    let bytes: Uint8Array = new Uint8Array(decoded);
    // CharLS keeps colour planes separate when the stream is not interleaved.
    if (info.componentCount === 3 && decoder.getInterleaveMode?.() === 0) bytes = interleave(bytes, info.width * info.height, info.bitsPerSample > 8 ? 2 : 1);
    return { bytes, width: info.width, height: info.height, bitsPerSample: info.bitsPerSample, components: info.componentCount, rgb, signed: info.isSigned };
  } finally {
    decoder.delete();
  }
}

function describeWasmError(error: unknown): string {
  if (error instanceof Error) return error.message;
  return typeof error === 'number' ? `codec error ${error}` : String(error);
}

export function interleave(planar: Uint8Array, pixels: number, bytesPerSample: number): Uint8Array {
  const out = new Uint8Array(planar.length);
  const plane = pixels * bytesPerSample;
  for (let p = 0; p < pixels; p++) {
    for (let c = 0; c < 3; c++) {
      for (let b = 0; b < bytesPerSample; b++) out[(p * 3 + c) * bytesPerSample + b] = planar[c * plane + p * bytesPerSample + b]!;
    }
  }
  return out;
}

function jpegLossless(data: Uint8Array, bitsAllocated: number): DecodedFrame {
  const { Decoder } = requireCodec('jpeg-lossless-decoder-js') as { Decoder: new () => LosslessDecoder };
  const decoder = new Decoder();
  // A copy, not a view: the decoder reads the whole ArrayBuffer from offset 0.
  const copy = new Uint8Array(data);
  let samples: Uint8Array | Uint16Array;
  try {
    samples = decoder.decode(copy.buffer, 0, copy.length, bitsAllocated > 8 ? 2 : 1);
  } catch (error) {
    throw new DicomError(`the JPEG Lossless data cannot be decoded (${describeWasmError(error)})`);
  }
  const bytes = new Uint8Array(samples.buffer, samples.byteOffset, samples.byteLength);
  return { bytes, width: decoder.xDim, height: decoder.yDim, bitsPerSample: bitsAllocated > 8 ? 16 : 8, components: decoder.numComp, rgb: false };
}

export interface FrameContext {
  bitsAllocated: number;
  /** The frame's size from the DICOM header (Columns, Rows). */
  width: number;
  height: number;
  /** JPEG baseline colour: YBR photometrics are converted by libjpeg-turbo; RGB-labelled streams may also be YCbCr. */
  photometric: string;
}

/** The size in a JPEG 2000 or HTJ2K codestream's SIZ marker (right after its start), or null. */
function sizMarkerSize(data: Uint8Array): { width: number; height: number } | null {
  if (data.length < 24 || data[0] !== 0xff || data[1] !== 0x4f || data[2] !== 0xff || data[3] !== 0x51) return null;
  const view = new DataView(data.buffer, data.byteOffset, 24);
  return { width: view.getUint32(8) - view.getUint32(16), height: view.getUint32(12) - view.getUint32(20) };
}

/**
 * Refuses a frame whose codestream says it is another size than the DICOM header before a codec
 * reserves memory for it: a forged header must not make a decode worker allocate gigabytes. (A
 * frame of the right size that decodes to another one is still caught after decoding.)
 */
function checkSize(found: { width: number; height: number } | null, context: FrameContext, name: string): void {
  if (found && (found.width !== context.width || found.height !== context.height)) {
    throw new DicomError(`the ${name} frame is ${found.width} × ${found.height} but the DICOM header says ${context.width} × ${context.height}`);
  }
}

/** JPEG Baseline and Extended: 8-bit streams through our libjpeg-turbo build, 12-bit through dcmjs-codecs'. */
function jpegBaseline(data: Uint8Array, context: FrameContext): DecodedFrame | Promise<DecodedFrame> {
  const header = jpegFrameHeader(data);
  if (header?.precision === 12) {
    checkSize(header, context, 'JPEG');
    return decodeJpeg12(data, header);
  }
  if (header && header.precision !== 8) throw new DicomError(`JPEG with ${header.precision}-bit samples is not a baseline or extended JPEG`);
  const { bytes, width, height, components } = decodeJpeg8(data, context);
  return { bytes, width, height, bitsPerSample: 8, components, rgb: true, signed: false };
}

/** Decodes one compressed frame. Native (uncompressed) frames never come here. */
export async function decodeCompressed(encoding: PixelEncoding, data: Uint8Array, context: FrameContext): Promise<DecodedFrame> {
  if (data.length === 0) throw new DicomError('the compressed frame is empty');
  if (encoding === 'jpeg-baseline') return jpegBaseline(data, context);
  if (encoding === 'jpeg2000') {
    // Before OpenJPEG reads the header: a forged size with small tiles has it set up millions of tiles.
    checkSize(sizMarkerSize(data), context, 'JPEG 2000');
    const { bytes, width, height, components, precision, signed } = await decodeJ2k(data, context);
    // OpenJPEG applies the multi-component transform (YBR_RCT, YBR_ICT): colour comes out RGB.
    return { bytes, width, height, bitsPerSample: precision, components, rgb: true, signed };
  }
  const codecs = await loadCodecs();
  switch (encoding) {
    case 'jpeg-lossless':
      checkSize(jpegFrameHeader(data), context, 'JPEG Lossless');
      return jpegLossless(data, context.bitsAllocated);
    case 'jpeg-ls':
      checkSize(jpegFrameHeader(data), context, 'JPEG-LS');
      return runWasm(codecs.charls, data, false, 'JPEG-LS');
    case 'htj2k':
      checkSize(sizMarkerSize(data), context, 'HTJ2K');
      return runWasm(codecs.openjph, data, true, 'HTJ2K');
    case 'rle':
    case 'deflated-frames':
    case 'native':
      throw new DicomError(`${encoding} frames are unpacked as native pixel data`);
  }
}

export function inflateFrame(data: Uint8Array, expectedBytes: number): Uint8Array {
  try {
    return inflateRawSync(data, { maxOutputLength: Math.max(expectedBytes, 1) });
  } catch (error) {
    throw new DicomError(`the deflated frame cannot be inflated (${(error as Error).message})`);
  }
}
