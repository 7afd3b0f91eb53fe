export { createAutosave } from './createAutosave';
export { memoryStorage } from './storage/memory';
export { localforageStorage } from './storage/localforage';
export { exponentialBackoff } from './retry';
export { AutosaveError, RemoteError } from './errors';
export { httpRemote } from './sync/httpRemote';

export type {
  AutosaveActions,
  AutosaveInstance,
  AutosaveOptions,
  AutosaveSelectors,
  AutosaveState,
  AutosaveStorage,
  ChangeWatcher,
  Conflict,
  ConflictContext,
  ConflictResolver,
  ConflictStrategy,
  DisposeOptions,
  DocumentOptions,
  DocumentStatus,
  HistoryOptions,
  HistoryReason,
  HistoryVersion,
  IdArgument,
  LoadResult,
  LoadStatus,
  Migration,
  PruneOptions,
  PushMeta,
  PushResult,
  RemoteAdapter,
  RemoteChange,
  RemoteDocument,
  RemoveResult,
  RetryContext,
  RetryOptions,
  RetryPolicy,
  SaveError,
  SaveErrorCode,
  SaveStatus,
  StatusCounts,
  StorageUsage,
  StorageTimeouts,
  ValidationIssue,
  WatchEnd,
} from './types';
export type { LocalforageConfig } from './storage/localforage';
export type { HttpRemoteOptions } from './sync/httpRemote';
