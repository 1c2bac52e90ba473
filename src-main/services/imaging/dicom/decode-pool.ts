import os from 'node:os';
import { Worker } from 'node:worker_threads';
import { DicomError } from './dicom-error';
import type { DicomFrame, DicomSummary, GreyImage } from './dicom-image';
import type { DicomTag } from './dicom-tags';
import type { DecodeReply, DecodeRequest, DecodeSource, DecodeTask } from './decode-protocol';
import { workerEntry } from './decode-worker-entry';

/** A file that takes longer than this to decode is abandoned and its worker replaced. */
export const DEFAULT_DECODE_TIMEOUT_MS = 30_000;

type Job = { task: DecodeTask; resolve: (value: unknown) => void; reject: (error: Error) => void };
/** Jobs sent to a worker as one message. */
interface Batch {
  id: number;
  jobs: Job[];
}
interface Slot {
  worker: Worker;
  /** The batch it is working on. One at a time: a second one waiting behind a slow file would sit while another worker idles. */
  batch: Batch | null;
  /** How many of the batch's jobs have their outcome (they come one by one, in order). */
  answered: number;
  /** Its modules are loaded: time spent loading them does not count against a file. */
  ready: boolean;
  timer: NodeJS.Timeout | null;
}

/** A file's identity in the queue: its path, or the very bytes given. */
const sourceKey = (source: DecodeSource): unknown => (source instanceof Uint8Array ? source : source.path);

/**
 * DICOM decoding on a small pool of worker threads, each with a per-file time limit: a codec
 * that hangs is terminated, one that crashes takes only its worker down, and the main event
 * loop never decodes pixels itself.
 */
export class DicomDecodePool {
  private readonly slots: Slot[] = [];
  /** Jobs asked for since the last pump; batched together when it runs. */
  private readonly asked: Job[] = [];
  private readonly ready: Batch[] = [];
  private pumpDue = false;
  private nextId = 1;
  private closed = false;

  constructor(
    // Every core, up to 4: the main thread only waits while files decode (on 2 cores, one worker left a core idle).
    private readonly size = Math.max(1, Math.min(4, os.availableParallelism())),
    private readonly timeoutMs = DEFAULT_DECODE_TIMEOUT_MS,
    /** How long a worker may take to load its modules, and its script (tests give one that never starts). */
    private readonly start: { limitMs: number; entry: () => URL } = { limitMs: DEFAULT_DECODE_TIMEOUT_MS, entry: workerEntry },
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
    const slots = this.slots.splice(0);
    const running = slots.flatMap((slot) => (slot.batch ? slot.batch.jobs.slice(slot.answered) : []));
    const pending = [...this.asked.splice(0), ...this.ready.splice(0).flatMap((batch) => batch.jobs), ...running];
    for (const slot of slots) this.disarm(slot);
    for (const job of pending) job.reject(new DicomError('the decoder was shut down'));
    await Promise.all(slots.map((slot) => slot.worker.terminate()));
  }

  private run(task: DecodeTask): Promise<unknown> {
    if (this.closed) return Promise.reject(new DicomError('the decoder was shut down'));
    return new Promise((resolve, reject) => {
      this.asked.push({ task, resolve, reject });
      // Everything asked for in this turn of the event loop is batched together.
      if (!this.pumpDue) {
        this.pumpDue = true;
        queueMicrotask(() => {
          this.pumpDue = false;
          this.ready.push(...this.batches(this.asked.splice(0)));
          this.pump();
        });
      }
    });
  }

  /**
   * Frames of one file asked for together go in as few messages as keep every worker busy (one
   * read and parse a worker, not one a frame); anything else goes alone. Order is kept.
   */
  private batches(jobs: Job[]): Batch[] {
    const groups = new Map<string, Job[]>();
    const key = (job: Job, i: number) => (job.task.op === 'frame' && !(job.task.source instanceof Uint8Array) ? `frame\0${job.task.source.path}` : `${i}`);
    jobs.forEach((job, i) => {
      const group = groups.get(key(job, i));
      if (group) group.push(job);
      else groups.set(key(job, i), [job]);
    });
    return [...groups.values()].flatMap((group) => {
      const size = Math.ceil(group.length / Math.min(group.length, this.size));
      return Array.from({ length: Math.ceil(group.length / size) }, (_, i) => ({ id: this.nextId++, jobs: group.slice(i * size, (i + 1) * size) }));
    });
  }

