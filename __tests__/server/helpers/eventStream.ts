/** One Server-Sent Event as a client sees it; a comment line comes as `{ comment }`. */
export interface SseEvent {
  event?: string;
  id?: string;
  data?: unknown;
  comment?: string;
}

/** Splits a stream of SSE text into events and comments, as an EventSource would. */
export function sseReader(body: ReadableStream<Uint8Array>) {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  const ready: SseEvent[] = [];
  let ended = false;

  const parse = (block: string) => {
    const event: SseEvent = {};
    for (const line of block.split('\n')) {
      if (line.startsWith(':')) event.comment = line.slice(1).trim();
      else if (line.startsWith('event: ')) event.event = line.slice(7);
      else if (line.startsWith('id: ')) event.id = line.slice(4);
      else if (line.startsWith('data: ')) event.data = JSON.parse(line.slice(6));
    }
    if (event.event || event.comment !== undefined) ready.push(event);
  };

  return {
    /** The next event or comment; `undefined` once the stream has ended. */
    async next(): Promise<SseEvent | undefined> {
      while (ready.length === 0 && !ended) {
        const { done, value } = await reader.read();
        if (done) ended = true;
        else buffer += decoder.decode(value, { stream: true });
        let end: number;
        while ((end = buffer.indexOf('\n\n')) !== -1) {
          parse(buffer.slice(0, end));
          buffer = buffer.slice(end + 2);
        }
      }
      return ready.shift();
    },
    /** The next event that is not a comment. */
    async nextEvent(): Promise<SseEvent | undefined> {
      for (;;) {
        const next = await this.next();
        if (next === undefined || next.event) return next;
      }
    },
    cancel: () => reader.cancel().catch(() => {}),
  };
}
