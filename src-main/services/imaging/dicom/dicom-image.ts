import type { DataSet } from 'dicom-parser';
import { fullRangeWindow, renderGrey, type VoiPreset } from '@shared/imaging/voi';
import { decodeCompressed, inflateFrame, type DecodedFrame } from './codecs';
import { DicomError } from './dicom-error';
import { notApplicableReason, readMetadata, type DicomMetadata } from './dicom-metadata';
import { parseDicom, type ParsedDicom } from './dicom-parse';
import { DicomText } from './dicom-text';
import { linearGrey } from './grey-kernel';
import { encapsulatedFrame, nativeFrame, nativeFrameBits, pixelDataElement } from './frame-bytes';
import { readPixelModule, type PixelModule } from './pixel-module';
import { paletteRgb, paletteTriplets, pixelsFromDecoded, pixelsFromNative, type FramePixels } from './pixel-pipeline';
import { decodeRle } from './rle';
import { SOP_CLASS_NAMES } from './sop-class-names';
import { EXPLICIT_BIG_ENDIAN, transferSyntax } from './transfer-syntaxes';

export interface GreyImage {
  width: number;
  height: number;
  channels: 1 | 3;
  data: Uint8Array;
}

export interface DicomSummary {
  metadata: DicomMetadata;
  transferSyntaxUid: string;
  hasFileMeta: boolean;
  /** Why the pneumonia model must not score it; null when it may. */
  notApplicable: string | null;
  image: { width: number; height: number; frames: number; photometric: string; bitsStored: number; preview: GreyImage } | null;
}

/** One frame for the viewer: modality values (or colour) in the most compact exact type, with the file's windows. */
export interface DicomFrame {
  width: number;
  height: number;
  frames: number;
  frame: number;
  photometric: string;
  dtype: 'uint8' | 'int16' | 'uint16' | 'float32' | 'rgb8' | 'palette8' | 'palette16';
  data: Uint8Array;
  /** Palette colour: the RGB triplet of every possible index (256 or 65,536); `data` holds the indices. */
  palette?: Uint8Array;
  min: number;
  max: number;
  presets: VoiPreset[];
  defaultPreset: number;
  /** Patient Orientation (row direction\\column direction) and Image Laterality, for the viewer's markers. */
  orientation: string | null;
  laterality: string | null;
}

interface Opened {
  parsed: ParsedDicom;
  text: DicomText;
  module: PixelModule | null;
  /** What every frame of the file carries, read with its first frame. */
  frameHeader?: Pick<DicomFrame, 'orientation' | 'laterality'> & Pick<DicomMetadata, 'modality'>;
}

function open(bytes: Uint8Array): Opened | null {
  const parsed = parseDicom(bytes);
  if (!parsed) return null;
  const text = new DicomText(parsed.dataSet);
  const module = pixelDataElement(parsed.dataSet) ? readPixelModule(parsed.dataSet, (tag) => text.get(tag)) : null;
  return { parsed, text, module };
}

function openOrThrow(bytes: Uint8Array): Opened & { module: PixelModule } {
  const opened = open(bytes);
  if (!opened) throw new DicomError('not a DICOM file');
  if (!opened.module) throw new DicomError('this DICOM object has no image');
  return opened as Opened & { module: PixelModule };
}

/** Decodes frame `index` to modality values (grey) or 8-bit RGB. */
export async function framePixels(opened: Opened & { module: PixelModule }, index: number): Promise<FramePixels> {
  const { parsed, module } = opened;
  const dataSet: DataSet = parsed.dataSet;
  if (index < 0 || index >= module.frames) throw new DicomError(`frame ${index + 1} does not exist (the image has ${module.frames})`);
  const syntax = transferSyntax(parsed.transferSyntaxUid);
  if (!syntax) throw new DicomError(`transfer syntax ${parsed.transferSyntaxUid} is not supported`);
  const element = pixelDataElement(dataSet)!;
  const pixels = module.rows * module.columns;
  switch (syntax.encoding) {
    case 'native': {
      if (element.encapsulatedPixelData) throw new DicomError('the pixel data is encapsulated but the transfer syntax is uncompressed');
      const { bytes, bitOffset } = nativeFrame(dataSet, element, module, index);
      return pixelsFromNative(bytes, bitOffset, module, parsed.transferSyntaxUid === EXPLICIT_BIG_ENDIAN);
    }
    case 'rle': {
      const bytes = decodeRle(encapsulatedFrame(dataSet, element, module, index), pixels, module.samplesPerPixel, module.bitsAllocated);
      // RLE separates colour planes by design; the result is pixel-interleaved whatever Planar Configuration says.
      return pixelsFromNative(bytes, 0, module, false, false);
    }
    case 'deflated-frames': {
      const expected = Math.ceil(nativeFrameBits(module) / 8);
      const bytes = inflateFrame(encapsulatedFrame(dataSet, element, module, index), expected);
      if (bytes.length < expected) throw new DicomError(`the deflated frame holds ${bytes.length} of ${expected} bytes`);
      return pixelsFromNative(bytes, 0, module, false);
    }
    default: {
      const decoded: DecodedFrame = await decodeCompressed(syntax.encoding, encapsulatedFrame(dataSet, element, module, index), {
        bitsAllocated: module.bitsAllocated,
        photometric: module.photometric,
        width: module.columns,
        height: module.rows,
      });
      return pixelsFromDecoded(decoded, module, syntax.lossy);
    }
  }
}

