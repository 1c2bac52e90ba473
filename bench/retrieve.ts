/**
 * Retrieving from an archive, against dcmtk in the same run on the same studies: Orthanc 1.10 (with
 * its DICOMweb plugin) on 127.0.0.1 holds the studies; each run retrieves all of them, one study
 * request after another, into an empty destination:
 * - C-MOVE: ours (our C-MOVE SCU; Orthanc sends to our node's storage SCP, which spools each instance,
 *   then imports it: decoded, its copy fsynced, its row committed) against dcmtk's movescu with its
 *   own storage SCP writing plain files;
 * - C-GET: ours (the instances come back on our association and enter the same spool and import)
 *   against dcmtk's getscu writing plain files;
 * - WADO-RS: ours (QIDO-RS for the study's instances, one WADO-RS request per instance, same
 *   import) against getscu, the nearest dcmtk peer (dcmtk has no DICOMweb client).
 * Ours is timed until every instance is imported; the peers until their last file is written.
 *   npm run bench:retrieve [-- --instances 40 --studies 8 --source wg04/REF__RG3_UNC.dcm]
 * Writes bench/results/retrieve.json. Needs dcmtk (movescu, getscu) and Orthanc on the PATH.
 */
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { openAppServices } from '../src-main/services/app/app-services';
import type { RemoteArchive } from '../src-shared/ipc/archive-contract';
import { freePort, runTool, stopChildren } from '../test/support/dicom-tools';
import { writeVariants } from '../test/support/dicom-variants';
import { startOrthanc, type OrthancServer } from '../test/support/orthanc';
import { SHARED_DATA } from '../test/support/shared-data';

function option(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1]! : fallback;
}

const INSTANCES = Number(option('instances', '40'));
const STUDIES = Number(option('studies', '8'));
const SOURCE = option('source', 'wg04/REF__RG3_UNC.dcm');

interface Run {
  seconds: number;
  instances: number;
  imagesPerSecond: number;
  /** Ours: until the last instance was received and spooled (the import still running behind). */
  receivedSeconds?: number;
  receivedImagesPerSecond?: number;
}

function run(seconds: number, instances: number, receivedSeconds?: number): Run {
  const round = (value: number, places: number) => Math.round(value * 10 ** places) / 10 ** places;
  const result: Run = { seconds: round(seconds, 2), instances, imagesPerSecond: round(instances / seconds, 1) };
  if (receivedSeconds !== undefined) Object.assign(result, { receivedSeconds: round(receivedSeconds, 2), receivedImagesPerSecond: round(instances / receivedSeconds, 1) });
  return result;
}

async function countFiles(dir: string): Promise<number> {
  let count = 0;
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) if (entry.isFile()) count++;
  return count;
}

