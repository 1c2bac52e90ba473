import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import dicomParser from 'dicom-parser';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort, startChild, stopChild, stopChildren, waitForOutput } from '../../support/dicom-tools';
import { writeVariants } from '../../support/dicom-variants';
import { tempDir } from '../../support/fixtures';
import { requireSharedData } from '../../support/shared-data';

/**
 * The crash case: `cli listen` killed with SIGKILL in the middle of a storescu transfer, restarted,
 * the files sent again. Every instance storescu saw acknowledged before the kill must be kept exactly
 * once (imported, or in the spool), and after the restart and the resend every instance is imported once.
 */
const repoRoot = path.resolve(import.meta.dirname, '../../..');
/** Node itself with tsx as a loader: the tsx binary runs the script in a child process, which a SIGKILL to it would miss. */
const NODE_WITH_TSX = [process.execPath, '--import', 'tsx'] as const;

/** The stored file name of an instance: its SOP Instance UID. */
function sopOf(file: string): string {
  return `${dicomParser.parseDicom(readFileSync(file), { untilTag: 'x00080018' }).string('x00080018')!}.dcm`;
}

afterAll(async () => stopChildren());

async function startListener(dataDir: string, port: number) {
  const child = startChild(NODE_WITH_TSX[0], [...NODE_WITH_TSX.slice(1), path.join(repoRoot, 'src-main/cli.ts'), 'listen', '--data-dir', dataDir, '--port', String(port), '--allow', 'STORESCU@127.0.0.1'], { cwd: repoRoot });
  await waitForOutput(child, /Listening as CXRTRIAGE/);
  return child;
}

/** Runs storescu -v and reports which files it saw acknowledged with success, as it goes. */
function storescuWatched(port: number, files: string[], onAcknowledged: (file: string, count: number) => void) {
  const child = startChild('storescu', ['-v', '-xx', '-aet', 'STORESCU', '-aec', 'CXRTRIAGE', '127.0.0.1', String(port), ...files]);
  const acknowledged: string[] = [];
  let current: string | null = null;
  let pending = '';
  const onData = (chunk: Buffer) => {
    pending += chunk.toString();
    const lines = pending.split('\n');
    pending = lines.pop()!;
    for (const line of lines) {
      const sending = /Sending file: (.+)$/.exec(line);
      if (sending) current = sending[1]!.trim();
      if (/Received Store Response \(Success/.test(line) && current) {
        acknowledged.push(current);
        onAcknowledged(current, acknowledged.length);
      }
    }
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, acknowledged, exited };
}

describe('cli listen killed during a transfer', () => {
  it('keeps every acknowledged instance exactly once, and a resend completes the set', async () => {
    const dataDir = await tempDir('cxr-kill-');
    const files = await writeVariants(path.join(requireSharedData('dicom'), 'wg04/JPLY__RG3_JPLY.dcm'), await tempDir('cxr-kill-src-'), 80, { studies: 8 });
    const port = await freePort();

    let listener = await startListener(dataDir, port);
    const first = storescuWatched(port, files, (_file, count) => {
      if (count === 15) listener.kill('SIGKILL');
    });
    await first.exited;
    await stopChild(listener);
    expect(first.acknowledged.length).toBeGreaterThanOrEqual(15);
    expect(first.acknowledged.length).toBeLessThan(files.length);
    const acknowledgedBeforeKill = [...first.acknowledged];

    // Acknowledged means kept: imported already, or in the spool with its file, waiting for the next start.
    const db = new Database(path.join(dataDir, 'cxr-triage.sqlite'), { readonly: true });
    const rowsFor = db.prepare('SELECT COUNT(*) FROM images WHERE file_name = ?').pluck();
    const spooled = db.prepare('SELECT file_name FROM dicom_spool WHERE sop_instance_uid = ?').pluck();
    let waiting = 0;
    for (const file of acknowledgedBeforeKill) {
      const sop = sopOf(file);
      const spoolFile = spooled.get(sop.replace(/\.dcm$/, '')) as string | undefined;
      expect((rowsFor.get(sop) as number) + (spoolFile ? 1 : 0), file).toBe(1);
      if (spoolFile) {
        expect(existsSync(path.join(dataDir, 'dicom-spool', spoolFile))).toBe(true);
        waiting++;
      }
    }
    db.close();
    console.log(`${acknowledgedBeforeKill.length} acknowledged before the kill, ${waiting} of them still in the spool`);

    listener = await startListener(dataDir, port);
    const second = storescuWatched(port, files, () => undefined);
    expect(await second.exited).toBe(0);
    expect(second.acknowledged.length).toBe(files.length);
    // SIGTERM waits for the spool to be imported: on a busy machine that takes more than stopChild's usual 10 s.
    await stopChild(listener, 'SIGTERM', 180_000);
    expect(listener.exitCode).toBe(0);

    const after = new Database(path.join(dataDir, 'cxr-triage.sqlite'), { readonly: true });
    expect(after.prepare('SELECT COUNT(*) FROM images').pluck().get()).toBe(files.length);
    expect(after.prepare('SELECT COUNT(*) FROM dicom_spool').pluck().get()).toBe(0);
    expect(after.prepare('SELECT COUNT(DISTINCT sop_instance_uid) FROM images').pluck().get()).toBe(files.length);
    expect(after.prepare('SELECT COUNT(DISTINCT study_id) FROM images').pluck().get()).toBe(8);
    for (const file of files) expect(after.prepare('SELECT COUNT(*) FROM images WHERE file_name = ?').pluck().get(sopOf(file)), file).toBe(1);
    // Every row's stored copy is on disk (written and fsynced before its row was committed).
    const stored = after.prepare('SELECT stored_path FROM images').pluck().all() as string[];
    for (const relative of stored) expect(existsSync(path.join(dataDir, 'images', relative))).toBe(true);
    // The association the kill cut off is in the import history as interrupted.
    expect(after.prepare("SELECT COUNT(*) FROM imports WHERE status = 'interrupted'").pluck().get()).toBe(1);
    after.close();
  }, 400_000);
});
