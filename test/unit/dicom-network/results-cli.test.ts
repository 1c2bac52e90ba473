import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openAppServices } from '../../../src-main/services/app/app-services';
import { freePort, runTool, startChild, stopChild, stopChildren, waitForOutput } from '../../support/dicom-tools';
import { writeVariants } from '../../support/dicom-variants';
import { tempDir } from '../../support/fixtures';
import { TestOrthanc } from '../../support/orthanc';
import { requireSharedData } from '../../support/shared-data';
import { writeTinyPneumoniaModel } from '../../support/tiny-pneumonia-model';

/**
 * `cli listen --send-results-to` against a real Orthanc: killed with SIGKILL while its results wait
 * for an archive that is down, restarted, nothing lost or doubled; then two workstations (two data
 * folders, two AE titles) receive the same study from Orthanc and both their SRs land there.
 */
const repoRoot = path.resolve(import.meta.dirname, '../../..');
const NODE_WITH_TSX = [process.execPath, '--import', 'tsx'] as const;
const chestCr = path.join(requireSharedData('dicom'), 'wg04/J2KI__RG1_J2KI.dcm');
let orthanc: TestOrthanc;
const ports = { a: 0, b: 0 };

async function until<T>(what: string, check: () => T | Promise<T>, timeoutMs = 90_000): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** A data folder with the tiny model active, as an operator would leave it before starting the node. */
async function workstationDataDir(): Promise<string> {
  const dir = await tempDir('cxr-ws-');
  const services = openAppServices(dir, { startDicomNode: false });
  const staging = services.registry.stagingDir();
  await writeTinyPneumoniaModel(staging, { threshold: 0.3, seed: 1 });
  services.models.activate(services.registry.register(staging, 'tiny test model', 'model.trained').id);
  await services.close();
  return dir;
}

async function listen(dataDir: string, ae: string, port: number) {
  const child = startChild(
    NODE_WITH_TSX[0],
    [...NODE_WITH_TSX.slice(1), path.join(repoRoot, 'src-main/cli.ts'), 'listen', '--data-dir', dataDir, '--ae', ae, '--port', String(port),
      '--allow', 'STORESCU@127.0.0.1', '--allow', 'ORTHANC@127.0.0.1', '--send-results-to', `ORTHANC@127.0.0.1:${orthanc.dicomPort}`],
    { cwd: repoRoot },
  );
  await waitForOutput(child, /Results are sent as Structured Reports to ORTHANC@/);
  return child;
}

function outbox(dataDir: string): { state: string; sop: string }[] {
  const db = new Database(path.join(dataDir, 'cxr-triage.sqlite'), { readonly: true });
  try {
    return db.prepare('SELECT o.state, r.sop_instance_uid AS sop FROM dicom_outbox o JOIN dicom_results r ON r.id = o.result_id').all() as { state: string; sop: string }[];
  } finally {
    db.close();
  }
}

beforeAll(async () => {
  ports.a = await freePort();
  ports.b = await freePort();
  orthanc = await TestOrthanc.create({ wsa: ['WSA', '127.0.0.1', ports.a], wsb: ['WSB', '127.0.0.1', ports.b] });
}, 60_000);

afterAll(async () => stopChildren());

describe('cli listen --send-results-to', () => {
  it('killed with results pending, restarted: every result arrives once, with the UIDs it was built with', async () => {
    const dataDir = await workstationDataDir();
    await orthanc.stop();
    let node = await listen(dataDir, 'WSA', ports.a);
    const files = await writeVariants(chestCr, await tempDir('cxr-ws-src-'), 3, { first: 100 });
    const sent = await runTool('storescu', ['-xw', '-aet', 'STORESCU', '-aec', 'WSA', '127.0.0.1', String(ports.a), ...files]);
    expect(sent.code, sent.stderr).toBe(0);
    await until('three results queued for the archive that is down', () => outbox(dataDir).length === 3);
    node.kill('SIGKILL');
    await stopChild(node);
    const before = outbox(dataDir);
    expect(before.every((row) => row.state !== 'sent')).toBe(true);

    await orthanc.start();
    node = await listen(dataDir, 'WSA', ports.a);
    await until('all three sent after the restart', () => outbox(dataDir).filter((row) => row.state === 'sent').length === 3);
    const reports = await orthanc.structuredReports();
    expect(reports.map((r) => r.sopInstanceUid).sort()).toEqual(before.map((row) => row.sop).sort());
    expect(new Set(reports.map((r) => r.studyInstanceUid)).size).toBe(3);
    await stopChild(node, 'SIGTERM');
    expect(node.exitCode).toBe(0);
    expect(outbox(dataDir)).toHaveLength(3);
  }, 300_000);

  it('two workstations on one Orthanc: both receive the study, Orthanc holds both SRs, each naming its station and version', async () => {
    const [dirA, dirB] = await Promise.all([workstationDataDir(), workstationDataDir()]);
    const [a, b] = await Promise.all([listen(dirA, 'WSA', ports.a), listen(dirB, 'WSB', ports.b)]);
    const [file] = await writeVariants(chestCr, await tempDir('cxr-ws-shared-'), 1, { first: 200 });
    const uploaded = await orthanc.post<{ ParentStudy: string }>('/instances', readFileSync(file!));
    await orthanc.post('/modalities/wsa/store', uploaded.ParentStudy);
    await orthanc.post('/modalities/wsb/store', uploaded.ParentStudy);
    const studyUid = (await orthanc.get<{ MainDicomTags: { StudyInstanceUID: string } }>(`/studies/${uploaded.ParentStudy}`)).MainDicomTags.StudyInstanceUID;
    const reports = await until('both workstations’ SRs in the study', async () => {
      const inStudy = (await orthanc.structuredReports()).filter((r) => r.studyInstanceUid === studyUid);
      return inStudy.length === 2 ? inStudy : null;
    });
    expect(reports.map((r) => r.stationName).sort()).toEqual(['WSA', 'WSB']);
    for (const report of reports) {
      const file = path.join(await tempDir('cxr-ws-sr-'), 'sr.dcm');
      writeFileSync(file, await orthanc.instanceFile(report.id));
      const dump = await runTool('dsrdump', ['+Pl', file]);
      expect(dump.stdout).toContain(`"Workstation")="${report.stationName}"`);
      expect(dump.stdout).toContain('"Algorithm Name")="tiny test model"');
      expect(dump.stdout).toMatch(/"Model version id"\)="\d+"/);
    }
    await Promise.all([stopChild(a, 'SIGTERM'), stopChild(b, 'SIGTERM')]);
  }, 300_000);
});
