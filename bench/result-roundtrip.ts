/**
 * A study's result round trip: from the end of its storescu send to the node (the sender has its
 * answer) to its Structured Report stored in Orthanc (Orthanc answered the C-STORE with success,
 * read from the outbox's sent time, and the SR then looked up in Orthanc), over N studies sent one
 * at a time (nothing queued: the latency of one study) and N studies in one association (a burst).
 * Peer in the same run: dcmtk's storescu sending one of the built SR files to the same Orthanc, the
 * archive's and network's share of the round trip.
 * The model is the tiny real TensorFlow.js model of the tests (test/support/tiny-pneumonia-model.ts),
 * so what is measured is the node, scoring path, SR build and outbox, not the network's size.
 *   npm run bench:result-roundtrip [-- --studies 20]
 * Writes bench/results/result-roundtrip.json. Needs dcmtk and Orthanc (/usr/sbin/Orthanc).
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { openAppServices, type AppServices } from '../src-main/services/app/app-services';
import { runTool, freePort, stopChildren } from '../test/support/dicom-tools';
import { writeVariants } from '../test/support/dicom-variants';
import { TestOrthanc } from '../test/support/orthanc';
import { SHARED_DATA } from '../test/support/shared-data';
import { writeTinyPneumoniaModel } from '../test/support/tiny-pneumonia-model';

function option(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1]! : fallback;
}

const STUDIES = Number(option('studies', '20'));
const SOURCE = path.join(SHARED_DATA, 'dicom', 'wg04/J2KI__RG1_J2KI.dcm');

function summary(ms: number[]): { median: number; max: number; min: number } {
  const sorted = [...ms].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const median = sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  return { median: Math.round(median), max: Math.round(sorted.at(-1)!), min: Math.round(sorted[0]!) };
}

/** Where a study's round trip went (ms since the epoch): imported, scored, its SR built, Orthanc's answer. */
function stages(services: AppServices, studyUid: string): { imported: number; scored: number; built: number; sent: number } {
  const row = services.db
    .prepare(
      `SELECT MAX(i.created_at) AS imported, MAX(p.created_at) AS scored, r.created_at AS built, o.sent_at AS sent
       FROM studies s JOIN images i ON i.study_id = s.id JOIN predictions p ON p.image_id = i.id
       JOIN dicom_results r ON r.study_id = s.id JOIN dicom_outbox o ON o.result_id = r.id
       WHERE s.study_uid = ? GROUP BY r.id`,
    )
    .get(studyUid) as { imported: string; scored: string; built: string; sent: string };
  return { imported: Date.parse(row.imported), scored: Date.parse(row.scored), built: Date.parse(row.built), sent: Date.parse(row.sent) };
}

