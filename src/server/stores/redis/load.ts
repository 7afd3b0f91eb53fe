import type * as IORedis from 'ioredis';

/** `ioredis`, loaded only when a Redis store is made: an optional peer dependency. */
export async function loadIORedis(): Promise<typeof IORedis.default> {
  try {
    const loaded = (await import('ioredis')) as unknown as { default: typeof IORedis.default } & typeof IORedis.default;
    return loaded.default ?? loaded;
  } catch (error) {
    throw new Error('redux-autosave: redisStore needs the `ioredis` package: npm install ioredis', { cause: error });
  }
}
