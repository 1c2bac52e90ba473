import { createRequire } from 'node:module';

const requireCodec = createRequire(import.meta.url);

/**
 * The real path of a codec's .wasm file. In the packaged app, electron-builder moves every .wasm
 * out of app.asar into app.asar.unpacked beside it (asarUnpack in electron-builder.yml), so the
 * emscripten loaders read an ordinary file rather than going through Electron's asar layer.
 * `id` is a package subpath that resolves to the file (e.g. '@cornerstonejs/codec-charls/decodewasm').
 */
export function codecWasmPath(id: string): string {
  return unpackedPath(requireCodec.resolve(id));
}

/** app.asar/… becomes app.asar.unpacked/…; paths outside an archive (development, tests) stay as they are. */
export function unpackedPath(file: string): string {
  return file.replace(/([\\/])app\.asar([\\/])/, '$1app.asar.unpacked$2');
}
