export { memoryStore } from './stores/memoryStore';
export { fileStore } from './stores/file/fileStore';
export { postgresStore } from './stores/postgres/postgresStore';
export type { PostgresStoreOptions } from './stores/postgres/postgresStore';
export type { PostgresPool } from './stores/postgres/types';
export { redisStore } from './stores/redis/redisStore';
export type { RedisStoreOptions } from './stores/redis/redisStore';
export type { RedisClient } from './stores/redis/client';
export { migrate } from './stores/lifecycle';
export { StoreUnavailableError } from './stores/unavailable';
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
export { createSyncHandler } from './handler';
export type { Authorize, Principal, ServerSchema, SpaceQuota, SyncHandlerOptions } from './options';
export type { CorsOptions } from './http/cors';
export { toNodeListener } from './node/toNodeListener';
export { createSyncServer } from './node/createSyncServer';
export type { SyncServer, SyncServerOptions } from './node/createSyncServer';
