/**
 * Group commit for independent writes (issue 11): writes that arrive while one is in flight wait
 * and then go to the database together, in one statement and one transaction — one round trip and
 * one WAL flush for a batch instead of one each. With no write in flight a write goes at once (after
 * the current tick), so a lone request waits for nothing; under load the batches grow by themselves.
 *
 * Each caller's promise settles when its batch has committed (or failed: then every write of the
 * batch fails, as each would have alone — the database is the only thing that fails a batch). Items
 * with the same key in one batch are written once, the last one winning, as they would sequentially.
 */
export class GroupWriter<T> {
  private queue: Array<{ item: T; resolve: () => void; reject: (err: unknown) => void }> = [];
  private running = false;

  constructor(
    private readonly write: (items: T[]) => Promise<void>,
    private readonly keyOf: (item: T) => string,
    private readonly maxBatch = 200,
  ) {}

  add(item: T): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      if (!this.running) {
        this.running = true;
        queueMicrotask(() => void this.drain());
      }
    });
  }

  private async drain(): Promise<void> {
    while (this.queue.length) {
      const batch = this.queue.splice(0, this.maxBatch);
      const last = new Map<string, T>();
      for (const { item } of batch) last.set(this.keyOf(item), item);
      try {
        await this.write([...last.values()]);
        for (const w of batch) w.resolve();
      } catch (err) {
        for (const w of batch) w.reject(err);
      }
    }
    this.running = false;
  }
}
