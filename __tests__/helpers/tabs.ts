/**
 * Stand-ins for what browsers give tabs: a Web Locks manager and a
 * BroadcastChannel whose deliveries can be handed to a scheduler, so a test
 * decides the order in which tabs hear of each other.
 */

type Task<R> = () => Promise<R>;

/** `navigator.locks` for one process: exclusive locks by name, granted in request order. */
export function createLockManager() {
  const tails = new Map<string, Promise<unknown>>();
  const held = new Set<string>();
  function request<R>(name: string, optionsOrTask: { signal?: AbortSignal } | Task<R>, maybeTask?: Task<R>): Promise<R> {
    const task = (typeof optionsOrTask === 'function' ? optionsOrTask : maybeTask)!;
    const signal = typeof optionsOrTask === 'function' ? undefined : optionsOrTask.signal;
    const previous = tails.get(name) ?? Promise.resolve();
    const run = previous.then(async () => {
      if (signal?.aborted) throw new Error('AbortError');
      held.add(name);
      try {
        return await task();
      } finally {
        held.delete(name);
      }
    });
    tails.set(
      name,
      run.then(
        () => {},
        () => {},
      ),
    );
    return run;
  }
  return { request, held };
}

/**
 * Puts `navigator.locks` (and optionally a BroadcastChannel of the test's)
 * on globalThis; the returned function takes them away again.
 */
export function installTabGlobals(options: { locks?: ReturnType<typeof createLockManager>; channel?: typeof BroadcastChannel } = {}) {
  const saved = {
    navigator: Object.getOwnPropertyDescriptor(globalThis, 'navigator'),
    BroadcastChannel: globalThis.BroadcastChannel,
  };
  if (options.locks) {
    Object.defineProperty(globalThis, 'navigator', { value: { locks: options.locks }, configurable: true, writable: true });
  }
  if (options.channel) globalThis.BroadcastChannel = options.channel;
  return () => {
    if (saved.navigator) Object.defineProperty(globalThis, 'navigator', saved.navigator);
    else delete (globalThis as { navigator?: unknown }).navigator;
    globalThis.BroadcastChannel = saved.BroadcastChannel;
  };
}

/**
 * A BroadcastChannel class whose messages are delivered through `deliver`
 * (a scheduler's hook), to every other channel of the same name.
 */
export function scheduledChannel(deliver: (send: () => void, label: string) => void): typeof BroadcastChannel {
  const open = new Map<string, Set<FakeChannel>>();
  class FakeChannel {
    onmessage: ((event: { data: unknown }) => void) | null = null;
    constructor(readonly name: string) {
      if (!open.has(name)) open.set(name, new Set());
      open.get(name)!.add(this);
    }
    postMessage(data: unknown) {
      for (const other of open.get(this.name) ?? []) {
        if (other === this) continue;
        const copy = structuredClone(data);
        deliver(() => other.onmessage?.({ data: copy }), `message ${JSON.stringify(data)}`);
      }
    }
    close() {
      open.get(this.name)?.delete(this);
    }
  }
  return FakeChannel as unknown as typeof BroadcastChannel;
}