  private pump(): void {
    while (this.ready.length > 0) {
      let slot = this.slots.find((s) => s.batch === null);
      if (!slot && this.slots.length < this.size) slot = this.spawn();
      if (!slot) return;
      const batch = this.nextBatch();
      slot.batch = batch;
      slot.answered = 0;
      if (slot.ready) this.arm(slot);
      // A worker alone with its batch may share a large image with a helper thread; with other work
      // running or waiting the cores are taken, and splitting would only add to it.
      const coreToSpare = this.ready.length === 0 && this.slots.every((other) => other === slot || other.batch === null);
      slot.worker.postMessage({ id: batch.id, tasks: batch.jobs.map((job) => job.task), coreToSpare } satisfies DecodeRequest);
    }
  }

  /**
   * The next batch, with the ones behind it joined on while there are many small ones: each message
   * is a round trip between threads that costs more than a small file, so a worker takes a share of
   * what is waiting (a smaller share as the queue empties, so the workers finish together).
   */
  private nextBatch(): Batch {
    const first = this.ready.shift()!;
    const waiting = first.jobs.length + this.ready.reduce((n, batch) => n + batch.jobs.length, 0);
    const share = Math.ceil(waiting / (2 * this.size));
    const jobs = [...first.jobs];
    while (this.ready.length > 0 && jobs.length + this.ready[0]!.jobs.length <= share) jobs.push(...this.ready.shift()!.jobs);
    return { id: first.id, jobs };
  }

  /** The time limit of the job now running: the per-file limit, started again with each outcome. */
  private arm(slot: Slot): void {
    this.disarm(slot);
    slot.timer = setTimeout(() => this.fail(slot, new DicomError(`decoding took longer than ${this.timeoutMs / 1000} s and was stopped`)), this.timeoutMs);
  }

  private spawn(): Slot {
    const worker = new Worker(this.start.entry(), { stdout: true, stderr: true });
    // A codec's own chatter stays out of the app's output (and out of any log).
    worker.stdout.resume();
    worker.stderr.resume();
    const slot: Slot = { worker, batch: null, answered: 0, ready: false, timer: null };
    // Loading its modules has a limit of its own: a worker that never gets ready is dropped, not waited on.
    const { limitMs } = this.start;
    slot.timer = setTimeout(() => this.fail(slot, new DicomError(`the decoder did not start within ${limitMs / 1000} s`)), limitMs);
    worker.on('message', (reply: DecodeReply | 'ready') => {
      if (reply === 'ready') {
        slot.ready = true;
        this.disarm(slot);
        if (slot.batch) this.arm(slot);
        return;
      }
      const { batch } = slot;
      if (!batch || batch.id !== reply.id || reply.index !== slot.answered) return;
      const job = batch.jobs[slot.answered++]!;
      if (reply.outcome.ok) job.resolve(reply.outcome.result);
      else job.reject(new DicomError(reply.outcome.error));
      if (slot.answered < batch.jobs.length) {
        this.arm(slot);
        return;
      }
      slot.batch = null;
      this.disarm(slot);
      this.pump();
    });
    worker.on('error', () => this.fail(slot, new DicomError('the decoder crashed on this file')));
    worker.on('exit', () => this.fail(slot, new DicomError('the decoder stopped unexpectedly on this file')));
    this.slots.push(slot);
    return slot;
  }

  private disarm(slot: Slot): void {
    if (slot.timer) clearTimeout(slot.timer);
    slot.timer = null;
  }

  /**
   * Drops a worker that hung or died. The file it was on fails (the frames of it still to come
   * would only hang or crash again); the other files of its batch go back to the front of the
   * queue for another worker.
   */
  private fail(slot: Slot, error: DicomError): void {
    const index = this.slots.indexOf(slot);
    if (index < 0) return;
    this.slots.splice(index, 1);
    this.disarm(slot);
    const { batch, answered } = slot;
    slot.batch = null;
    void slot.worker.terminate();
    if (!batch) return;
    const culprit = batch.jobs[answered];
    const sameFile = (job: Job) => job === culprit || (culprit !== undefined && sourceKey(job.task.source) === sourceKey(culprit.task.source));
    const unanswered = batch.jobs.slice(answered);
    for (const job of unanswered.filter(sameFile)) job.reject(error);
    const others = unanswered.filter((job) => !sameFile(job));
    if (others.length > 0) this.ready.unshift({ id: this.nextId++, jobs: others });
    if (!this.closed) this.pump();
  }
}
