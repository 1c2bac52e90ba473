import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { openAppServices, type AppServices } from '../../../src-main/services/app/app-services';
import { requireSharedData } from '../../support/shared-data';
import { tempDir } from '../../support/fixtures';

const root = path.resolve(import.meta.dirname, '../../..');
let services: AppServices | undefined;
afterAll(async () => services?.close());

function countStudies(dbFile: string): number {
  try {
    const db = new Database(dbFile, { readonly: true, fileMustExist: true });
    try {
      return db.prepare('SELECT COUNT(*) FROM studies').pluck().get() as number;
    } finally {
      db.close();
    }
  } catch {
    return 0;
  }
}

describe('an import killed mid-way', () => {
  it('loses nothing committed, leaves no half-written row, and a re-import completes it', async () => {
    const folder = requireSharedData('chest_xray');
    const dataDir = await tempDir('cxr-kill-');
    const dbFile = path.join(dataDir, 'cxr-triage.sqlite');
    const child = spawn(process.execPath, ['--import', 'tsx', 'src-main/cli.ts', 'import', folder, '--data-dir', dataDir], {
      cwd: root,
      stdio: 'ignore',
    });
    const exited = new Promise((resolve) => child.on('exit', resolve));
    const deadline = Date.now() + 60_000;
    while (countStudies(dbFile) < 50 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    child.kill('SIGKILL');
    await exited;

    services = openAppServices(dataDir);
    const { db } = services;
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    const committed = services.studies.count();
    expect(committed).toBeGreaterThanOrEqual(50);
    expect(committed).toBeLessThan(685);
    expect(db.prepare('SELECT COUNT(*) FROM studies s WHERE NOT EXISTS (SELECT 1 FROM images i WHERE i.study_id = s.id)').pluck().get()).toBe(0);
    for (const image of db.prepare('SELECT content_hash, stored_path FROM images').all() as { content_hash: string; stored_path: string }[]) {
      const bytes = readFileSync(path.join(dataDir, 'images', image.stored_path));
      expect(createHash('sha256').update(bytes).digest('hex')).toBe(image.content_hash);
    }
    const [interrupted] = services.imports.list(1);
    expect(interrupted).toMatchObject({ status: 'interrupted', added: committed });

    const finished = await services.jobs.waitFor(await services.importer.start(folder));
    expect(finished.importReport).toMatchObject({ added: 685 - committed, skipped: committed, rejected: 0 });
    expect(services.studies.count()).toBe(685);
  });
});
