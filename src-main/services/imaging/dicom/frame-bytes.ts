import dicomParser, { type DataSet, type Element } from 'dicom-parser';
import { DicomError } from './dicom-error';
import type { PixelModule } from './pixel-module';

export function pixelDataElement(dataSet: DataSet): Element | undefined {
  return dataSet.elements.x7fe00010 ?? dataSet.elements.x7fe00008 ?? dataSet.elements.x7fe00009;
}

/** Bits one native frame occupies (YBR_FULL_422 stores two chroma samples per two pixels). */
export function nativeFrameBits(module: PixelModule): number {
  const pixels = module.rows * module.columns;
  const samples = module.photometric === 'YBR_FULL_422' ? 2 : module.samplesPerPixel;
  const bits = module.float === 'float32' ? 32 : module.float === 'float64' ? 64 : module.bitsAllocated;
  return pixels * samples * bits;
}

/**
 * One native frame's bytes. 1-bit frames need not start on a byte boundary, so they come back
 * with the bit offset at which the frame starts inside the returned bytes.
 */
export function nativeFrame(dataSet: DataSet, element: Element, module: PixelModule, frame: number): { bytes: Uint8Array; bitOffset: number } {
  const frameBits = nativeFrameBits(module);
  const needed = Math.ceil((frameBits * module.frames) / 8);
  const available = Math.min(element.length, dataSet.byteArray.length - element.dataOffset);
  if (available < needed) {
    throw new DicomError(`the pixel data is truncated: ${available} of ${needed} bytes present`);
  }
  const startBit = frameBits * frame;
  const start = element.dataOffset + Math.floor(startBit / 8);
  return { bytes: dataSet.byteArray.subarray(start, start + Math.ceil(frameBits / 8) + 1), bitOffset: startBit % 8 };
}

function startsCodestream(dataSet: DataSet, offset: number): boolean {
  const b = dataSet.byteArray;
  // JPEG / JPEG-LS start of image, or JPEG 2000 start of codestream.
  return b[offset] === 0xff && (b[offset + 1] === 0xd8 || b[offset + 1] === 0x4f);
}

/** One frame's compressed bytes from encapsulated pixel data, with or without a basic offset table. */
export function encapsulatedFrame(dataSet: DataSet, element: Element, module: PixelModule, frame: number): Uint8Array {
  const fragments = element.fragments ?? [];
  if (!element.encapsulatedPixelData || fragments.length === 0) throw new DicomError('the compressed pixel data has no fragments');
  try {
    if ((element.basicOffsetTable?.length ?? 0) > 0) {
      return dicomParser.readEncapsulatedImageFrame(dataSet, element, frame) as Uint8Array;
    }
    if (module.frames === 1) return dicomParser.readEncapsulatedPixelDataFromFragments(dataSet, element, 0, fragments.length) as Uint8Array;
    if (fragments.length === module.frames) return dicomParser.readEncapsulatedPixelDataFromFragments(dataSet, element, frame, 1) as Uint8Array;
    // No offset table and several fragments per frame: a frame starts at each fragment that starts a codestream.
    const starts = fragments.flatMap((f, i) => (startsCodestream(dataSet, f.position) ? [i] : []));
    if (starts.length !== module.frames) throw new DicomError(`found ${starts.length} compressed frames where ${module.frames} were declared`);
    const first = starts[frame]!;
    const count = (starts[frame + 1] ?? fragments.length) - first;
    return dicomParser.readEncapsulatedPixelDataFromFragments(dataSet, element, first, count) as Uint8Array;
  } catch (error) {
    if (error instanceof DicomError) throw error;
    throw new DicomError(`the compressed pixel data is damaged (${String(error instanceof Error ? error.message : error).replace(/^dicomParser\.\w+:\s*/, '')})`);
  }
}
