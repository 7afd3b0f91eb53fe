import { AutosaveError, messageOf } from '../errors';
import type { Migration } from '../types/options';

/** Runs the migrations from `from` up to `to`, in order. */
export function migrate(data: unknown, from: number, to: number, migrations: Record<number, Migration>, key: string): unknown {
  let value = data;
  for (let version = from + 1; version <= to; version++) {
    const step = migrations[version];
    if (!step) {
      throw new AutosaveError('migration', `${key}: no migration to version ${version} (stored at version ${from})`, { key });
    }
    try {
      value = step(value);
    } catch (error) {
      throw new AutosaveError('migration', `${key}: migration to version ${version} threw: ${messageOf(error)}`, { key, cause: error });
    }
  }
  return value;
}

/** `migrate` for a load: throws the error the load reports as it keeps the stored copy aside. */
export function migrateStored(data: unknown, from: number, to: number, migrations: Record<number, Migration>, key: string): unknown {
  try {
    return migrate(data, from, to, migrations, key);
  } catch (error) {
    const failure = error instanceof AutosaveError ? error : new AutosaveError('migration', messageOf(error), { key, cause: error });
    throw new AutosaveError('migration', `redux-autosave: ${failure.message}`, { key });
  }
}