/** Waits until the study's result is sent; answers when Orthanc answered (ms since the epoch). */
async function sentAt(services: AppServices, studyUid: string): Promise<number> {
  const query = services.db.prepare(
    `SELECT o.sent_at FROM dicom_outbox o JOIN dicom_results r ON r.id = o.result_id JOIN studies s ON s.id = r.study_id
     WHERE s.study_uid = ? AND o.state = 'sent'`,
  );
  for (let i = 0; i < 6000; i++) {
    const at = query.pluck().get(studyUid) as string | undefined;
    if (at) return Date.parse(at);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error('a result was not sent within 60 s');
}

async function studyUidOf(file: string): Promise<string> {
  const dump = await runTool('dcmdump', ['+P', '0020,000d', file]);
  return /\[([0-9.]+)\]/.exec(dump.stdout)![1]!;
}

async function main(): Promise<void> {
  const root = await mkdtemp(path.join(os.tmpdir(), 'cxr-bench-roundtrip-'));
  const orthanc = await TestOrthanc.create({});
  const nodePort = await freePort();
  const services = openAppServices(path.join(root, 'data'), { startDicomNode: false });
  try {
    const staging = services.registry.stagingDir();
    await writeTinyPneumoniaModel(staging, { threshold: 0.3, seed: 1 });
    services.models.activate(services.registry.register(staging, 'tiny bench model', 'model.trained').id);
    await services.dicomNode.updateSettings({ enabled: true, port: nodePort, allowedPeers: [{ aeTitle: 'STORESCU', host: '127.0.0.1' }] });
    services.results.updateSettings({ destinations: [{ aeTitle: 'ORTHANC', host: '127.0.0.1', port: orthanc.dicomPort }], autoSend: true });
    const store = (files: string[]) => runTool('storescu', ['-xw', '-aet', 'STORESCU', '-aec', 'CXRTRIAGE', '127.0.0.1', String(nodePort), ...files]);

    // Warm-up: the compute worker loads the model once; not counted.
    await store(await writeVariants(SOURCE, path.join(root, 'warm'), 1, { first: 0 }));
    await sentAt(services, await studyUidOf(path.join(root, 'warm', 'variant-0000.dcm')));

    const single: number[] = [];
    const parts = { imported: [] as number[], scored: [] as number[], built: [] as number[], sent: [] as number[] };
    const loadBefore = os.loadavg()[0];
    for (let i = 0; i < STUDIES; i++) {
      const [file] = await writeVariants(SOURCE, path.join(root, `one-${i}`), 1, { first: 1 + i });
      const studyUid = await studyUidOf(file!);
      const result = await store([file!]);
      const sendEnd = Date.now();
      if (result.code !== 0) throw new Error(`storescu failed: ${result.stderr}`);
      single.push((await sentAt(services, studyUid)) - sendEnd);
      const at = stages(services, studyUid);
      parts.imported.push(at.imported - sendEnd);
      parts.scored.push(at.scored - at.imported);
      parts.built.push(at.built - at.scored);
      parts.sent.push(at.sent - at.built);
    }

    const burstFiles = await writeVariants(SOURCE, path.join(root, 'burst'), STUDIES, { first: 1000 });
    const burstUids = await Promise.all(burstFiles.map(studyUidOf));
    const result = await store(burstFiles);
    const burstEnd = Date.now();
    if (result.code !== 0) throw new Error(`storescu failed: ${result.stderr}`);
    const burst = (await Promise.all(burstUids.map((uid) => sentAt(services, uid)))).map((at) => at - burstEnd);

    const reports = await orthanc.structuredReports();
    if (reports.length !== 1 + 2 * STUDIES) throw new Error(`Orthanc holds ${reports.length} SRs, expected ${1 + 2 * STUDIES}`);

    // The peer: storescu sending one built SR to the same Orthanc (connect, associate, store, release).
    const srFile = path.join(root, 'sr.dcm');
    await writeFile(srFile, await orthanc.instanceFile(reports[0]!.id));
    const peer: number[] = [];
    for (let i = 0; i < 10; i++) {
      const started = performance.now();
      const sent = await runTool('storescu', ['-aet', 'PEER', '-aec', 'ORTHANC', '127.0.0.1', String(orthanc.dicomPort), srFile]);
      if (sent.code !== 0) throw new Error(`storescu to Orthanc failed: ${sent.stderr}`);
      peer.push(performance.now() - started);
    }

    const report = {
      measuredAt: new Date().toISOString(),
      machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model ?? 'unknown' },
      studies: STUDIES,
      source: 'wg04/J2KI__RG1_J2KI.dcm (adult chest CR, JPEG 2000), one instance a study',
      model: 'tiny real TensorFlow.js model (test/support/tiny-pneumonia-model.ts)',
      loadAverage1mAtStart: loadBefore,
      oneAtATimeMs: summary(single),
      oneAtATimeStagesMs: {
        sendEndToImported: summary(parts.imported),
        importedToScored: summary(parts.scored),
        scoredToSrBuilt: summary(parts.built),
        srBuiltToStoredInOrthanc: summary(parts.sent),
      },
      burstInOneAssociationMs: summary(burst),
      peerStorescuOneSrToOrthancMs: summary(peer),
      orthancStructuredReports: reports.length,
    };
    console.log(`From a study's storescu send end to its SR stored in Orthanc, ${STUDIES} studies:`);
    console.log(`  one at a time:           median ${report.oneAtATimeMs.median} ms, max ${report.oneAtATimeMs.max} ms`);
    const st = report.oneAtATimeStagesMs;
    console.log(`    of which (medians): imported ${st.sendEndToImported.median} ms, scored +${st.importedToScored.median} ms, SR built +${st.scoredToSrBuilt.median} ms, stored in Orthanc +${st.srBuiltToStoredInOrthanc.median} ms`);
    console.log(`  ${STUDIES} in one association: median ${report.burstInOneAssociationMs.median} ms, max ${report.burstInOneAssociationMs.max} ms (from the end of the whole send)`);
    console.log(`  peer, storescu sending one SR to Orthanc: median ${report.peerStorescuOneSrToOrthancMs.median} ms`);
    await writeFile(path.join(import.meta.dirname, 'results', 'result-roundtrip.json'), `${JSON.stringify(report, null, 2)}\n`);
  } finally {
    await services.close();
    await orthanc.stop();
    await stopChildren();
  }
}

await main();
