import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { freePort, stopChildren } from '../../support/dicom-tools';
import { writeVariants } from '../../support/dicom-variants';
import { tempDir } from '../../support/fixtures';
import { startOrthanc, type OrthancServer } from '../../support/orthanc';
import { requireSharedData } from '../../support/shared-data';

const root = path.resolve(import.meta.dirname, '../../..');
const run = promisify(execFile);
const dicomRoot = requireSharedData('dicom');
let orthanc: OrthancServer;

async function cli(dataDir: string, ...args: string[]): Promise<{ stdout: string; stderr: string }> {
  return run(process.execPath, ['--import', 'tsx', 'src-main/cli.ts', ...args, '--data-dir', dataDir], { cwd: root, timeout: 180_000 });
}

const images = (dataDir: string) => {
  const db = new Database(path.join(dataDir, 'cxr-triage.sqlite'), { readonly: true });
  try {
    return db.prepare('SELECT COUNT(*) FROM images').pluck().get() as number;
  } finally {
    db.close();
  }
};

beforeAll(async () => {
  orthanc = await startOrthanc();
  await orthanc.upload(await writeVariants(path.join(dicomRoot, 'wg04/J2KI__RG3_J2KI.dcm'), await tempDir('cxr-cli-qr-src-'), 4, { studies: 2 }));
}, 120_000);

afterAll(async () => {
  await stopChildren();
});

describe('cli archives / query / retrieve', () => {
  it('configures an archive, queries it without patient data unless asked, retrieves by UID and --all, once', async () => {
    const dataDir = await tempDir('cxr-cli-qr-');
    await cli(dataDir, 'archives', 'add', 'web', '--dicomweb', orthanc.dicomWeb);
    await cli(dataDir, 'archives', 'add', 'pacs', '--dicom', `ORTHANC@127.0.0.1:${orthanc.dicomPort}`, '--c-get');
    const list = await cli(dataDir, 'archives', 'list');
    expect(list.stdout).toContain(`web\tDICOMweb ${orthanc.dicomWeb}`);
    expect(list.stdout).toContain(`pacs\tORTHANC@127.0.0.1:${orthanc.dicomPort} (C-GET)`);

    const plain = await cli(dataDir, 'query', '--archive', 'pacs', '--from', '2004-08-26', '--modality', 'CR');
    expect(plain.stdout).toMatch(/2 studies\n$/);
    expect(plain.stdout).not.toContain('11RG3');
    expect(plain.stdout).not.toContain('CompressedSamples');
    const identified = await cli(dataDir, 'query', '--archive', 'web', '--identified');
    expect(identified.stdout).toContain('11RG3\tCompressedSamples RG3');
    const uid = /^(\d[\d.]+)\t2004-08-26\tCR\t2\tnew/m.exec(plain.stdout)![1]!;

    const one = await cli(dataDir, 'retrieve', '--archive', 'pacs', uid);
    expect(one.stdout).toContain('study 1/1: done; 2 received, 2 added, 0 already here, 0 refused');
    expect(images(dataDir)).toBe(2);
    const all = await cli(dataDir, 'retrieve', '--archive', 'web', '--all');
    expect(all.stdout).toContain('2 received, 0 added, 2 already here');
    expect(all.stdout).toContain('2 received, 2 added, 0 already here');
    expect(images(dataDir)).toBe(4);
    expect((await cli(dataDir, 'query', '--archive', 'web')).stdout.match(/\there\t/g)).toHaveLength(2);
  }, 300_000);

  it('says what is wrong with a bad option or an archive that is down', async () => {
    const dataDir = await tempDir('cxr-cli-qr-bad-');
    await expect(cli(dataDir, 'archives', 'add', 'x', '--dicom', 'nonsense')).rejects.toMatchObject({ stderr: expect.stringContaining('--dicom needs AE@host:port') });
    await expect(cli(dataDir, 'query', '--archive', 'x', '--from', '2004/08/26')).rejects.toMatchObject({ stderr: expect.stringContaining('dateFrom: expected a date as YYYY-MM-DD') });
    const url = `http://127.0.0.1:${await freePort()}/dicom-web`;
    await cli(dataDir, 'archives', 'add', 'down', '--dicomweb', url);
    await expect(cli(dataDir, 'query', '--archive', 'down')).rejects.toMatchObject({ stderr: expect.stringContaining(`Cannot reach down at ${url}: the connection was refused`) });
  }, 120_000);
});
