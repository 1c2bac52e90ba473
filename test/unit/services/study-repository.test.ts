import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, type Db } from '../../../src-main/services/db/database';
import { ImportRepository } from '../../../src-main/services/imports/import-repository';
import { StudyRepository, type NewImage } from '../../../src-main/services/studies/study-repository';
import { tempDir } from '../../support/fixtures';

let db: Db;
let studies: StudyRepository;
let importId: number;

function image(hash: string, fileName: string): NewImage {
  return {
    contentHash: hash,
    fileName,
    sourcePath: `/data/${fileName}`,
    storedPath: `${hash.slice(0, 2)}/${hash}.jpg`,
    format: 'jpeg',
    width: 100,
    height: 80,
    byteSize: 1234,
    datasetSplit: 'test',
    thumbnail: Buffer.from([1, 2, 3]),
  };
}

beforeEach(async () => {
  db = openDatabase(path.join(await tempDir(), 'db.sqlite'));
  studies = new StudyRepository(db);
  importId = new ImportRepository(db).begin('/data');
});
afterEach(() => db.close());

describe('study repository', () => {
  it('adds a study with its image and reads it back', () => {
    const id = studies.addStudyWithImage({ patientId: 'person1', label: 'pneumonia', importId }, image('aa11', 'person1_virus_1.jpeg'));
    expect(id).not.toBeNull();
    const detail = studies.get(id!);
    expect(detail).toMatchObject({ patientId: 'person1', label: 'pneumonia', status: 'new', imageCount: 1, fileName: 'person1_virus_1.jpeg' });
    expect(detail!.images[0]).toMatchObject({ width: 100, height: 80, format: 'jpeg', datasetSplit: 'test' });
    expect(studies.getThumbnails([detail!.thumbnailImageId])).toEqual([{ imageId: detail!.thumbnailImageId, thumbnail: Buffer.from([1, 2, 3]) }]);
  });

  it('reads a batch of thumbnails at once, once each, leaving out unknown images', () => {
    const ids = ['b1', 'b2', 'b3'].map((hash) => {
      const id = studies.addStudyWithImage({ patientId: hash, label: null, importId }, { ...image(hash, `${hash}.jpeg`), thumbnail: Buffer.from(hash) });
      return studies.get(id!)!.thumbnailImageId;
    });
    const batch = studies.getThumbnails([ids[2]!, 99_999, ids[0]!, ids[2]!]);
    expect(batch.sort((a, b) => a.imageId - b.imageId)).toEqual([
      { imageId: ids[0], thumbnail: Buffer.from('b1') },
      { imageId: ids[2], thumbnail: Buffer.from('b3') },
    ]);
    expect(studies.getThumbnails([])).toEqual([]);
  });

  it('adds nothing for content it already has', () => {
    studies.addStudyWithImage({ patientId: 'p', label: null, importId }, image('same', 'a.jpeg'));
    expect(studies.addStudyWithImage({ patientId: 'p', label: null, importId }, image('same', 'b.jpeg'))).toBeNull();
    expect(studies.count()).toBe(1);
  });

  it('leaves no half-written study when the image cannot be stored', () => {
    const bad = { ...image('bb22', 'x.jpeg'), width: 0 };
    expect(() => studies.addStudyWithImage({ patientId: 'p', label: null, importId }, bad)).toThrow(/CHECK/);
    expect(studies.count()).toBe(0);
  });

  it('lists newest first, pages, and searches patient and file names literally', () => {
    for (let i = 0; i < 5; i++) {
      studies.addStudyWithImage({ patientId: `person${i}`, label: null, importId }, image(`h${i}`, `person${i}_x_${i}.jpeg`), `2026-01-0${i + 1}T00:00:00Z`);
    }
    studies.addStudyWithImage({ patientId: null, label: null, importId }, image('h%', '100%_sure.png'), '2026-02-01T00:00:00Z');
    const page = studies.list({ limit: 2, offset: 1 });
    expect(page.total).toBe(6);
    expect(page.rows.map((r) => r.patientId)).toEqual(['person4', 'person3']);
    expect(studies.list({ search: 'person2', limit: 10, offset: 0 }).rows.map((r) => r.patientId)).toEqual(['person2']);
    expect(studies.list({ search: '%', limit: 10, offset: 0 }).rows.map((r) => r.fileName)).toEqual(['100%_sure.png']);
  });

  it('answers null for a study or image that does not exist', () => {
    expect(studies.get(999)).toBeNull();
    expect(studies.getImage(999)).toBeNull();
  });
});
