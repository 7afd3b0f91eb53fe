// The public types, by concern: options, statuses and actions, the
// instance, the remote. Imported from here, or from `src/types/…` inside.
export type * from './types/options';
export type * from './types/status';
export type * from './types/instance';
export type * from './types/remote';
