const QUOTE = 34;
const BACKSLASH = 92;

/** The end (index of the closing quote) of the string starting at `start`, or -1 when it never closes. */
function stringEnd(text: string, start: number): number {
  let at = start;
  for (;;) {
    at = text.indexOf('"', at + 1);
    if (at === -1) return -1;
    let slashes = 0;
    while (text.charCodeAt(at - 1 - slashes) === BACKSLASH) slashes++;
    if (slashes % 2 === 0) return at;
  }
}

export type Scan =
  | { status: 'ok'; members: Map<string, string> }
  | { status: 'too-deep' }
  | { status: 'not-json' };

/**
 * One pass over a request body, before it is parsed: refuses nesting past
 * `maxDepth` (the parser copes, but serializing or validating such a value
 * overflows the stack), and cuts out the text of each member of the top-level
 * object exactly as sent — the document is stored as those bytes, never
 * parsed and serialized again. Not a validator: `JSON.parse` is run after.
 */
export function scanJson(text: string, maxDepth: number): Scan {
  const members = new Map<string, string>();
  let depth = 0;
  let topIsObject = false;
  let key: string | undefined;
  let valueStart = -1;
  const close = (end: number) => {
    if (key !== undefined && valueStart !== -1) members.set(key, text.slice(valueStart, end).trimEnd());
    key = undefined;
    valueStart = -1;
  };
  for (let at = 0; at < text.length; at++) {
    const code = text.charCodeAt(at);
    if (code === QUOTE) {
      const end = stringEnd(text, at);
      if (end === -1) return { status: 'not-json' };
      if (depth === 1 && topIsObject && key === undefined && valueStart === -1) {
        try {
          key = JSON.parse(text.slice(at, end + 1)) as string;
        } catch {
          return { status: 'not-json' };
        }
      }
      at = end;
    } else if (code === 123 /* { */ || code === 91 /* [ */) {
      if (++depth > maxDepth) return { status: 'too-deep' };
      if (depth === 1) topIsObject = code === 123;
    } else if (code === 125 /* } */ || code === 93 /* ] */) {
      if (depth === 1 && topIsObject) close(at);
      depth--;
    } else if (depth === 1 && topIsObject) {
      if (code === 58 /* : */) {
        valueStart = at + 1;
        while (/\s/.test(text[valueStart] ?? '')) valueStart++;
      } else if (code === 44 /* , */) close(at);
    }
  }
  return { status: 'ok', members };
}
