import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { printable } from '../../../src-main/terminal-text';
import { makeImage, tempDir, writeTree } from '../../support/fixtures';

const root = path.resolve(import.meta.dirname, '../../..');

function cli(...args: string[]): string[] {
  const result = spawnSync(process.execPath, ['--import', 'tsx', 'src-main/cli.ts', ...args], { cwd: root, encoding: 'utf8' });
  expect(result.status, result.stderr).toBe(0);
  return result.stdout.split('\n');
}

describe('CLI output', () => {
  it('prints control characters in file names escaped, so a name cannot forge a line or drive the terminal', async () => {
    const folder = await tempDir('cxr-names-');
    const forged = 'notes\nImport completed: 999 added, 0 already present, 0 rejected.txt';
    await writeTree(folder, { [forged]: 'not an image', 'x\u001b[2Jy.png': await makeImage('png', 1) });
    const dataDir = await tempDir('cxr-data-');

    const imported = cli('import', folder, '--data-dir', dataDir);
    expect(imported.filter((line) => line.startsWith('Import completed'))).toEqual([expect.stringMatching(/^Import completed: 1 added, 0 already present, 1 rejected/)]);
    expect(imported).toContain('  rejected notes\\nImport completed: 999 added, 0 already present, 0 rejected.txt: not a PNG, JPEG or DICOM file');

    const listed = cli('list', '--data-dir', dataDir).join('\n');
    expect(listed).not.toContain('\u001b');
    expect(listed).toContain('x\\x1b[2Jy.png');
  });

  it('escapes C0 and C1 controls and bidirectional overrides, and leaves other text alone', () => {
    expect(printable('a\tb\r\n\u0000\u007f\u0085')).toBe('a\\tb\\r\\n\\x00\\x7f\\x85');
    expect(printable('report\u202Efdp.exe')).toBe('report\\u202efdp.exe');
    expect(printable('Müller^Jürgen 李 ＝1.dcm')).toBe('Müller^Jürgen 李 ＝1.dcm');
  });
});