async function peer(tool: 'movescu' | 'getscu', orthanc: OrthancServer, uids: string[], movePort: number): Promise<Run> {
  const dir = await mkdtemp(path.join(os.tmpdir(), `cxr-bench-${tool}-`));
  try {
    const started = performance.now();
    for (const uid of uids) {
      const args = ['-S', '-aet', tool === 'movescu' ? 'MOVESCU' : 'GETSCU', '-aec', orthanc.aeTitle, '-od', dir, '-k', 'QueryRetrieveLevel=STUDY', '-k', `StudyInstanceUID=${uid}`];
      if (tool === 'movescu') args.push('--port', String(movePort), '-aem', 'MOVESCU');
      const result = await runTool(tool, [...args, '127.0.0.1', String(orthanc.dicomPort)]);
      if (result.code !== 0) throw new Error(`${tool} failed: ${result.stderr.slice(-500)}`);
    }
    const seconds = (performance.now() - started) / 1000;
    return run(seconds, await countFiles(dir));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function ours(archive: RemoteArchive, uids: string[], nodePort: number): Promise<Run> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'cxr-bench-retrieve-'));
  const services = openAppServices(dataDir, { startDicomNode: false });
  try {
    await services.dicomNode.updateSettings({ enabled: true, port: nodePort, allowedPeers: [] });
    services.archives.updateSettings({ archives: [archive] });
    const started = performance.now();
    let received: number | undefined;
    const result = await services.archives.retrieve(archive.name, uids, {
      onProgress: (progress) => {
        if (received === undefined && progress.studies.every((study) => study.state !== 'waiting' && study.state !== 'retrieving')) received = performance.now();
      },
    });
    await services.dicomNode.imported();
    const seconds = (performance.now() - started) / 1000;
    const failed = result.studies.filter((study) => study.state !== 'done');
    if (failed.length > 0) throw new Error(`${archive.name}: ${failed.length} studies not retrieved: ${failed[0]!.error}`);
    return run(seconds, services.db.prepare('SELECT COUNT(*) FROM images').pluck().get() as number, ((received ?? performance.now()) - started) / 1000);
  } finally {
    await services.close();
    await rm(dataDir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const nodePort = await freePort();
  const movePort = await freePort();
  const orthanc = await startOrthanc({ triage: ['CXRTRIAGE', '127.0.0.1', nodePort], movescu: ['MOVESCU', '127.0.0.1', movePort] });
  const source = await mkdtemp(path.join(os.tmpdir(), 'cxr-bench-retrieve-src-'));
  try {
    await orthanc.upload(await writeVariants(path.join(SHARED_DATA, 'dicom', SOURCE), source, INSTANCES, { studies: STUDIES }));
    const studyIds = (await orthanc.rest('GET', '/studies')) as string[];
    const uids: string[] = [];
    for (const id of studyIds) uids.push(((await orthanc.rest('GET', `/studies/${id}`)) as { MainDicomTags: { StudyInstanceUID: string } }).MainDicomTags.StudyInstanceUID);
    const dimse = { kind: 'dimse', aeTitle: orthanc.aeTitle, host: '127.0.0.1', port: orthanc.dicomPort } as const;
    const results = {
      movescu: await peer('movescu', orthanc, uids, movePort),
      oursMove: await ours({ ...dimse, name: 'move', retrieve: 'c-move' }, uids, nodePort),
      getscu: await peer('getscu', orthanc, uids, movePort),
      oursGet: await ours({ ...dimse, name: 'get', retrieve: 'c-get' }, uids, nodePort),
      oursWado: await ours({ kind: 'dicomweb', name: 'web', baseUrl: orthanc.dicomWeb }, uids, nodePort),
    };
    const ratio = (a: Run, b: Run) => Math.round((a.imagesPerSecond / b.imagesPerSecond) * 100) / 100;
    const receivedRatio = (a: Run, b: Run) => Math.round(((a.receivedImagesPerSecond ?? 0) / b.imagesPerSecond) * 100) / 100;
    const report = {
      date: new Date().toISOString(),
      machine: `${os.cpus().length} cores, ${os.cpus()[0]?.model ?? 'unknown CPU'}`,
      loadAverageAtEnd: os.loadavg().map((load) => Math.round(load * 10) / 10),
      archive: 'Orthanc 1.10 + DICOMweb plugin 1.7 on 127.0.0.1',
      source: SOURCE,
      instances: INSTANCES,
      studies: STUDIES,
      ours: 'timed until every instance is imported (decoded, fsynced, committed)',
      peers: 'dcmtk 3.6.7, timed until every file is written (no decoding, no fsync)',
      results,
      ratios: { cMove: ratio(results.oursMove, results.movescu), cGet: ratio(results.oursGet, results.getscu), wadoVsGetscu: ratio(results.oursWado, results.getscu) },
      receivedRatios: {
        cMove: receivedRatio(results.oursMove, results.movescu),
        cGet: receivedRatio(results.oursGet, results.getscu),
        wadoVsGetscu: receivedRatio(results.oursWado, results.getscu),
      },
    };
    const line = (name: string, r: Run) =>
      `${name.padEnd(22)} ${String(r.instances).padStart(4)} images in ${r.seconds.toFixed(2).padStart(6)} s: ${r.imagesPerSecond} images/s` +
      (r.receivedSeconds === undefined ? '' : ` (all received in ${r.receivedSeconds.toFixed(2)} s: ${r.receivedImagesPerSecond} images/s)`);
    console.log(`${INSTANCES} instances of ${SOURCE} in ${STUDIES} studies, one request per study, ${report.machine}`);
    console.log(line('movescu (dcmtk)', results.movescu));
    console.log(line('ours C-MOVE', results.oursMove));
    console.log(line('getscu (dcmtk)', results.getscu));
    console.log(line('ours C-GET', results.oursGet));
    console.log(line('ours WADO-RS', results.oursWado));
    console.log(`ratios (ours imported / dcmtk written): C-MOVE ${report.ratios.cMove}, C-GET ${report.ratios.cGet}, WADO-RS vs getscu ${report.ratios.wadoVsGetscu}`);
    console.log(`ratios (ours received / dcmtk written): C-MOVE ${report.receivedRatios.cMove}, C-GET ${report.receivedRatios.cGet}, WADO-RS vs getscu ${report.receivedRatios.wadoVsGetscu}`);
    console.log(`load average at the end: ${report.loadAverageAtEnd.join(' ')} (a busy machine makes every figure noisy)`);
    await writeFile(path.join(import.meta.dirname, 'results', 'retrieve.json'), `${JSON.stringify(report, null, 2)}\n`);
  } finally {
    await orthanc.stop();
    await stopChildren();
    await rm(source, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : String(error));
    process.exit(1);
  },
);
