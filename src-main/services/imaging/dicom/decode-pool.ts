import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { DicomError } from './dicom-error';
import type { DicomFrame, DicomSummary, GreyImage } from './dicom-image';
import type { DicomTag } from './dicom-tags';
import type { DecodeReply, DecodeRequest, DecodeSource, DecodeTask } from './decode-protocol';

/** A file that takes longer than this to decode is abandoned and its worker replaced. */
export const DEFAULT_DECODE_TIMEOUT_MS = 30_000;

type Job = { request: DecodeRequest; resolve: (value: unknown) => void; reject: (error: Error) => void };
interface Slot {
  worker: Worker;
  job: Job | null;
  timer: NodeJS.Timeout | null;
}

/**
 * The worker script: beside the bundle when built (`dicom-worker.js`), the TypeScript source
 * (run through tsx) under tests, the CLI and benchmarks.
 */
function workerEntry(): URL {
  const here = fileURLToPath(import.meta.url);
  if (here.endsWith('.ts')) {
    // Worker threads do not inherit tsx's loader; a small ES module bootstrap loads the source through tsx's API.
    const tsxPackage = createRequire(import.meta.url).resolve('tsx/package.json');
    const exports = (JSON.parse(readFileSync(tsxPackage, 'utf8')) as { exports: Record<string, { import: { default: string } }> }).exports;
    const tsx = pathToFileURL(path.join(path.dirname(tsxPackage), exports['./esm/api']!.import.default)).href;
    const source = pathToFileURL(path.join(path.dirname(here), 'decode-worker.ts')).href;
    const code = `import { tsImport } from ${JSON.stringify(tsx)}; await tsImport(${JSON.stringify(source)}, ${JSON.stringify(source)});`;
    return new URL(`data:text/javascript,${encodeURIComponent(code)}`);
  }
  for (const dir of [path.dirname(here), path.dirname(path.dirname(here))]) {
    const file = path.join(dir, 'dicom-worker.js');
    if (existsSync(file)) return pathToFileURL(file);
  }
  throw new Error('dicom-worker.js is missing from the build');
}

/**
 * DICOM decoding on a small pool of worker threads, each with a per-file time limit: a codec
 * that hangs is terminated, one that crashes takes only its worker down, and the main event
 * loop never decodes pixels itself.
 */
export class DicomDecodePool {
  private readonly slots: Slot[] = [];
  private readonly queue: Job[] = [];
  private nextId = 1;
  private closed = false;

  constructor(
    // Every core, up to 4: the main thread only waits while files decode (on 2 cores, one worker left a core idle).
    private readonly size = Math.max(1, Math.min(4, os.availableParallelism())),
    private readonly timeoutMs = DEFAULT_DECODE_TIMEOUT_MS,
  ) {}

  summarize(source: DecodeSource): Promise<DicomSummary | null> {
    return this.run({ op: 'summarize', source }) as Promise<DicomSummary | null>;
  }

  frame(source: DecodeSource, frame: number): Promise<DicomFrame> {
    return this.run({ op: 'frame', source, frame }) as Promise<DicomFrame>;
  }

  /** First frame, default window, 8-bit grey: the pneumonia model's input. */
  renderForModel(source: DecodeSource): Promise<GreyImage> {
    return this.run({ op: 'model', source }) as Promise<GreyImage>;
  }

  tags(source: DecodeSource): Promise<DicomTag[]> {
    return this.run({ op: 'tags', source }) as Promise<DicomTag[]>;
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const job of this.queue.splice(0)) job.reject(new DicomError('the decoder was shut down'));
    await Promise.all(this.slots.splice(0).map((slot) => slot.worker.terminate()));
  }

  private run(request: DecodeTask): Promise<unknown> {
    if (this.closed) return Promise.reject(new DicomError('the decoder was shut down'));
    return new Promise((resolve, reject) => {
      this.queue.push({ request: { ...request, id: this.nextId++ }, resolve, reject });
      this.pump();
    });
  }

  private pump(): void {
    while (this.queue.length > 0) {
      let slot = this.slots.find((s) => s.job === null);
      if (!slot && this.slots.length < this.size) slot = this.spawn();
      if (!slot) return;
      const job = this.queue.shift()!;
      slot.job = job;
      slot.timer = setTimeout(() => this.fail(slot!, new DicomError(`decoding took longer than ${this.timeoutMs / 1000} s and was stopped`)), this.timeoutMs);
      slot.worker.postMessage(job.request);
    }
  }

  private spawn(): Slot {
    const worker = new Worker(workerEntry(), { stdout: true, stderr: true });
    // A codec's own chatter stays out of the app's output (and out of any log).
    worker.stdout.resume();
    worker.stderr.resume();
    const slot: Slot = { worker, job: null, timer: null };
    worker.on('message', (reply: DecodeReply) => {
      const job = slot.job;
      if (!job || job.request.id !== reply.id) return;
      this.settle(slot);
      if (reply.ok) job.resolve(reply.result);
      else job.reject(new DicomError(reply.error));
      this.pump();
    });
    worker.on('error', () => this.fail(slot, new DicomError('the decoder crashed on this file')));
    worker.on('exit', () => this.fail(slot, new DicomError('the decoder stopped unexpectedly on this file')));
    this.slots.push(slot);
    return slot;
  }

  private settle(slot: Slot): void {
    if (slot.timer) clearTimeout(slot.timer);
    slot.timer = null;
    slot.job = null;
  }

  /** Drops a worker that hung or died, failing only the file it was on. */
  private fail(slot: Slot, error: DicomError): void {
    const index = this.slots.indexOf(slot);
    if (index < 0) return;
    this.slots.splice(index, 1);
    const job = slot.job;
    this.settle(slot);
    void slot.worker.terminate();
    job?.reject(error);
    if (!this.closed) this.pump();
  }
}
