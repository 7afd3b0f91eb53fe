import type * as Pg from 'pg';

/**
 * `pg`, loaded only when a Postgres store is made: it is an optional peer
 * dependency, and a server on files never needs it installed.
 */
export async function loadPg(): Promise<typeof Pg> {
  try {
    const loaded = (await import('pg')) as typeof Pg & { default?: typeof Pg };
    // As an ES module `pg` is CommonJS seen through a default export.
    return loaded.default ?? loaded;
  } catch (error) {
    throw new Error(`redux-autosave: postgresStore needs the \`pg\` package: npm install pg (${(error as Error)?.message})`, { cause: error });
  }
}
