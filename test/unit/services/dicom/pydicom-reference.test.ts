import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeDicomFrame } from '../../../../src-main/services/imaging/dicom/dicom-image';
import { parseDicom } from '../../../../src-main/services/imaging/dicom/dicom-parse';
import { transferSyntax } from '../../../../src-main/services/imaging/dicom/transfer-syntaxes';
import { dicomPath, frameRgb, frameValues } from '../../../support/dicom';
import { requireSharedData } from '../../../support/shared-data';

/**
 * Every uncompressed, deflated and RLE image in the corpus against pydicom (Debian's
 * python3-pydicom): grey frames to the same modality values, palette colour to the same RGB. Our
 * decoder takes other routes to them (a SIMD kernel for integer rescales, a table otherwise,
 * packed palette words), so an independent reader is the check that the routes agree.
 */
const PYTHON = '/usr/bin/python3';
const out = mkdtempSync(path.join(os.tmpdir(), 'cxr-pydicom-reference-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

function corpusFiles(): string[] {
  const index = readFileSync(path.join(requireSharedData('dicom'), 'index.tsv'), 'utf8').trim().split('\n').slice(1);
  return index
    .map((line) => line.split('\t')[0]!)
    .filter((file) => {
      try {
        const parsed = parseDicom(readFileSync(dicomPath(file)));
        const encoding = parsed && transferSyntax(parsed.transferSyntaxUid)?.encoding;
        return (encoding === 'native' || encoding === 'rle') && (parsed!.dataSet.elements.x7fe00010 !== undefined);
      } catch {
        return false;
      }
    });
}

interface Reference {
  file: string;
  index: number;
  frames: number;
  kind: 'grey' | 'rgb';
  /** Segmented palette tables, which this app refuses (ultrasound only; never a chest radiograph). */
  segmented: boolean;
}

function references(files: string[]): Reference[] {
  const run = spawnSync(PYTHON, [path.resolve(import.meta.dirname, '../../../support/pydicom-frames.py'), out, ...files.map(dicomPath)], { encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 });
  if (run.status !== 0) throw new Error(`the pydicom reference failed (it needs apt-get install python3-pydicom python3-numpy): ${run.stderr.slice(-300)}`);
  return run.stdout
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as Reference & { skipped?: string })
    .filter((r) => !r.skipped)
    .map((r) => ({ ...r, file: path.relative(requireSharedData('dicom'), r.file) }));
}

describe('native and RLE images decode to what pydicom gives', () => {
  const files = corpusFiles();
  const refs = references(files);

  it('covers the corpus: grey and palette colour, every native syntax and RLE', () => {
    expect(refs.length).toBeGreaterThan(60);
    expect(refs.filter((r) => r.kind === 'rgb').length).toBeGreaterThan(5);
  });

  for (const ref of refs) {
    it(`${ref.file} (${ref.frames} frame${ref.frames === 1 ? '' : 's'})`, async () => {
      const bytes = readFileSync(dicomPath(ref.file));
      if (ref.segmented) {
        await expect(decodeDicomFrame(bytes, 0)).rejects.toThrow(/segmented \(not supported\)/);
        return;
      }
      for (let f = 0; f < ref.frames; f++) {
        const raw = readFileSync(path.join(out, `${ref.index}-${f}.raw`));
        const frame = await decodeDicomFrame(bytes, f);
        const ours = frameValues(frame);
        if (ref.kind === 'rgb') {
          // Palette colour travels as its indices and palette; looked up, it is pydicom's RGB.
          expect(frame.dtype).toMatch(/^(rgb8|palette8|palette16)$/);
          expect(Buffer.from(frameRgb(frame)).equals(raw)).toBe(true);
          continue;
        }
        const theirs = new Float64Array(raw.buffer, raw.byteOffset, raw.byteLength / 8);
        // float32 frames carry the values rounded to 4 bytes.
        const want = frame.dtype === 'float32' ? Float64Array.from(theirs, Math.fround) : theirs;
        expect(ours.length).toBe(want.length);
        const firstDifference = ours.findIndex((v, i) => v !== want[i]);
        expect(firstDifference, `frame ${f}: pixel ${firstDifference} is ${ours[firstDifference]}, pydicom ${want[firstDifference]}`).toBe(-1);
        let [min, max] = [Infinity, -Infinity];
        for (const v of theirs) [min, max] = [Math.min(min, v), Math.max(max, v)];
        expect([frame.min, frame.max]).toEqual([min, max]);
      }
    });
  }
});
