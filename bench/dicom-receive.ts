/**
 * The DICOM node receiving chest X-rays, against dcmtk in the same run on the same files:
 * - throughput: instances/s and MB/s receiving 200 CR instances sent by storescu in one association,
 *   ours (dcmjs-dimse; each instance parsed, written to the spool and its row committed before its
 *   answer, then imported behind: decoded, its copy fsynced, its study row committed) against dcmtk's
 *   storescp (writes each file, no decoding, no fsync), and the ratio of the times until the sender
 *   has every answer (target >= 0.8); the time until all are imported is reported beside it;
 *   a third row, our SCP writing each file as storescp does (no pipeline), splits the networking
 *   (dcmjs-dimse) from the import pipeline's work;
 * - latency: a 50-study queue sent to the node with a model version active; the time from the last
 *   instance received (storescu has every answer) to all 50 scored (target < 5 s on 2 cores).
 * The model is the tiny real TensorFlow.js model of the tests (28x28 input, a conv layer and a dense
 * head, test/support/tiny-pneumonia-model.ts): what is measured is the node and the scoring path
 * (decoding, preprocessing, the compute worker, Grad-CAM, the commits), not the network's size.
 *   npm run bench:dicom-receive [-- --instances 200 --studies 50 --source wg04/REF__RG3_UNC.dcm]
 * Writes bench/results/dicom-receive.json. Needs dcmtk (storescu, storescp) on the PATH.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { openAppServices, type AppServices } from '../src-main/services/app/app-services';
import { DEFAULT_DICOM_NODE_SETTINGS } from '../src-shared/ipc/dicom-node-contract';
import type { AssociationArrivals } from '../src-main/services/dicom-network/association-arrivals';
import { StorageScp } from '../src-main/services/dicom-network/storage-scp';
import { readableTransferSyntaxUids } from '../src-main/services/imaging/dicom/transfer-syntaxes';
import { freePort, runTool } from '../test/support/dicom-tools';
import { writeVariants } from '../test/support/dicom-variants';
import { SHARED_DATA } from '../test/support/shared-data';
import { writeTinyPneumoniaModel } from '../test/support/tiny-pneumonia-model';

function option(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1]! : fallback;
}

const INSTANCES = Number(option('instances', '200'));
const STUDIES = Number(option('studies', '50'));
const SOURCE = option('source', 'wg04/REF__RG3_UNC.dcm');
/** storescu's option proposing the source's own transfer syntax (explicit VR little endian by default). */
const PROPOSE = option('propose', '-x=');
const ALLOWED = [{ aeTitle: 'STORESCU', host: '127.0.0.1' }];

async function waitForPort(port: number): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, '127.0.0.1', () => {
        socket.destroy();
        resolve(true);
      });
      socket.on('error', () => resolve(false));
    });
    if (open) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`nothing listens on ${port}`);
}

async function send(port: number, calledAe: string, files: string[]): Promise<number> {
  const started = performance.now();
  const result = await runTool('storescu', ['-aet', 'STORESCU', '-aec', calledAe, PROPOSE, '127.0.0.1', String(port), ...files], 1_800_000);
  if (result.code !== 0) throw new Error(`storescu failed: ${result.stderr.slice(-500)}`);
  return (performance.now() - started) / 1000;
}

async function peerStorescp(files: string[], root: string): Promise<number> {
  const port = await freePort();
  const out = await mkdtemp(path.join(root, 'storescp-'));
  // +xa: accept every transfer syntax it knows, so nothing is transcoded on either side.
  const storescp = spawn('storescp', ['+xa', '-aet', 'STORESCP', '-od', out, String(port)], { stdio: 'ignore' });
  try {
    await waitForPort(port);
    return await send(port, 'STORESCP', files);
  } finally {
    storescp.kill('SIGTERM');
    await new Promise((resolve) => storescp.once('exit', resolve));
  }
}

