import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { toCifarBinary } from '../../../src-main/services/ml/cifar/cifar-binary';
import type { CifarSplit } from '../../../src-main/services/ml/cifar/cifar-dataset';
import { importCifar10 } from '../../../src-main/services/ml/cifar/cifar-import';
import { CIFAR10_CLASSES } from '../../../src-main/services/ml/textbook-cnn';

const temp = () => mkdtempSync(path.join(os.tmpdir(), 'cxr-cifar-'));

/** n images whose pixels encode their index, so any mix-up of order or channels shows. */
function syntheticSplit(count: number, offset: number): CifarSplit {
  const pixels = new Uint8Array(count * 3072);
  const labels = new Uint8Array(count);
  for (let i = 0; i < count; i++) {
    labels[i] = (i + offset) % 10;
    for (let p = 0; p < 1024; p++) {
      pixels[i * 3072 + p * 3] = (i + offset) % 256; // R
      pixels[i * 3072 + p * 3 + 1] = p % 256; // G
      pixels[i * 3072 + p * 3 + 2] = 200; // B
    }
  }
  return { count, pixels, labels };
}

describe('CIFAR-10 import', () => {
  it('reads the official binary format (label byte, then R, G and B planes) from an extracted release', async () => {
    const root = temp();
    const dir = path.join(root, 'cifar-10-batches-bin');
    mkdirSync(dir);
    for (let b = 1; b <= 5; b++) writeFileSync(path.join(dir, `data_batch_${b}.bin`), toCifarBinary(syntheticSplit(3, b * 10)));
    // Write the test batch by hand, in the published layout, so the reader is not only checked against our writer.
    const record = new Uint8Array(3073);
    record[0] = 7;
    record.fill(11, 1, 1025);
    record.fill(22, 1025, 2049);
    record.fill(33, 2049, 3073);
    writeFileSync(path.join(dir, 'test_batch.bin'), record);
    const data = await importCifar10(root, path.join(root, 'cache'));
    expect(data.train.count).toBe(15);
    expect(Array.from(data.train.labels.slice(0, 4))).toEqual([0, 1, 2, 0]);
    expect(data.train.pixels[0]).toBe(10);
    expect(data.test.count).toBe(1);
    expect(data.test.labels[0]).toBe(7);
    expect(Array.from(data.test.pixels.slice(0, 6))).toEqual([11, 22, 33, 11, 22, 33]);
    // The second import comes from the decoded cache and is identical.
    const again = await importCifar10(root, path.join(root, 'cache'));
    expect(again.train.pixels).toEqual(data.train.pixels);
  });

  it('reads an image-folder layout (train|test/<class>/*.jpg), labelled by folder name', async () => {
    const root = temp();
    for (const split of ['train', 'test']) {
      for (const [label, name] of CIFAR10_CLASSES.entries()) {
        mkdirSync(path.join(root, split, name), { recursive: true });
        const png = await sharp(Buffer.alloc(32 * 32 * 3, label * 20), { raw: { width: 32, height: 32, channels: 3 } }).png().toBuffer();
        writeFileSync(path.join(root, split, name, '0001.png'), png);
      }
    }
    const data = await importCifar10(root, path.join(root, 'cache'));
    expect(data.train.count).toBe(10);
    expect(data.test.count).toBe(10);
    for (let i = 0; i < 10; i++) expect(data.train.pixels[i * 3072]).toBe(data.train.labels[i]! * 20);
  });

  it('refuses anything else with a clear reason, and writes nothing to the cache', async () => {
    const root = temp();
    writeFileSync(path.join(root, 'notes.txt'), 'hello');
    await expect(importCifar10(path.join(root, 'missing.tar.gz'), path.join(root, 'cache'))).rejects.toThrow(/does not exist.*binary release/);
    await expect(importCifar10(path.join(root, 'notes.txt'), path.join(root, 'cache'))).rejects.toThrow(/not a CIFAR-10 archive/);
    await expect(importCifar10(root, path.join(root, 'cache'))).rejects.toThrow(/No CIFAR-10 images were found/);
    writeFileSync(path.join(root, 'fake.tar.gz'), 'not gzip at all');
    await expect(importCifar10(path.join(root, 'fake.tar.gz'), path.join(root, 'cache'))).rejects.toThrow(/could not be read as a \.tar\.gz/);
    const bin = path.join(root, 'bad');
    mkdirSync(bin);
    writeFileSync(path.join(bin, 'test_batch.bin'), new Uint8Array(3000));
    await expect(importCifar10(bin, path.join(root, 'cache'))).rejects.toThrow(/not a CIFAR-10 binary batch|incomplete/);
  });
});
