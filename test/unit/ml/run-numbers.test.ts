import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { TrainingConfig } from '@shared/ipc/contract';
import type { DatasetSummary, PneumoniaTrainingConfig } from '@shared/ipc/pneumonia-contract';
import { openDatabase } from '../../../src-main/services/db/database';
import { PneumoniaRunRepository } from '../../../src-main/services/ml/pneumonia-training/pneumonia-run-repository';
import { TrainingRunRepository } from '../../../src-main/services/ml/training/training-run-repository';

describe('run numbers', () => {
  it('count each kind of run on its own, though both share the database ids', () => {
    const db = openDatabase(path.join(mkdtempSync(path.join(os.tmpdir(), 'cxr-run-numbers-')), 'db.sqlite'));
    try {
      const cifar = new TrainingRunRepository(db);
      const pneumonia = new PneumoniaRunRepository(db);
      // The stored JSON is not read back by the numbering: placeholders are enough.
      const cifarConfig = {} as TrainingConfig;
      const pneumoniaConfig = {} as PneumoniaTrainingConfig;
      const dataset = {} as DatasetSummary;
      const c1 = cifar.create(cifarConfig);
      const p1 = pneumonia.create(pneumoniaConfig, dataset);
      const p2 = pneumonia.create(pneumoniaConfig, dataset);
      const c2 = cifar.create(cifarConfig);
      expect([c1, p1, p2, c2]).toEqual([1, 2, 3, 4]);
      expect(cifar.list(20).map((run) => [run.id, run.number])).toEqual([[c2, 2], [c1, 1]]);
      expect(pneumonia.list(20).map((run) => [run.id, run.number])).toEqual([[p2, 2], [p1, 1]]);
      expect(cifar.get(c2)?.number).toBe(2);
      expect(pneumonia.get(p1)?.number).toBe(1);
    } finally {
      db.close();
    }
  });
});
