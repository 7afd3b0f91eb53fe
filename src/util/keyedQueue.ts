const noop = () => {};

/**
 * Tasks that run one after another per key, in the order they were queued;
 * keys do not wait for each other. The one queue of the library: a
 * document's loads, saves and removals; a key's pushes and pulls; the lock
 * of a page without Web Locks.
 */
export class KeyedQueue {
  private readonly tails = new Map<string, Promise<void>>();

  run<R>(key: string, task: () => Promise<R>): Promise<R> {
    const run = (this.tails.get(key) ?? Promise.resolve()).then(task);
    const tail = run.then(noop, noop);
    this.tails.set(key, tail);
    // An idle key holds nothing.
    tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return run;
  }

  /** Resolves when everything queued for `key` so far has run. */
  settled(key: string): Promise<void> {
    return this.tails.get(key) ?? Promise.resolve();
  }
}
