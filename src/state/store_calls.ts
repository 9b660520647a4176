/**
 * A checkpoint store's calls, run one at a time so a retention pass or finish() never races a
 * write, and refused once the store is closed.
 */
export class StoreCalls {
  readonly #where: string;
  #tail: Promise<unknown> = Promise.resolve();
  #closed = false;

  constructor(where: string) {
    this.#where = where;
  }

  run<T>(call: string, task: () => Promise<T>): Promise<T> {
    const run = this.#tail.then(() => {
      if (this.#closed) throw new Error(`${this.#where}: ${call} after close()`);
      return task();
    });
    this.#tail = run.catch(() => undefined);
    return run;
  }

  /** Waits for the calls under way; true for the one close() that closes the store, which then releases what it holds. */
  async close(): Promise<boolean> {
    if (this.#closed) return false;
    await this.#tail;
    if (this.#closed) return false;
    this.#closed = true;
    return true;
  }
}
