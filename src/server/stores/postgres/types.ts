/** The part of a `pg` client or pool the store uses: one query at a time. */
export interface Queryable {
  query<Row = Record<string, unknown>>(text: string, values?: unknown[]): Promise<{ rows: Row[]; rowCount: number | null }>;
}

/** A client checked out of a pool: given back with `release`, destroyed when given an error. */
export interface PooledClient extends Queryable {
  release(destroy?: Error | boolean): void;
  on?(event: 'error', listener: (error: Error) => void): unknown;
  off?(event: 'error', listener: (error: Error) => void): unknown;
}

/**
 * The `pg.Pool` the store may be given. It is the caller's: the store
 * checks out clients and gives them back, and never ends it.
 */
export interface PostgresPool extends Queryable {
  connect(): Promise<PooledClient>;
  /** The pool's connection settings: the store opens its one LISTEN connection with them. */
  options?: object;
}
