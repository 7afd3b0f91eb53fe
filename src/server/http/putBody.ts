import type { JsonPath } from '../types';
import { refuse, type Answer } from './answer';
import { scanJson } from './jsonText';

export interface PutBody {
  /** The document's JSON text, exactly as sent inside the body. */
  text: string;
  data: unknown;
  overrode: JsonPath[] | null;
}

const MAX_PATHS = 10_000;

function isPath(value: unknown): value is JsonPath {
  return Array.isArray(value) && value.length <= 256 && value.every((part) => typeof part === 'string' || (typeof part === 'number' && Number.isInteger(part) && part >= 0));
}

/**
 * A PUT body, `{ data, overrode? }`: depth checked before anything else, then
 * parsed, then `data`'s text cut out as sent. `overrode` lists the paths the
 * client's merge took its own side on (`[['shots', 2, 'prompt']]`).
 */
export function parsePutBody(body: string, maxDepth: number): PutBody | Answer {
  const scan = scanJson(body, maxDepth);
  if (scan.status === 'too-deep') return refuse(400, `the body is nested deeper than ${maxDepth} levels (maxJsonDepth)`);
  let parsed: unknown;
  try {
    if (scan.status === 'not-json') throw new SyntaxError('not JSON');
    parsed = JSON.parse(body);
  } catch {
    return refuse(400, 'the body is not JSON; send { "data": … }');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed) || !('data' in parsed)) {
    return refuse(400, 'the body must be a JSON object { "data": … }');
  }
  const { data, overrode = null } = parsed as { data: unknown; overrode?: unknown };
  if (overrode !== null && (!Array.isArray(overrode) || overrode.length > MAX_PATHS || !overrode.every(isPath))) {
    return refuse(400, `\`overrode\` must be a list of at most ${MAX_PATHS} JSON paths such as ["shots", 2, "prompt"]`);
  }
  const text = scan.members.get('data');
  // Cannot happen for valid JSON with a `data` member; refusing beats storing the wrong bytes.
  if (text === undefined) return refuse(400, 'the body must be a JSON object { "data": … }');
  return { text, data, overrode: overrode as JsonPath[] | null };
}
