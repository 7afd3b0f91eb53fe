import type { UploadBudget } from '../http/body';
import type { InFlight } from '../idempotency';
import type { ResolvedLiveOptions } from '../live/options';
import type { ResolvedOptions } from '../options';

/** What every route may touch: the options, the shared upload budget and the keys in flight. */
export interface HandlerState {
  options: ResolvedOptions;
  budget: UploadBudget;
  inFlight: InFlight;
  /** The live changes stream's settings, `false` when it is turned off. */
  live: ResolvedLiveOptions | false;
}

/** One authorized request for one document. */
export interface DocumentRequest {
  request: Request;
  space: string;
  key: string;
}
