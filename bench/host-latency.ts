/**
 * How the browser host answers while it imports two huge files: reply latency of `app.info` over
 * the WebSocket (p50, p95, max) during an import of a folder holding two 500 MB files (one with a
 * DICOM preamble and junk after it, one of zeros), and the process's peak RSS. The same requests
 * on an idle host are the comparison.
 *
 *   npm run bench:host-latency -- [--size-mb 500]
 */
import { open, writeFile } from 'node:fs/promises';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import WebSocket from 'ws';
import { decodeMessage, encodeMessage } from '@shared/ipc/wire-codec';
import { openAppServices } from '../src-main/services/app/app-services';
import { startHost } from '../src-main/host/host-server';

const { values: args } = parseArgs({ options: { 'size-mb': { type: 'string', default: '500' } } });
const sizeMb = Number(args['size-mb']);

async function bigFile(file: string, head: Buffer): Promise<void> {
  const handle = await open(file, 'w');
  const chunk = Buffer.alloc(16 * 2 ** 20);
  await handle.write(head, 0, head.length, 0);
  const size = sizeMb * 2 ** 20;
  for (let written = head.length; written < size; written += chunk.length) await handle.write(chunk, 0, Math.min(chunk.length, size - written), written);
  await handle.close();
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

const dir = mkdtempSync(path.join(os.tmpdir(), 'cxr-host-latency-'));
const folder = path.join(dir, 'huge');
await import('node:fs/promises').then((fs) => fs.mkdir(folder));
const dicomHead = Buffer.alloc(132);
dicomHead.write('DICM', 128);
await bigFile(path.join(folder, 'huge.dcm'), dicomHead);
await bigFile(path.join(folder, 'zeros.png'), Buffer.alloc(0));

const services = openAppServices(path.join(dir, 'data'), { startDicomNode: false });
const rendererDir = path.join(dir, 'renderer');
await import('node:fs/promises').then((fs) => fs.mkdir(rendererDir));
await writeFile(path.join(rendererDir, 'index.html'), '<html></html>');
const host = await startHost({ services, rendererDir });
const ws = new WebSocket(`ws://127.0.0.1:${host.port}/api?token=${host.token}`);
await new Promise((resolve) => ws.once('open', resolve));
let nextId = 1;
const pending = new Map<number, () => void>();
ws.on('message', (data) => {
  const message = decodeMessage(String(data)) as { type: string; id: number };
  if (message.type === 'response') pending.get(message.id)?.();
});
const ask = () =>
  new Promise<number>((resolve) => {
    const id = nextId++;
    const started = performance.now();
    pending.set(id, () => resolve(performance.now() - started));
    ws.send(encodeMessage({ id, channel: 'app.info', payload: {} }));
  });

let peakRss = process.memoryUsage().rss;
const sample = async (until: () => boolean): Promise<number[]> => {
  const latencies: number[] = [];
  while (!until()) {
    latencies.push(await ask());
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return latencies;
};

const idleUntil = performance.now() + 2000;
const idle = await sample(() => performance.now() > idleUntil);
const rssBefore = process.memoryUsage().rss;
let finished = false;
const importStarted = performance.now();
const jobId = await services.importer.start(folder);
const done = services.jobs.waitFor(jobId).then((result) => {
  finished = true;
  return result;
});
const busy = await sample(() => finished);
const result = await done;
const summary = (values: number[]) => ({ requests: values.length, p50Ms: percentile(values, 50), p95Ms: percentile(values, 95), maxMs: Math.max(...values) });
console.log(
  JSON.stringify(
    {
      bench: 'host-latency',
      files: `two ${sizeMb} MB files: a DICOM preamble then zeros, and zeros named .png`,
      importSeconds: (performance.now() - importStarted) / 1000,
      rejected: result.importReport?.rejectedFiles.map((f) => f.reason),
      idle: summary(idle),
      duringImport: summary(busy),
      rssMbBefore: Math.round(rssBefore / 2 ** 20),
      rssMbPeak: Math.round(peakRss / 2 ** 20),
    },
    null,
    2,
  ),
);
ws.close();
await host.close();
await services.close();
await import('node:fs/promises').then((fs) => fs.rm(dir, { recursive: true, force: true }));
