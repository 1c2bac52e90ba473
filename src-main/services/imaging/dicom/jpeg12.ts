import { createRequire } from 'node:module';
import type * as DcmjsCodecs from 'dcmjs-codecs';
import { codecWasmPath } from './codec-files';
import type { DecodedFrame } from './codecs';
import { DicomError } from './dicom-error';

/** Sample precision, size and component count from a JPEG (or JPEG-LS) start-of-frame marker. */
export interface JpegFrameHeader {
  precision: number;
  width: number;
  height: number;
  components: number;
}

export function jpegFrameHeader(data: Uint8Array): JpegFrameHeader | null {
  for (let i = 2; i + 9 < data.length; ) {
    if (data[i] !== 0xff) return null;
    const marker = data[i + 1]!;
    // SOF0–SOF15 (not DHT, JPG, DAC), and JPEG-LS's SOF55.
    if ((marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) || marker === 0xf7) {
      return { precision: data[i + 4]!, height: (data[i + 5]! << 8) | data[i + 6]!, width: (data[i + 7]! << 8) | data[i + 8]!, components: data[i + 9]! };
    }
    i += 2 + ((data[i + 2]! << 8) | data[i + 3]!);
  }
  return null;
}

const requireCodec = createRequire(import.meta.url);
let loading: Promise<typeof DcmjsCodecs> | null = null;

/**
 * Our 8-bit libjpeg-turbo build (jpeg8.ts) cannot decode 12-bit DCT JPEG (Extended, process 4);
 * dcmjs-codecs carries a wasm build of libjpeg with a 12-bit decoder. Loaded only when such a file
 * turns up.
 */
function loadDecoder(): Promise<typeof DcmjsCodecs> {
  loading ??= (async () => {
    const codecs = requireCodec('dcmjs-codecs') as typeof DcmjsCodecs;
    await codecs.NativeCodecs.initializeAsync({
      webAssemblyModulePathOrUrl: codecWasmPath('jpeg12'),
      logCodecsInfo: false,
      logCodecsTrace: false,
    });
    return codecs;
  })();
  return loading;
}

/** Decodes a 12-bit greyscale JPEG to 16-bit little-endian samples (raw bit patterns: the pipeline restores any sign). */
export async function decodeJpeg12(data: Uint8Array, header: JpegFrameHeader): Promise<DecodedFrame> {
  if (header.components !== 1) throw new DicomError(`12-bit JPEG with ${header.components} components is not supported (greyscale only)`);
  const { NativeCodecs, Context } = await loadDecoder();
  const context = new Context({
    width: header.width,
    height: header.height,
    bitsAllocated: 16,
    bitsStored: header.precision,
    samplesPerPixel: 1,
    pixelRepresentation: 0,
    planarConfiguration: 0,
    photometricInterpretation: 'MONOCHROME2',
    encodedBuffer: data,
  });
  let decoded: Uint8Array | undefined;
  try {
    decoded = NativeCodecs.decodeJpeg(context).getDecodedBuffer();
  } catch (error) {
    throw new DicomError(`the 12-bit JPEG data cannot be decoded (${error instanceof Error ? error.message : String(error)})`);
  }
  if (!decoded) throw new DicomError('the 12-bit JPEG decoder returned no pixels');
  return { bytes: decoded, width: header.width, height: header.height, bitsPerSample: 16, components: 1, rgb: false };
}
