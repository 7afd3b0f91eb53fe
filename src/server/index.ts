export { memoryStore } from './stores/memoryStore';
export { fileStore } from './stores/file/fileStore';
export type {
  Change,
  ChangeEntry,
  ChangesPage,
  IdempotencyRetention,
  IdempotentAnswer,
  JsonPath,
  ListOptions,
  ListPage,
  Precondition,
  Produced,
  SpaceUsage,
  StoreOptions,
  StoredDocument,
  SyncStore,
  WriteRequest,
  WriteResult,
} from './types';
