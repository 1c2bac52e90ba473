import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { openAppServices } from '../../../src-main/services/app/app-services';
import { makeImage, tempDir, writeTree } from '../../support/fixtures';
import { writeTinyPneumoniaModel } from '../../support/tiny-pneumonia-model';

const root = path.resolve(import.meta.dirname, '../../..');
const run = promisify(execFile);

async function cli(dataDir: string, ...args: string[]): Promise<{ stdout: string; stderr: string }> {
  return run(process.execPath, ['--import', 'tsx', 'src-main/cli.ts', ...args, '--data-dir', dataDir], { cwd: root, timeout: 120_000 });
}

/** A .cxrmodel file exported from another data folder, as a site would receive one. */
async function exportedModel(): Promise<string> {
  const services = openAppServices(await tempDir('cxr-cli-src-'));
  try {
    const staging = services.registry.stagingDir();
    await writeTinyPneumoniaModel(staging, { threshold: 0.4, seed: 3 });
    const id = services.registry.register(staging, 'Site model', 'model.trained').id;
    const { fileName, bytes } = await services.registry.exportVersion(id, 'test');
    const file = path.join(await tempDir('cxr-cli-file-'), fileName);
    writeFileSync(file, bytes);
    return file;
  } finally {
    await services.close();
  }
}

describe('headless evaluation for hospital IT', () => {
  it('imports a version, activates it (scoring everything first), scores, and exports a de-identified CSV', async () => {
    const dataDir = await tempDir('cxr-cli-');
    const folder = await tempDir('cxr-cli-images-');
    await writeTree(folder, {
      'NORMAL/IM-0001-0001.png': await makeImage('png', 1),
      'PNEUMONIA/person1_virus_1.jpeg': await makeImage('jpeg', 2),
    });
    await cli(dataDir, 'import', folder);
    const imported = await cli(dataDir, 'models', 'import', await exportedModel());
    const id = /version (\d+)/.exec(imported.stdout)![1]!;
    expect(imported.stdout).toContain('not active');

    const activated = await cli(dataDir, 'models', 'activate', id);
    expect(activated.stdout).toMatch(new RegExp(`Version ${id} is active .*: 2 in scope, 0 outside the population, 0 unusual, 0 not applicable`));
    const scored = await cli(dataDir, 'score');
    expect(scored.stdout).toMatch(/Scored with version \d+ .*: 2 in scope/);

    const out = path.join(dataDir, 'worklist.csv');
    await cli(dataDir, 'export-csv', '--out', out);
    const [header, ...lines] = readFileSync(out, 'utf8').trim().split(/\r?\n/);
    expect(header).not.toContain('patient');
    expect(header).toContain('verdict');
    expect(lines).toHaveLength(2);
    expect(lines.every((line) => line.includes(',in_scope,') && line.includes(',0.4,'))).toBe(true);
  }, 240_000);

  it('refuses what it cannot do with a clear sentence', async () => {
    const dataDir = await tempDir('cxr-cli-bad-');
    await expect(cli(dataDir, 'score')).rejects.toMatchObject({ stderr: expect.stringContaining('No model version is active') });
    await expect(cli(dataDir, 'models', 'activate', 'x')).rejects.toMatchObject({ stderr: expect.stringContaining('needs a version id') });
    const junk = path.join(dataDir, 'junk.cxrmodel');
    writeFileSync(junk, 'not a model');
    await expect(cli(dataDir, 'models', 'import', junk)).rejects.toMatchObject({ code: 1 });
  }, 120_000);
});
