/** One Server-Sent Event: its type (`message` when unnamed), data lines joined, and the last event id. */
export interface SseMessage {
  event: string;
  data: string;
  id: string | undefined;
}

/**
 * Reads `text/event-stream` as decoded text arrives, in pieces cut anywhere,
 * and calls `onMessage` per event (the WHATWG rules: lines end with CRLF, LF
 * or CR; `:` starts a comment; unknown fields are ignored; `id` persists).
 * `feed` returns false once a line, or one event's data, passes `maxChars`:
 * the caller drops the stream rather than hold an endless line.
 */
export function createSseParser(onMessage: (message: SseMessage) => void, maxChars: number): { feed(text: string): boolean } {
  let buffer = '';
  let started = false;
  let event = '';
  let data: string[] = [];
  let dataChars = 0;
  let lastId: string | undefined;
  const lineEnd = /[\r\n]/g;

  function line(text: string): boolean {
    if (text === '') {
      if (data.length > 0) onMessage({ event: event || 'message', data: data.join('\n'), id: lastId });
      event = '';
      data = [];
      dataChars = 0;
      return true;
    }
    if (text.charCodeAt(0) === 58 /* ':' */) return true;
    const colon = text.indexOf(':');
    const field = colon === -1 ? text : text.slice(0, colon);
    let value = colon === -1 ? '' : text.slice(colon + 1);
    if (value.charCodeAt(0) === 32 /* ' ' */) value = value.slice(1);
    if (field === 'event') event = value;
    else if (field === 'data') {
      data.push(value);
      dataChars += value.length + 1;
      if (dataChars > maxChars) return false;
    } else if (field === 'id' && !value.includes('\0')) lastId = value;
    return true;
  }

  return {
    feed(text) {
      buffer += text;
      if (!started && buffer.length > 0) {
        started = true;
        if (buffer.charCodeAt(0) === 0xfeff) buffer = buffer.slice(1);
      }
      let start = 0;
      lineEnd.lastIndex = 0;
      for (let match = lineEnd.exec(buffer); match; match = lineEnd.exec(buffer)) {
        const at = match.index;
        // A CR last in the piece may be the first half of a CRLF: wait for the next piece.
        if (buffer[at] === '\r' && at + 1 === buffer.length) break;
        if (!line(buffer.slice(start, at))) return false;
        start = buffer[at] === '\r' && buffer[at + 1] === '\n' ? at + 2 : at + 1;
        lineEnd.lastIndex = start;
      }
      buffer = buffer.slice(start);
      return buffer.length <= maxChars;
    },
  };
}
