import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';

export async function tempDir(prefix = 'cxr-test-'): Promise<string> {
  return mkdtemp(path.join(os.tmpdir(), prefix));
}

/** A small synthetic grayscale radiograph-like image; `seed` makes each one's bytes distinct. */
export async function makeImage(format: 'png' | 'jpeg', seed: number, size = 64): Promise<Buffer> {
  const pixels = Buffer.alloc(size * size);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) pixels[y * size + x] = (x * 3 + y * 5 + seed * 17) & 0xff;
  }
  const image = sharp(pixels, { raw: { width: size, height: size, channels: 1 } });
  return format === 'png' ? image.png().toBuffer() : image.jpeg({ quality: 90 }).toBuffer();
}

/** Writes files (relative path -> bytes) under root, creating folders. */
export async function writeTree(root: string, files: Record<string, Buffer | string>): Promise<void> {
  for (const [relative, content] of Object.entries(files)) {
    const full = path.join(root, relative);
    await mkdir(path.dirname(full), { recursive: true });
    await writeFile(full, content);
  }
}

/** A Kaggle-layout folder with good images and one of each kind of bad file. */
export async function makeMixedFolder(root: string): Promise<{ good: number; bad: Record<string, string> }> {
  const jpeg = await makeImage('jpeg', 1, 128);
  const dicomLike = Buffer.alloc(200);
  dicomLike.write('DICM', 128, 'latin1');
  await writeTree(root, {
    'train/NORMAL/IM-0001-0001.jpeg': jpeg,
    'train/PNEUMONIA/person12_bacteria_40.png': await makeImage('png', 2),
    'test/NORMAL/NORMAL2-IM-0099-0001.jpeg': await makeImage('jpeg', 3),
    'test/PNEUMONIA/person7_virus_9.jpeg': await makeImage('jpeg', 4),
    'loose.png': await makeImage('png', 5),
    'broken/truncated.jpeg': jpeg.subarray(0, Math.floor(jpeg.length / 2)),
    'broken/empty.png': Buffer.alloc(0),
    'broken/notes.txt': 'not an image',
    'broken/fake.jpg': Buffer.from('<html>not really a jpeg</html>'),
    'broken/scan.dcm': dicomLike,
    '.hidden/ignored.png': await makeImage('png', 6),
  });
  return {
    good: 5,
    bad: {
      'broken/truncated.jpeg': 'truncated',
      'broken/empty.png': 'empty file',
      'broken/notes.txt': 'not a PNG, JPEG or DICOM file',
      'broken/fake.jpg': 'not a PNG, JPEG or DICOM file',
      'broken/scan.dcm': 'DICOM',
    },
  };
}
