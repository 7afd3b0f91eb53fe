/**
 * Runs tasks for one name (a space) one after another, so reading the
 * current copy, deciding and writing is a single step within this process.
 * Tasks of other names run side by side. `idle()` waits for all of them:
 * a store's `close()` finishes the writes under way.
 */
export class Serializer {
  private readonly tails = new Map<string, Promise<unknown>>();

  run<T>(name: string, task: () => Promise<T>): Promise<T> {
    const run = (this.tails.get(name) ?? Promise.resolve()).then(task);
    const tail = run.catch(() => {});
    this.tails.set(name, tail);
    void tail.then(() => {
      if (this.tails.get(name) === tail) this.tails.delete(name);
    });
    return run;
  }

  async idle(): Promise<void> {
    while (this.tails.size > 0) await Promise.all(this.tails.values());
  }
}

/** In-process wake-ups for `watch()`: memory and file stores live in one process. */
export class Watchers {
  private readonly bySpace = new Map<string, Set<() => void>>();

  watch(space: string, wake: () => void): () => void {
    let set = this.bySpace.get(space);
    if (!set) this.bySpace.set(space, (set = new Set()));
    const own = () => wake();
    set.add(own);
    return () => {
      set.delete(own);
      if (set.size === 0 && this.bySpace.get(space) === set) this.bySpace.delete(space);
    };
  }

  /** Every watcher of every space: after a wake-up channel was down, anything may have changed. */
  wakeAll(): void {
    for (const space of [...this.bySpace.keys()]) this.wake(space);
  }

  /** The spaces watched now. */
  spaces(): string[] {
    return [...this.bySpace.keys()];
  }

  wake(space: string): void {
    for (const wake of [...(this.bySpace.get(space) ?? [])]) {
      try {
        wake();
      } catch {
        // A watcher's failure is its own: the write is done and the others are still told.
      }
    }
  }
}
