// Server-Sent Events over fetch: EventSource cannot send Authorization, so the
// stream is read with a ReadableStream and parsed here (WHATWG SSE rules).

export interface SseEvent {
  event: string;
  data: string;
  id?: string;
}

/** An incremental parser: feed it text chunks split anywhere, get whole events. */
export class SseParser {
  private buffer = '';
  private data: string[] = [];
  private event = '';
  private id: string | undefined;

  constructor(private readonly emit: (e: SseEvent) => void) {}

  push(chunk: string): void {
    this.buffer += chunk;
    // Lines end with \n, \r\n or \r; keep a trailing partial line (and a lone \r
    // that may be the first half of \r\n) for the next chunk.
    for (;;) {
      const m = /\r\n|\r|\n/.exec(this.buffer);
      if (!m) break;
      if (m[0] === '\r' && m.index === this.buffer.length - 1) break;
      const line = this.buffer.slice(0, m.index);
      this.buffer = this.buffer.slice(m.index + m[0].length);
      this.line(line);
    }
  }

  /** End of stream: a last event without its blank line is dropped, as the spec says. */
  end(): void {
    this.buffer = '';
    this.data = [];
    this.event = '';
  }

  private line(line: string): void {
    if (line === '') {
      if (this.data.length) {
        this.emit({ event: this.event || 'message', data: this.data.join('\n'), ...(this.id ? { id: this.id } : {}) });
      }
      this.data = [];
      this.event = '';
      return;
    }
    if (line.startsWith(':')) return; // comment (keep-alive)
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'data') this.data.push(value);
    else if (field === 'event') this.event = value;
    else if (field === 'id') this.id = value;
  }
}

/** Read an SSE response body to its end, calling `onEvent` for each event. */
export async function readSse(body: ReadableStream<Uint8Array>, onEvent: (e: SseEvent) => void): Promise<void> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  const parser = new SseParser(onEvent);
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      parser.push(decoder.decode(value, { stream: true }));
    }
    parser.push(decoder.decode());
    parser.end();
  } finally {
    reader.releaseLock();
  }
}
