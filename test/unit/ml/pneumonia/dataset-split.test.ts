import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { fingerprintOf, splitDataset } from '../../../../src-main/services/ml/pneumonia/dataset-split';
import { listKaggleSamples } from '../../../../src-main/services/ml/pneumonia/kaggle-samples';
import { PneumoniaDataError } from '../../../../src-main/services/ml/pneumonia/pneumonia-data-error';
import type { PneumoniaSample } from '../../../../src-main/services/ml/pneumonia/pneumonia-sample';

/** `patients` patients per label, each with 1-3 images, in the given source split. */
function synthetic(split: PneumoniaSample['split'], patients: number, prefix = split ?? 'none'): PneumoniaSample[] {
  const out: PneumoniaSample[] = [];
  for (const label of [0, 1] as const) {
    for (let p = 0; p < patients; p++) {
      const patientId = `${prefix}-${label}-${p}`;
      for (let i = 0; i <= p % 3; i++) {
        out.push({ path: `/x/${patientId}-${i}.png`, format: 'png', label, patientId, split, contentHash: `${patientId}-${i}` });
      }
    }
  }
  return out;
}

const options = { validationFraction: 0.2, minValidationImages: 10, seed: 7, source: 'test' };
const patientsOf = (set: PneumoniaSample[]) => new Set(set.map((s) => s.patientId));

describe('splitting samples for training', () => {
  it('uses the given validation split when it is big enough', () => {
    const samples = [...synthetic('train', 30), ...synthetic('val', 5), ...synthetic('test', 6)];
    const split = splitDataset(samples, options);
    expect(split.summary.validationSplit).toBe('given');
    expect(split.val.every((s) => s.split === 'val')).toBe(true);
    expect(split.test.every((s) => s.split === 'test')).toBe(true);
    expect(split.train.length + split.val.length + split.test.length).toBe(samples.length);
  });

  it('carves validation by patient, stratified, when the given one is smaller than minValidationImages', () => {
    const samples = [...synthetic('train', 40), ...synthetic('val', 1), ...synthetic('test', 6)];
    const split = splitDataset(samples, { ...options, minValidationImages: 50 });
    expect(split.summary.validationSplit).toBe('by-patient');
    // The small given split went back into the pool: nothing is lost.
    expect(split.train.length + split.val.length + split.test.length).toBe(samples.length);
    for (const p of patientsOf(split.val)) expect(patientsOf(split.train).has(p)).toBe(false);
    const share = split.val.length / (split.train.length + split.val.length);
    expect(share).toBeGreaterThan(0.15);
    expect(share).toBeLessThan(0.25);
    expect(split.summary.val.normal).toBeGreaterThan(0);
    expect(split.summary.val.pneumonia).toBeGreaterThan(0);
    expect(split.summary.patients.val).toBe(patientsOf(split.val).size);
  });

  it('carves a test set by patient when the source has none, and keeps every patient in one set', () => {
    const samples = synthetic(null, 50);
    const split = splitDataset(samples, options);
    expect(split.test.length).toBeGreaterThan(0);
    const sets = [split.train, split.val, split.test].map(patientsOf);
    for (let a = 0; a < 3; a++) for (let b = a + 1; b < 3; b++) for (const p of sets[a]!) expect(sets[b]!.has(p)).toBe(false);
  });

  it('is reproducible from its seed, and the fingerprint ignores order', () => {
    const samples = synthetic(null, 50);
    const a = splitDataset(samples, options);
    const b = splitDataset([...samples].reverse(), options);
    expect(b.summary.fingerprint).toBe(a.summary.fingerprint);
    expect(splitDataset(samples, { ...options, seed: 8 }).summary.fingerprint).not.toBe(a.summary.fingerprint);
    expect(fingerprintOf({ train: a.train, val: a.val, test: a.test })).toBe(a.summary.fingerprint);
  });

  it('refuses a set without one of the classes', () => {
    const samples = [...synthetic('train', 30), ...synthetic('val', 5), ...synthetic('test', 6).filter((s) => s.label === 1)];
    expect(() => splitDataset(samples, options)).toThrow(PneumoniaDataError);
    expect(() => splitDataset(samples, options)).toThrow(/test set has 0 normal/);
  });

  it('refuses a patient whose images sit in two given splits', () => {
    const samples = [...synthetic('train', 30), ...synthetic('val', 5), ...synthetic('test', 6, 'train')];
    expect(() => splitDataset(samples, options)).toThrow(/one patient's images must stay in one split/);
  });

  it('caps the training images by patient (a quick run)', () => {
    const split = splitDataset([...synthetic('train', 60), ...synthetic('val', 5), ...synthetic('test', 6)], { ...options, maxTrainImages: 40 });
    expect(split.train.length).toBeGreaterThan(30);
    expect(split.train.length).toBeLessThanOrEqual(46);
  });
});

describe('listing a Kaggle-layout folder', () => {
  const root = mkdtempSync(path.join(os.tmpdir(), 'cxr-kaggle-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('reads labels, splits, patients and content hashes; an empty folder is a clear error', async () => {
    const png = await sharp({ create: { width: 8, height: 8, channels: 3, background: { r: 90, g: 90, b: 90 } } }).png().toBuffer();
    const jpeg = await sharp({ create: { width: 8, height: 8, channels: 3, background: { r: 10, g: 10, b: 10 } } }).jpeg().toBuffer();
    mkdirSync(path.join(root, 'chest_xray', 'train', 'PNEUMONIA'), { recursive: true });
    mkdirSync(path.join(root, 'chest_xray', 'test', 'NORMAL'), { recursive: true });
    writeFileSync(path.join(root, 'chest_xray', 'train', 'PNEUMONIA', 'person12_virus_3.jpeg'), png);
    writeFileSync(path.join(root, 'chest_xray', 'test', 'NORMAL', 'IM-0001-0001.jpeg'), jpeg);
    writeFileSync(path.join(root, 'chest_xray', 'test', 'NORMAL', 'notes.txt'), 'not an image');
    writeFileSync(path.join(root, 'chest_xray', 'README.png'), png);
    const samples = await listKaggleSamples(path.join(root, 'chest_xray'));
    expect(samples.map((s) => [path.basename(s.path), s.format, s.label, s.split, s.patientId])).toEqual([
      ['IM-0001-0001.jpeg', 'jpeg', 0, 'test', 'IM-0001'],
      ['person12_virus_3.jpeg', 'png', 1, 'train', 'person12'],
    ]);
    expect(samples[0]!.contentHash).toMatch(/^[0-9a-f]{64}$/);
    mkdirSync(path.join(root, 'empty'));
    await expect(listKaggleSamples(path.join(root, 'empty'))).rejects.toThrow(/No labelled images/);
  });
});
