import type { Dispatcher } from 'undici';

/**
 * The peer of bench/download-transport.ts (kept here, not in src/, since the plain-HTTP transport won).
 * A bodiless GET through undici's lowest-level API (`dispatch` with a raw handler): no Readable, no stream
 * machinery per chunk, the body handed over as an async iterable of undici's own chunks, with the connection paused
 * while the consumer lags. For blob downloads, where the per-byte cost of a client decides how fast a pull
 * goes on a small machine. Timeouts, pooling and keep-alive are the dispatcher's (the client's Agent).
 */
export interface DispatchedResponse {
  readonly statusCode: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: DispatchedBody;
}

/** The body queue size above which the connection is paused until the consumer catches up. */
const HIGH_WATER_BYTES = 4 * 2 ** 20;

function abortReason(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  return reason instanceof Error ? reason : Object.assign(new Error('the request was aborted'), { name: 'AbortError' });
}

export function dispatchGet(dispatcher: Dispatcher, url: URL, headers: Record<string, string>, signal?: AbortSignal): Promise<DispatchedResponse> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted === true) {
      reject(abortReason(signal));
      return;
    }
    let controller: Dispatcher.DispatchController | undefined;
    let body: DispatchedBody | undefined;
    const onAbort = () => controller?.abort(abortReason(signal!));
    signal?.addEventListener('abort', onAbort, { once: true });
    const done = () => signal?.removeEventListener('abort', onAbort);
    const handler: Dispatcher.DispatchHandler = {
      onRequestStart(c) {
        controller = c;
        if (signal?.aborted === true) c.abort(abortReason(signal));
      },
      onResponseStart(c, statusCode, responseHeaders) {
        body = new DispatchedBody(c);
        resolve({ statusCode, headers: responseHeaders as Record<string, string | string[] | undefined>, body });
      },
      onResponseData(c, chunk) {
        if (body === undefined || body.destroyed) return;
        body.push(chunk);
        if (body.full) c.pause();
      },
      onResponseEnd() {
        done();
        body?.end();
      },
      onResponseError(_c, error) {
        done();
        if (body === undefined) reject(error);
        else body.fail(error);
      },
    };
    dispatcher.dispatch({ origin: url.origin, path: url.pathname + url.search, method: 'GET', headers }, handler);
  });
}

/**
 * A response body: an async iterable of undici's chunks (fresh buffers: the consumer may keep them). Iterating
 * it, `dump()` or `destroy()` is required: a body left alone holds its connection.
 */
export class DispatchedBody implements AsyncIterable<Buffer> {
  destroyed = false;
  private readonly queue: Buffer[] = [];
  private queuedBytes = 0;
  private ended = false;
  private failure: Error | undefined;
  private waiting: (() => void) | undefined;

  constructor(private readonly controller: Dispatcher.DispatchController) {}

  get full(): boolean {
    return this.queuedBytes > HIGH_WATER_BYTES;
  }

  push(chunk: Buffer): void {
    if (chunk.length === 0) return;
    this.queue.push(chunk);
    this.queuedBytes += chunk.length;
    this.wake();
  }

  end(): void {
    this.ended = true;
    this.wake();
  }

  fail(error: Error): void {
    this.failure ??= error;
    this.wake();
  }

  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.queue.length = 0;
    this.queuedBytes = 0;
    if (!this.ended && this.failure === undefined) this.controller.abort(Object.assign(new Error('the response body was discarded'), { name: 'AbortError' }));
  }

  /** Reads the rest of the body and drops it (the connection stays in the pool). */
  async dump(): Promise<void> {
    for await (const chunk of this) void chunk;
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<Buffer> {
    try {
      for (;;) {
        const chunk = this.queue.shift();
        if (chunk !== undefined) {
          this.queuedBytes -= chunk.length;
          if (this.controller.paused && this.queuedBytes <= HIGH_WATER_BYTES / 2) this.controller.resume();
          yield chunk;
          continue;
        }
        if (this.failure !== undefined) throw this.failure;
        if (this.ended || this.destroyed) return;
        await new Promise<void>((resolve) => (this.waiting = resolve));
      }
    } finally {
      // A consumer that stops early (break, throw) gives the connection up.
      if (!this.ended) this.destroy();
    }
  }

  private wake(): void {
    const waiting = this.waiting;
    this.waiting = undefined;
    waiting?.();
  }
}
