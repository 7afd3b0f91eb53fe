/**
 * Every default of the options, in one place: `options.ts` fills them in,
 * `retry.ts` and `httpRemote` read their own from here. The JSDoc of the
 * option types quotes them for readers.
 */
export const DEFAULTS = {
  reducerPath: 'autosave',
  maxDocumentBytes: 5_000_000,
  conflict: 'merge',
  storageFormat: 2,
  retry: { attempts: 3, baseDelayMs: 1000, maxDelayMs: 30_000 },
  storageTimeouts: { readMs: 5000, writeMs: 30_000 },
  document: { version: 1, debounceMs: 2000, maxWaitMs: 10_000 },
  history: { keep: 10, everyMs: 300_000, maxBytes: 5_000_000 },
  /** Copies kept before a copy from elsewhere (a remote, another tab, a merge, a restore) replaces one, per document. */
  historyBeforeOthers: 3,
  /** How often the size manifest is written at most (and when the page goes away). */
  manifestEveryMs: 60_000,
  remote: { timeoutMs: 15_000, maxResponseBytes: 10 * 1024 * 1024 },
} as const;