const HU_PRESETS: VoiPreset[] = [
  { kind: 'window', name: 'Lung (C −600 / W 1500)', center: -600, width: 1500 },
  { kind: 'window', name: 'Bone (C 300 / W 2000)', center: 300, width: 2000 },
];

/** presetsFor's first, the default, without working out the frame's range unless the full range is that default. */
function defaultWindow(module: PixelModule, metadata: Pick<DicomMetadata, 'modality'>, pixels: Extract<FramePixels, { kind: 'grey' }>): VoiPreset {
  return module.voiPresets[0] ?? (metadata.modality === 'CT' ? HU_PRESETS[0]! : fullRangeWindow(pixels.min, pixels.max));
}

/** The file's windows and VOI LUTs first (the first is the default), then CT presets, then full range. */
export function presetsFor(module: PixelModule, metadata: Pick<DicomMetadata, 'modality'>, min: number, max: number): VoiPreset[] {
  return [...module.voiPresets, ...(metadata.modality === 'CT' ? HU_PRESETS : []), fullRangeWindow(min, max)];
}

function toGrey(pixels: FramePixels, module: PixelModule, voi: VoiPreset | undefined): GreyImage {
  const { width, height } = pixels;
  if (pixels.kind === 'rgb') return { width, height, channels: 3, data: pixels.rgb };
  if (pixels.kind === 'palette') return { width, height, channels: 3, data: paletteRgb(pixels) };
  const window = voi ?? fullRangeWindow(pixels.min, pixels.max);
  const invert = module.photometric === 'MONOCHROME1';
  const { indexed } = pixels;
  if (indexed) {
    // Each table entry rendered once (from the same 4-byte value a pixel would hold), then one lookup a pixel.
    const greyOf = new Uint8Array(indexed.table.length);
    renderGrey(new Float32Array(indexed.table), window, invert, greyOf);
    return { width, height, channels: 1, data: indexed.map(greyOf, new Uint8Array(width * height)) };
  }
  const data = new Uint8Array(width * height);
  renderGrey(pixels.values, window, invert, data);
  return { width, height, channels: 1, data };
}

/** Everything an import needs: metadata, whether the model applies, and the first frame rendered for the thumbnail. Null when not DICOM. */
export async function summarizeDicom(bytes: Uint8Array): Promise<DicomSummary | null> {
  const opened = open(bytes);
  if (!opened) return null;
  const { parsed, text, module } = opened;
  // The frames may all decode, but a data set cut off before its closing delimiter is a damaged
  // transfer: refuse it at import so the sender is asked again rather than trusting a partial file.
  if (parsed.dataSet.warnings?.some((w) => /missing sequence delimiter/.test(w))) {
    throw new DicomError('the file is truncated: the compressed pixel data ends without its closing sequence delimiter');
  }
  const metadata = readMetadata(parsed.dataSet, text);
  const sopClass = SOP_CLASS_NAMES[metadata.sopClassUid ?? ''] ?? null;
  let image: DicomSummary['image'] = null;
  if (module) {
    const first = await framePixels({ parsed, text, module }, 0);
    const voi = first.kind === 'grey' ? defaultWindow(module, metadata, first) : undefined;
    image = {
      width: module.columns,
      height: module.rows,
      frames: module.frames,
      photometric: module.photometric,
      bitsStored: module.bitsStored,
      preview: toGrey(first, module, voi),
    };
  }
  return {
    metadata,
    transferSyntaxUid: parsed.transferSyntaxUid,
    hasFileMeta: parsed.hasFileMeta,
    notApplicable: notApplicableReason(metadata, module !== null, sopClass),
    image,
  };
}

function allIntegers(values: Float32Array): boolean {
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (v !== Math.trunc(v)) return false;
  }
  return true;
}

type CompactFrame = Pick<DicomFrame, 'dtype' | 'data' | 'min' | 'max'>;

/** The frame in the smallest type that holds every value exactly, with its range. */
function compact(pixels: Extract<FramePixels, { kind: 'grey' }>): CompactFrame {
  const linear = pixels.linear && linearGrey(pixels.linear);
  if (linear) return linear;
  const typed = compactByTable(pixels);
  return { ...typed, min: pixels.min, max: pixels.max };
}