/** Our SCP with the pipeline replaced by a plain file write, as storescp does: the networking alone. */
async function scpWritingFiles(files: string[], root: string): Promise<number> {
  const out = await mkdtemp(path.join(root, 'scp-only-'));
  const counts = { filesSeen: 0, added: 0, skipped: 0, rejected: 0 };
  const writer = {
    counts,
    studyIds: new Set<number>(),
    async store(file: Buffer, sopInstanceUid: string) {
      await writeFile(path.join(out, `${sopInstanceUid}.dcm`), file);
      counts.added++;
      return { kind: 'spooled' as const };
    },
    recordFailure() {},
    async finish() {},
  } as unknown as AssociationArrivals;
  const settings = { ...DEFAULT_DICOM_NODE_SETTINGS, enabled: true, allowedPeers: ALLOWED };
  const server = net.createServer((socket) => {
    new StorageScp(socket, {
      settings,
      readableTransferSyntaxes: new Set(readableTransferSyntaxUids()),
      idleMs: 60_000,
      maxInstanceBytes: 2 ** 30,
      arrivals: () => writer,
      onEnd: () => undefined,
    });
  });
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  try {
    return await send(port, 'CXRTRIAGE', files);
  } finally {
    server.close();
  }
}

/** Seconds until storescu has every answer (what it waits for), and until every instance is imported. */
async function oursReceiving(files: string[], root: string): Promise<{ acknowledged: number; imported: number }> {
  const services = openAppServices(await mkdtemp(path.join(root, 'ours-')), { startDicomNode: false });
  try {
    const status = await services.dicomNode.start({ enabled: true, aeTitle: 'CXRTRIAGE', port: await freePort(), bindAddress: '127.0.0.1', allowedPeers: ALLOWED });
    const started = performance.now();
    const acknowledged = await send(status.port, 'CXRTRIAGE', files);
    const stored = services.db.prepare('SELECT COUNT(*) FROM images').pluck();
    while ((stored.get() as number) < files.length) await new Promise((resolve) => setTimeout(resolve, 10));
    return { acknowledged, imported: (performance.now() - started) / 1000 };
  } finally {
    await services.close();
  }
}

async function activeTinyModel(services: AppServices): Promise<number> {
  const staging = services.registry.stagingDir();
  await writeTinyPneumoniaModel(staging, { threshold: 0.3, seed: 1 });
  const version = services.registry.register(staging, 'tiny bench model', 'model.trained');
  services.models.activate(version.id);
  return version.id;
}

/** Seconds from the queue's last instance received to every instance scored by the active version. */
async function scoringLatency(files: string[], root: string): Promise<{ seconds: number; receiveSeconds: number; perStudy: { median: number; max: number } }> {
  const services = openAppServices(await mkdtemp(path.join(root, 'latency-')), { startDicomNode: false });
  try {
    const versionId = await activeTinyModel(services);
    const status = await services.dicomNode.start({ enabled: true, aeTitle: 'CXRTRIAGE', port: await freePort(), bindAddress: '127.0.0.1', allowedPeers: ALLOWED });
    const receiveSeconds = await send(status.port, 'CXRTRIAGE', files);
    // storescu has had every answer: the last instance is received.
    const lastReceived = performance.now();
    const scored = services.db.prepare('SELECT COUNT(*) FROM predictions WHERE model_version_id = ?').pluck();
    while ((scored.get(versionId) as number) < files.length) await new Promise((resolve) => setTimeout(resolve, 10));
    const seconds = (performance.now() - lastReceived) / 1000;
    // Each study's own wait: its image committed -> its prediction committed.
    const waits = (
      services.db
        .prepare('SELECT (julianday(p.created_at) - julianday(i.created_at)) * 86400 FROM predictions p JOIN images i ON i.id = p.image_id WHERE p.model_version_id = ?')
        .pluck()
        .all(versionId) as number[]
    ).sort((a, b) => a - b);
    return { seconds, receiveSeconds, perStudy: { median: waits[Math.floor(waits.length / 2)]!, max: waits.at(-1)! } };
  } finally {
    await services.close();
  }
}

