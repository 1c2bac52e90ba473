/**
 * Runs async work one at a time per key (a content hash, a SOP Instance UID), so two files of
 * the same image in flight together are not both stored: the second sees the first's row.
 * Keys are claimed synchronously in arrival order, so waiting on several never deadlocks.
 */
export class KeyedLock {
  private readonly tails = new Map<string, Promise<void>>();

  async run<T>(keys: readonly string[], work: () => Promise<T>): Promise<T> {
    const previous = keys.flatMap((key) => this.tails.get(key) ?? []);
    let release!: () => void;
    const done = new Promise<void>((resolve) => (release = resolve));
    for (const key of keys) this.tails.set(key, done);
    await Promise.all(previous);
    try {
      return await work();
    } finally {
      release();
      for (const key of keys) if (this.tails.get(key) === done) this.tails.delete(key);
    }
  }
}