function compactByTable(pixels: Extract<FramePixels, { kind: 'grey' }>): Pick<DicomFrame, 'dtype' | 'data'> {
  const { indexed } = pixels;
  const bytes = (out: Int16Array | Uint16Array | Float32Array) => new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
  const indexedIntegers = indexed !== null && (pixels.wholeNumbers || indexed.integers());
  const stored = indexed?.asStored() ?? null;
  if (stored) return { dtype: stored.min >= -32768 && stored.max <= 32767 ? 'int16' : 'uint16', data: stored.data };
  if (indexed && indexedIntegers) {
    const count = pixels.width * pixels.height;
    // Through the table converted once, with the frame's range from the same pass. Every entry
    // fitting a type decides it at once; a uint16 frame whose values all stay below 32768 is int16
    // with the same bytes. Unused entries that do not fit are never read.
    const table = indexed.tableRange();
    if (table.min >= -32768 && table.max <= 32767) return { dtype: 'int16', data: bytes(indexed.mapWithRange(new Int16Array(indexed.table), new Int16Array(count))) };
    if (table.min >= 0 && table.max <= 65535) {
      const out = indexed.mapWithRange(new Uint16Array(indexed.table), new Uint16Array(count));
      return { dtype: indexed.range().max <= 32767 ? 'int16' : 'uint16', data: bytes(out) };
    }
    const { min, max } = indexed.range();
    if (min >= -32768 && max <= 32767) return { dtype: 'int16', data: bytes(indexed.mapWithRange(new Int16Array(indexed.table), new Int16Array(count))) };
    if (min >= 0 && max <= 65535) return { dtype: 'uint16', data: bytes(indexed.mapWithRange(new Uint16Array(indexed.table), new Uint16Array(count))) };
  }
  const { values, min, max } = pixels;
  // Infinities pass the integer test but never the range test.
  const integer = indexed ? indexedIntegers : pixels.wholeNumbers || allIntegers(values);
  if (integer && min >= -32768 && max <= 32767) return { dtype: 'int16', data: bytes(new Int16Array(values)) };
  if (integer && min >= 0 && max <= 65535) return { dtype: 'uint16', data: bytes(new Uint16Array(values)) };
  return { dtype: 'float32', data: bytes(values) };
}

/** A parsed DICOM file with an image: parse once, then decode any of its frames (decodeOpenedFrame). */
export type OpenedImage = Opened & { module: PixelModule };

export function openDicomImage(bytes: Uint8Array): OpenedImage {
  return openOrThrow(bytes);
}

export async function decodeDicomFrame(bytes: Uint8Array, index: number): Promise<DicomFrame> {
  return decodeOpenedFrame(openOrThrow(bytes), index);
}

export async function decodeOpenedFrame(opened: OpenedImage, index: number): Promise<DicomFrame> {
  const { module } = opened;
  const pixels = await framePixels(opened, index);
  const { orientation, laterality, modality } = frameHeader(opened);
  const base = { width: pixels.width, height: pixels.height, frames: module.frames, frame: index, photometric: module.photometric, orientation, laterality };
  if (pixels.kind === 'rgb') return { ...base, dtype: 'rgb8', data: pixels.rgb, min: 0, max: 255, presets: [], defaultPreset: 0 };
  if (pixels.kind === 'palette') {
    // A copy with a buffer of its own: the indices may be a view of the whole file, and this is sent to another thread.
    const { indices, table } = pixels;
    const data = new Uint8Array(indices.byteLength);
    data.set(new Uint8Array(indices.buffer, indices.byteOffset, indices.byteLength));
    const dtype = indices instanceof Uint16Array ? 'palette16' : 'palette8';
    return { ...base, dtype, data, palette: paletteTriplets(table), min: 0, max: 255, presets: [], defaultPreset: 0 };
  }
  const frame = compact(pixels);
  return { ...base, ...frame, presets: presetsFor(module, { modality }, frame.min, frame.max), defaultPreset: 0 };
}

function frameHeader(opened: OpenedImage): NonNullable<Opened['frameHeader']> {
  const { text, parsed } = opened;
  return (opened.frameHeader ??= {
    orientation: text.get('x00200020', parsed.dataSet)?.trim() || null,
    laterality: (text.get('x00200062', parsed.dataSet) ?? text.get('x00200060', parsed.dataSet))?.trim() || null,
    modality: readMetadata(parsed.dataSet, text).modality,
  });
}

/**
 * Model input: the first frame, windowed with the file's default (or full range), MONOCHROME1
 * inverted so bone is bright, colour reduced to luminance; 8-bit grey, one byte per pixel.
 */
export async function renderForModel(bytes: Uint8Array): Promise<GreyImage> {
  const opened = openOrThrow(bytes);
  const pixels = await framePixels(opened, 0);
  const metadata = readMetadata(opened.parsed.dataSet, opened.text);
  const voi = pixels.kind === 'grey' ? defaultWindow(opened.module, metadata, pixels) : undefined;
  const image = toGrey(pixels, opened.module, voi);
  if (image.channels === 1) return image;
  const grey = new Uint8Array(image.width * image.height);
  for (let i = 0; i < grey.length; i++) {
    grey[i] = Math.round(0.299 * image.data[i * 3]! + 0.587 * image.data[i * 3 + 1]! + 0.114 * image.data[i * 3 + 2]!);
  }
  return { width: image.width, height: image.height, channels: 1, data: grey };
}
