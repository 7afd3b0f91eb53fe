// Jest runs many test files in one process, and Node's BroadcastChannel
// reaches every channel of a name in that process: a store a file left
// running would hear the saves of the next file. Each file gets its own
// scope, as each browser profile would.
const Native = globalThis.BroadcastChannel;
if (Native) {
  const scope = `test-file-${Math.random().toString(36).slice(2, 10)}`;
  globalThis.BroadcastChannel = class ScopedBroadcastChannel extends Native {
    constructor(name: string) {
      super(`${scope}/${name}`);
    }
  } as typeof BroadcastChannel;
}
