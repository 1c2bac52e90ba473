import { startComputeWorker, type ComputeWorker } from '../runtime/compute-worker-client';
import type { FromWorker, ScoreRequestImage, ScoringPriority } from '../runtime/worker-protocol';

export type ScoreReply = Extract<FromWorker, { type: 'scored' | 'score-failed' }>;
export type HeatmapReply = Extract<FromWorker, { type: 'heatmap' | 'heatmap-failed' }>;

/** A worker with nothing to do is ended after this long: it holds the backend and up to two models. */
export const DEFAULT_IDLE_MS = 30_000;
/** A cancelled request stops at its next batch; one that takes longer than this ends its worker. */
const CANCEL_GRACE_MS = 5_000;

/**
 * The one compute worker that scoring uses, kept warm (backend chosen, models loaded) while
 * there is work and for a short while after, so the next import's studies are scored at once
 * instead of after a worker start and a model load. Requests from several jobs share it; the
 * worker serves them in order of priority.
 */
export class ScoringWorker {
  private worker: ComputeWorker | null = null;
  private readonly requests = new Map<number, (message: FromWorker | null) => void>();
  private nextId = 1;
  private idleTimer: NodeJS.Timeout | null = null;

  constructor(private readonly options: { idleMs?: number; start?: () => ComputeWorker } = {}) {}

  /** Starts the worker if needed and has it load the model now, ahead of the requests that will follow. */
  warm(modelDir: string): void {
    this.ensure().send({ type: 'warm', modelDir });
    this.touch();
  }

  score(modelDir: string, images: ScoreRequestImage[], priority: ScoringPriority, onReply: (reply: ScoreReply) => void, signal?: AbortSignal): Promise<void> {
    return this.request('score', 'scoring-done', modelDir, images, priority, onReply as (reply: FromWorker) => void, signal);
  }

  heatmaps(modelDir: string, images: ScoreRequestImage[], priority: ScoringPriority, onReply: (reply: HeatmapReply) => void, signal?: AbortSignal): Promise<void> {
    return this.request('heatmaps', 'heatmaps-done', modelDir, images, priority, onReply as (reply: FromWorker) => void, signal);
  }

  async close(): Promise<void> {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = null;
    const worker = this.worker;
    this.worker = null;
    await worker?.terminate();
  }

  private ensure(): ComputeWorker {
    if (this.worker) return this.worker;
    const worker = (this.options.start ?? startComputeWorker)();
    worker.onMessage((message) => {
      if ('requestId' in message && message.requestId !== undefined) this.requests.get(message.requestId)?.(message);
    });
    void worker.exited.then(() => {
      if (this.worker === worker) this.worker = null;
      for (const handle of [...this.requests.values()]) handle(null);
    });
    this.worker = worker;
    return worker;
  }

  /** Ends the worker once no request is left, after the idle time. */
  private touch(): void {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = null;
    if (this.requests.size > 0 || !this.worker) return;
    const worker = this.worker;
    this.idleTimer = setTimeout(() => {
      if (this.worker === worker && this.requests.size === 0) void this.close();
    }, this.options.idleMs ?? DEFAULT_IDLE_MS);
    // An idle worker is ended by close() at shutdown; the timer alone must not keep a process open.
    this.idleTimer.unref();
  }

  /** Resolves when the request is done (or cancelled); rejects when the worker fails it or stops. */
  private request(
    type: 'score' | 'heatmaps',
    doneType: 'scoring-done' | 'heatmaps-done',
    modelDir: string,
    images: ScoreRequestImage[],
    priority: ScoringPriority,
    onReply: (reply: FromWorker) => void,
    signal: AbortSignal | undefined,
  ): Promise<void> {
    const worker = this.ensure();
    const requestId = this.nextId++;
    return new Promise<void>((resolve, reject) => {
      let grace: NodeJS.Timeout | undefined;
      const finish = (error: Error | null) => {
        this.requests.delete(requestId);
        signal?.removeEventListener('abort', onAbort);
        clearTimeout(grace);
        this.touch();
        if (error) reject(error);
        else resolve();
      };
      const onAbort = () => {
        worker.send({ type: 'cancel', requestId });
        grace = setTimeout(() => void worker.terminate(), CANCEL_GRACE_MS);
      };
      this.requests.set(requestId, (message) => {
        if (message === null) finish(signal?.aborted ? null : new Error('The compute worker stopped while scoring.'));
        else if (message.type === doneType) finish(null);
        else if (message.type === 'error') finish(new Error(message.message));
        else onReply(message);
      });
      this.touch();
      worker.send({ type, requestId, priority, modelDir, images });
      if (signal?.aborted) onAbort();
      else signal?.addEventListener('abort', onAbort);
    });
  }
}
