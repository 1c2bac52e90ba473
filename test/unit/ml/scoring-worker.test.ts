import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ComputeWorker } from '../../../src-main/services/ml/runtime/compute-worker-client';
import type { FromWorker, ToWorker } from '../../../src-main/services/ml/runtime/worker-protocol';
import { ScoringWorker } from '../../../src-main/services/ml/scoring/scoring-worker';

/** A compute worker that records what it is sent and answers when told to. */
function fakeWorker() {
  const sent: ToWorker[] = [];
  const listeners: ((message: FromWorker) => void)[] = [];
  let exit: (code: number) => void = () => {};
  const exited = new Promise<number>((resolve) => (exit = resolve));
  const worker: ComputeWorker = {
    send: (message) => void sent.push(message),
    onMessage: (listener) => void listeners.push(listener),
    exited,
    terminate: async () => exit(1),
  };
  return { worker, sent, reply: (message: FromWorker) => listeners.forEach((l) => l(message)), exit };
}

afterEach(() => {
  vi.useRealTimers();
});

const image = (imageId: number) => ({ imageId, path: `/images/${imageId}.png`, format: 'png' as const });

describe('the scoring worker kept warm', () => {
  it('starts one worker for every request, routes each reply to its own request, and warms it ahead of work', async () => {
    const fake = fakeWorker();
    const start = vi.fn(() => fake.worker);
    const scoring = new ScoringWorker({ start });
    scoring.warm('/models/v1');
    const scored: number[] = [];
    const drawn: number[] = [];
    const first = scoring.score('/models/v1', [image(1), image(2)], 1, (reply) => scored.push(reply.imageId));
    const second = scoring.heatmaps('/models/v1', [image(1)], 0, (reply) => drawn.push(reply.imageId));
    expect(start).toHaveBeenCalledTimes(1);
    expect(fake.sent.map((m) => m.type)).toEqual(['warm', 'score', 'heatmaps']);
    const [a, b] = fake.sent.slice(1) as Extract<ToWorker, { type: 'score' | 'heatmaps' }>[];
    expect(b!.priority).toBeLessThan(a!.priority);
    fake.reply({ type: 'heatmap', requestId: b!.requestId, imageId: 1, heatmapPng: new Uint8Array([1]) });
    fake.reply({ type: 'scored', requestId: a!.requestId, imageId: 1, probability: 0.5, featureDistance: null });
    fake.reply({ type: 'heatmaps-done', requestId: b!.requestId });
    await second;
    fake.reply({ type: 'score-failed', requestId: a!.requestId, imageId: 2, reason: 'unreadable' });
    fake.reply({ type: 'scoring-done', requestId: a!.requestId });
    await first;
    expect(scored).toEqual([1, 2]);
    expect(drawn).toEqual([1]);
    await scoring.close();
  });

  it('ends an idle worker after the idle time and starts a fresh one for the next request', async () => {
    vi.useFakeTimers();
    const fakes = [fakeWorker(), fakeWorker()];
    let started = 0;
    const scoring = new ScoringWorker({ idleMs: 1_000, start: () => fakes[started++]!.worker });
    const done = scoring.score('/models/v1', [image(1)], 1, () => {});
    const request = fakes[0]!.sent[0] as Extract<ToWorker, { type: 'score' }>;
    // A request in flight keeps the worker, however long it takes.
    await vi.advanceTimersByTimeAsync(5_000);
    expect(started).toBe(1);
    fakes[0]!.reply({ type: 'scoring-done', requestId: request.requestId });
    await done;
    const terminated = vi.spyOn(fakes[0]!.worker, 'terminate');
    await vi.advanceTimersByTimeAsync(999);
    expect(terminated).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(1);
    expect(terminated).toHaveBeenCalled();
    const next = scoring.score('/models/v1', [image(2)], 1, () => {});
    expect(started).toBe(2);
    await scoring.close();
    await expect(next).rejects.toThrow(/stopped while scoring/);
  });

  it('fails the requests of a worker that stops or reports an error, and cancels one whose job is cancelled', async () => {
    const fake = fakeWorker();
    const scoring = new ScoringWorker({ start: () => fake.worker });
    const failing = scoring.score('/models/broken', [image(1)], 1, () => {});
    const failed = fake.sent[0] as Extract<ToWorker, { type: 'score' }>;
    fake.reply({ type: 'error', message: 'the model cannot be loaded', userFacing: true, requestId: failed.requestId });
    await expect(failing).rejects.toThrow('the model cannot be loaded');

    const controller = new AbortController();
    const cancelled = scoring.heatmaps('/models/v1', [image(1)], 3, () => {}, controller.signal);
    controller.abort();
    const cancel = fake.sent.at(-1) as Extract<ToWorker, { type: 'cancel' }>;
    expect(cancel.type).toBe('cancel');
    fake.reply({ type: 'heatmaps-done', requestId: cancel.requestId });
    await cancelled;

    const orphan = scoring.score('/models/v1', [image(1)], 1, () => {});
    fake.exit(1);
    await expect(orphan).rejects.toThrow(/stopped while scoring/);
    await scoring.close();
  });
});