const root = await mkdtemp(path.join(os.tmpdir(), 'cxr-bench-dicom-receive-'));
try {
  const source = path.join(SHARED_DATA, 'dicom', SOURCE);
  const files = await writeVariants(source, path.join(root, 'instances'), INSTANCES);
  const bytes = (await readFile(files[0]!)).length * files.length;
  // Read once so neither side pays for a cold page cache.
  for (const file of files) await readFile(file);
  // Each run starts with no other run's written data still being flushed to disk: ours fsyncs every
  // instance and would otherwise wait behind the previous run's writeback.
  const settle = async () => {
    for (const entry of await readdir(root)) if (entry !== 'instances') await rm(path.join(root, entry), { recursive: true, force: true });
    await runTool('sync', []);
  };
  await settle();
  const peerSeconds = await peerStorescp(files, root);
  await settle();
  const scpOnlySeconds = await scpWritingFiles(files, root);
  await settle();
  const ours = await oursReceiving(files, root);
  const oursSeconds = ours.acknowledged;
  await settle();
  const queue = await writeVariants(source, path.join(root, 'queue'), STUDIES, { studies: STUDIES, prefix: 'study' });
  const latency = await scoringLatency(queue, root);

  const rate = (seconds: number) => ({ seconds: round(seconds, 2), instancesPerSecond: round(INSTANCES / seconds, 1), megabytesPerSecond: round(bytes / 1e6 / seconds, 1) });
  const result = {
    date: new Date().toISOString(),
    machine: `${os.cpus().length} cores, ${os.cpus()[0]?.model ?? 'unknown CPU'}`,
    source: `${SOURCE} (${round(bytes / INSTANCES / 2 ** 20, 2)} MiB), ${INSTANCES} copies with new UIDs, one storescu association`,
    ours: rate(oursSeconds),
    /** Until the last received instance is through the import pipeline (decoded, its copy fsynced, its study row committed). */
    oursAllImported: rate(ours.imported),
    storescp: rate(peerSeconds),
    oursNetworkingOnly: rate(scpOnlySeconds),
    ratio: round(peerSeconds / oursSeconds, 2),
    ratioTarget: 0.8,
    scoring: {
      model: 'tiny TensorFlow.js test model (test/support/tiny-pneumonia-model.ts: 28x28 input, conv 4x4/4, GAP, dense)',
      studies: STUDIES,
      receiveSeconds: round(latency.receiveSeconds, 2),
      lastReceivedToAllScoredSeconds: round(latency.seconds, 2),
      perStudyArrivalToScoreSeconds: { median: round(latency.perStudy.median, 2), max: round(latency.perStudy.max, 2) },
      targetSeconds: 5,
    },
  };
  console.log(`ours:     ${result.ours.instancesPerSecond} instances/s, ${result.ours.megabytesPerSecond} MB/s (${result.ours.seconds} s)`);
  console.log(`          all ${INSTANCES} imported (decoded, fsynced, committed) after ${result.oursAllImported.seconds} s: ${result.oursAllImported.instancesPerSecond} instances/s`);
  console.log(`storescp: ${result.storescp.instancesPerSecond} instances/s, ${result.storescp.megabytesPerSecond} MB/s (${result.storescp.seconds} s)`);
  console.log(`our SCP writing files only (no pipeline): ${result.oursNetworkingOnly.instancesPerSecond} instances/s, ${result.oursNetworkingOnly.megabytesPerSecond} MB/s`);
  console.log(`ratio:    ${result.ratio} (ours / storescp throughput; target >= 0.8)`);
  console.log(`scoring:  ${STUDIES} studies, last instance received -> all scored in ${result.scoring.lastReceivedToAllScoredSeconds} s (target < 5 s)`);
  console.log(`          each study from its arrival to its score: median ${result.scoring.perStudyArrivalToScoreSeconds.median} s, max ${result.scoring.perStudyArrivalToScoreSeconds.max} s`);
  await writeFile(path.join(import.meta.dirname, 'results', 'dicom-receive.json'), `${JSON.stringify(result, null, 2)}\n`);
} finally {
  await rm(root, { recursive: true, force: true });
}

function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
