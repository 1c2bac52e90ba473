import { createRequire } from 'node:module';

const requireCodec = createRequire(import.meta.url);

/** Every .wasm the DICOM codecs load, as package subpaths that resolve to the file. */
export const CODEC_WASM = {
  charls: '@cornerstonejs/codec-charls/decodewasm',
  openjph: '@cornerstonejs/codec-openjph/wasm',
  jpeg12: 'dcmjs-codecs/build/dcmjs-native-codecs.wasm',
} as const;

/**
 * The real path of a codec's .wasm file. In the packaged app, electron-builder moves every .wasm
 * out of app.asar into app.asar.unpacked beside it (asarUnpack in electron-builder.yml), so the
 * emscripten loaders read an ordinary file rather than going through Electron's asar layer.
 */
export function codecWasmPath(codec: keyof typeof CODEC_WASM): string {
  return unpackedPath(requireCodec.resolve(CODEC_WASM[codec]));
}

/** app.asar/… becomes app.asar.unpacked/…; paths outside an archive (development, tests) stay as they are. */
export function unpackedPath(file: string): string {
  return file.replace(/([\\/])app\.asar([\\/])/, '$1app.asar.unpacked$2');
}
