import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CODEC_WASM, codecWasmPath, unpackedPath } from '../../../../src-main/services/imaging/dicom/codec-files';

const ROOT = path.resolve(import.meta.dirname, '../../../..');

/** The asarUnpack list of electron-builder.yml (a flat YAML list of quoted or bare globs). */
function asarUnpack(): string[] {
  const yaml = readFileSync(path.join(ROOT, 'electron-builder.yml'), 'utf8');
  const block = /^asarUnpack:\n((?:\s+(?:-.*|#.*)\n)+)/m.exec(yaml)?.[1] ?? '';
  return [...block.matchAll(/^\s+-\s+"?([^"\n]+)"?$/gm)].map((m) => m[1]!);
}

describe('codec .wasm files in the packaged app', () => {
  it('a path inside app.asar is read from app.asar.unpacked, on POSIX and Windows', () => {
    expect(unpackedPath('/opt/CXR Triage/resources/app.asar/node_modules/c/x.wasm')).toBe('/opt/CXR Triage/resources/app.asar.unpacked/node_modules/c/x.wasm');
    expect(unpackedPath('C:\\CXR\\resources\\app.asar\\node_modules\\c\\x.wasm')).toBe('C:\\CXR\\resources\\app.asar.unpacked\\node_modules\\c\\x.wasm');
  });

  it('paths outside an archive, or already unpacked, are left alone', () => {
    expect(unpackedPath('/work/app/node_modules/c/x.wasm')).toBe('/work/app/node_modules/c/x.wasm');
    expect(unpackedPath('/r/app.asar.unpacked/node_modules/c/x.wasm')).toBe('/r/app.asar.unpacked/node_modules/c/x.wasm');
  });

  it('every codec .wasm exists where the loaders are told to look, and electron-builder unpacks .wasm files', () => {
    const patterns = asarUnpack();
    expect(patterns).toContain('**/*.wasm');
    for (const codec of Object.keys(CODEC_WASM) as (keyof typeof CODEC_WASM)[]) {
      const file = codecWasmPath(codec);
      expect(file.endsWith('.wasm'), codec).toBe(true);
      expect(existsSync(file), codec).toBe(true);
    }
  });
});
