import { spawn } from 'node:child_process';
import { copyFile, mkdir } from 'node:fs/promises';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { openAppServices, type AppServices } from '../../../src-main/services/app/app-services';
import { dicomPath } from '../../support/dicom';
import { makeImage, tempDir, writeTree } from '../../support/fixtures';

const root = path.resolve(import.meta.dirname, '../../..');
let services: AppServices | null = null;
afterEach(async () => {
  await services?.close();
  services = null;
});

/** The same MR image (one SOP Instance UID) in eight encodings, so eight different files. */
const MR_ENCODINGS = ['MR_small', 'MR_small_RLE', 'MR_small_bigendian', 'MR_small_expb', 'MR_small_implicit', 'MR_small_jp2klossless', 'MR_small_jpeg_ls_lossless', 'MR_small_padded'];

async function dicomFolder(): Promise<string> {
  const folder = await tempDir('cxr-dup-');
  for (const name of MR_ENCODINGS) await copyFile(dicomPath(`pydicom_test_files/${name}.dcm`), path.join(folder, `${name}.dcm`));
  await mkdir(path.join(folder, 'copies'));
  for (const copy of ['a', 'b', 'c']) await copyFile(dicomPath('pydicom_test_files/CT_small.dcm'), path.join(folder, 'copies', `${copy}.dcm`));
  return folder;
}

/** Files in the image store that no image row refers to, and temporary files. */
function leftovers(dataDir: string): { unreferenced: string[]; partial: string[] } {
  const images = path.join(dataDir, 'images');
  const db = new Database(path.join(dataDir, 'cxr-triage.sqlite'), { readonly: true });
  const referenced = new Set(db.prepare('SELECT stored_path FROM images').pluck().all() as string[]);
  db.close();
  const files = existsSync(images)
    ? readdirSync(images).flatMap((dir) => readdirSync(path.join(images, dir)).map((file) => path.join(dir, file)))
    : [];
  return {
    unreferenced: files.filter((file) => !file.endsWith('.partial') && !referenced.has(file)),
    partial: files.filter((file) => file.endsWith('.partial')),
  };
}

describe('nothing left behind in the image store', () => {
  it('stores one copy per image when copies and other encodings of it are imported together, and again', async () => {
    const folder = await dicomFolder();
    const dataDir = await tempDir('cxr-data-');
    services = openAppServices(dataDir);
    for (const round of [1, 2]) {
      const report = (await services.jobs.waitFor(await services.importer.start(folder))).importReport!;
      expect(report, `round ${round}`).toMatchObject(round === 1 ? { added: 2, skipped: 9, rejected: 0 } : { added: 0, skipped: 11 });
      expect(leftovers(dataDir), `round ${round}`).toEqual({ unreferenced: [], partial: [] });
    }
  });

  it('leaves no unreferenced copy and no .partial file after imports killed at random moments', async () => {
    const folder = await dicomFolder();
    const pngs: Record<string, Buffer> = {};
    // makeImage has 256 distinct seeds.
    for (let i = 0; i < 250; i++) pngs[`png/${i}.png`] = await makeImage('png', i, 256);
    await writeTree(folder, pngs);
    const dataDir = await tempDir('cxr-kill-');
    const importRows = () => {
      if (!existsSync(path.join(dataDir, 'cxr-triage.sqlite'))) return 0;
      const db = new Database(path.join(dataDir, 'cxr-triage.sqlite'), { readonly: true });
      try {
        return db.prepare('SELECT COUNT(*) FROM imports').pluck().get() as number;
      } catch {
        return 0;
      } finally {
        db.close();
      }
    };

    const kills = 5;
    let killedMidImport = 0;
    for (let round = 0; round < kills; round++) {
      const child = spawn(process.execPath, ['--import', 'tsx', 'src-main/cli.ts', 'import', folder, '--data-dir', dataDir], { cwd: root, stdio: 'ignore' });
      let exitCode: number | null | undefined;
      const exited = new Promise<void>((resolve) => child.on('exit', (code) => resolve(void (exitCode = code))));
      const deadline = Date.now() + 20_000;
      while (importRows() <= round && Date.now() < deadline && exitCode === undefined) await new Promise((r) => setTimeout(r, 10));
      await new Promise((r) => setTimeout(r, Math.random() * 400));
      child.kill('SIGKILL');
      await exited;
      if (exitCode === null) killedMidImport += 1;
    }
    expect(killedMidImport).toBeGreaterThan(0);

    // Opening the folder again is what clears a killed import's leftovers.
    services = openAppServices(dataDir);
    expect(leftovers(dataDir)).toEqual({ unreferenced: [], partial: [] });
    const report = (await services.jobs.waitFor(await services.importer.start(folder))).importReport!;
    expect(report.rejected).toBe(0);
    expect(services.studies.count()).toBe(250 + 2);
    expect(leftovers(dataDir)).toEqual({ unreferenced: [], partial: [] });
  });
});
