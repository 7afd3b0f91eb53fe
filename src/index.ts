export { createAutosave } from './createAutosave';
export { memoryStorage } from './storage/memory';
export { localforageStorage } from './storage/localforage';
export { exponentialBackoff } from './retry';
export { AutosaveError } from './errors';

export type {
  AutosaveActions,
  AutosaveInstance,
  AutosaveOptions,
  AutosaveSelectors,
  AutosaveState,
  AutosaveStorage,
  DisposeOptions,
  DocumentOptions,
  DocumentStatus,
  LoadResult,
  Migration,
  RetryContext,
  RetryOptions,
  RetryPolicy,
  SaveError,
  SaveErrorCode,
  SaveStatus,
  ValidationIssue,
} from './types';
export type { LocalforageConfig } from './storage/localforage';
