/* eslint-disable max-lines -- HTTP/1.1 GET on raw sockets: socket reader, response framing (length, chunked, close) and body are one protocol state machine */
import { connect, type Socket } from 'node:net';
import { timeoutError } from './registry-timeouts.ts';

/**
 * GET requests over plain-HTTP/1.1 keep-alive sockets of node:net, for the blob downloads of an http://
 * registry (or storage it redirects to). undici spends about 1.1 CPU-s per GB receiving a body (its parser,
 * stream and a promise per small chunk); reading the socket directly costs under half of that, and on a
 * 2-core machine that CPU decides how fast a pull goes. Only the framing a registry or a storage server can
 * answer with is handled: Content-Length, chunked transfer encoding, or a body up to the connection's close.
 * Redirects, auth and retries stay with the caller; errors carry errno-like codes (ECONNRESET, ETIMEDOUT)
 * the retry policy knows. https keeps going through undici.
 */

export interface PlainHttpResponse {
  readonly statusCode: number;
  /** Lower-cased names; repeated headers joined with ", ". */
  readonly headers: Record<string, string>;
  readonly body: PlainHttpBody;
}

export interface PlainHttpTransportOptions {
  /** Idle keep-alive sockets kept per origin. */
  readonly maxIdlePerOrigin: number;
  /** Longest wait for a connection. */
  readonly connectTimeoutMs: number;
  /** Longest wait for the response head, and between two body reads. */
  readonly idleTimeoutMs: number;
}

const MAX_HEAD_BYTES = 64 * 1024;
/** The body queue size above which the socket is paused until the consumer catches up. */
const HIGH_WATER_BYTES = 4 * 2 ** 20;
const CRLF = Buffer.from('\r\n');
const HEAD_END = Buffer.from('\r\n\r\n');

/** Reads land in slabs this size, each read in the room left (at least READ_BYTES): no stream machinery, few allocations. */
const SLAB_BYTES = 2 ** 20;
const READ_BYTES = 64 * 1024;

/**
 * What a socket reads goes through node's `onread` (straight from the socket into our buffers, no Readable
 * in between, about a third of the CPU of 'data' events) to whichever exchange holds the socket. Chunks are
 * views of slabs that are never written again, so a consumer may keep them.
 */
class SocketReader {
  /** Takes a chunk; false pauses reading until `resume`. */
  sink: ((chunk: Buffer) => boolean) | undefined;
  socket: Socket | undefined;
  private slab = Buffer.allocUnsafe(SLAB_BYTES);
  private offset = 0;
  private paused = false;

  nextBuffer(): Buffer {
    if (SLAB_BYTES - this.offset < READ_BYTES) {
      this.slab = Buffer.allocUnsafe(SLAB_BYTES);
      this.offset = 0;
    }
    return this.slab.subarray(this.offset);
  }

  onRead(bytes: number, buffer: Buffer): boolean {
    const chunk = buffer.subarray(0, bytes);
    this.offset += bytes;
    if (this.sink === undefined) {
      // Bytes on an idle connection: nothing may follow a complete answer, so the connection is unusable.
      this.socket?.destroy();
      return false;
    }
    const more = this.sink(chunk);
    this.paused = !more;
    return more;
  }

  get isPaused(): boolean {
    return this.paused;
  }

  resume(): void {
    if (!this.paused) return;
    this.paused = false;
    this.socket?.resume();
  }
}

const readers = new WeakMap<Socket, SocketReader>();

function networkError(code: string, message: string): Error {
  return Object.assign(new Error(message), { code });
}

function abortError(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  if (reason instanceof Error) return reason;
  return Object.assign(new Error('the request was aborted'), { name: 'AbortError' });
}

export class PlainHttpTransport {
  private readonly idle = new Map<string, Socket[]>();
  /** Removes the listeners an idle socket carries (only ours: node's own must stay). */
  private readonly idleCleanup = new WeakMap<Socket, () => void>();
  private closed = false;

  constructor(private readonly options: PlainHttpTransportOptions) {}

  /** Sends a GET and resolves with the response head; the caller must consume, dump or destroy the body. */
  async get(url: URL, headers: Record<string, string>, signal?: AbortSignal): Promise<PlainHttpResponse> {
    if (url.protocol !== 'http:') throw new Error(`plain HTTP transport cannot fetch ${url.protocol} URLs`);
    if (this.closed) throw networkError('ECONNABORTED', 'the HTTP transport is closed');
    const reused = this.takeIdle(url.host);
    if (reused !== undefined) {
      try {
        return await this.exchange(reused, url, headers, signal, true);
      } catch (error) {
        // The server may close an idle connection just as it is reused: one more try on a fresh one.
        if (!(error instanceof StaleConnection)) throw error;
      }
    }
    return this.exchange(await this.open(url, signal), url, headers, signal, false);
  }

  /** Closes the idle sockets; bodies still being read finish on their own sockets. */
  close(): void {
    this.closed = true;
    for (const sockets of this.idle.values()) for (const socket of sockets) socket.destroy();
    this.idle.clear();
  }

  private takeIdle(host: string): Socket | undefined {
    const sockets = this.idle.get(host);
    while (sockets !== undefined && sockets.length > 0) {
      const socket = sockets.pop() as Socket;
      this.idleCleanup.get(socket)?.();
      this.idleCleanup.delete(socket);
      if (!socket.destroyed && socket.readable && socket.writable) return socket;
      socket.destroy();
    }
    return undefined;
  }

  private release(host: string, socket: Socket): void {
    const sockets = this.idle.get(host) ?? [];
    if (this.closed || sockets.length >= this.options.maxIdlePerOrigin || socket.destroyed) {
      socket.destroy();
      return;
    }
    // An idle socket the server closes, or that errors, is dropped; takeIdle also checks.
    const drop = () => socket.destroy();
    const forget = () => {
      const list = this.idle.get(host);
      const index = list?.indexOf(socket) ?? -1;
      if (list !== undefined && index >= 0) list.splice(index, 1);
    };
    socket.on('error', drop);
    socket.on('end', drop);
    socket.on('close', forget);
    this.idleCleanup.set(socket, () => {
      socket.off('error', drop);
      socket.off('end', drop);
      socket.off('close', forget);
    });
    socket.unref();
    sockets.push(socket);
    this.idle.set(host, sockets);
  }

  private open(url: URL, signal: AbortSignal | undefined): Promise<Socket> {
    return new Promise((resolve, reject) => {
      if (signal?.aborted === true) return reject(abortError(signal));
      const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
      const reader = new SocketReader();
      const socket = connect({
        host,
        port: url.port === '' ? 80 : Number(url.port),
        noDelay: true,
        onread: { buffer: () => reader.nextBuffer(), callback: (bytes: number, buffer: Uint8Array) => reader.onRead(bytes, buffer as Buffer) },
      });
      reader.socket = socket;
      readers.set(socket, reader);
      const onAbort = () => socket.destroy(abortError(signal as AbortSignal));
      const onTimeout = () => socket.destroy(timeoutError('connect', `connecting to ${url.host} timed out`));
      const cleanup = () => {
        signal?.removeEventListener('abort', onAbort);
        socket.off('timeout', onTimeout);
        socket.off('error', onError);
        socket.off('connect', onConnect);
        socket.setTimeout(0);
      };
      const onConnect = () => {
        cleanup();
        resolve(socket);
      };
      const onError = (error: Error) => {
        cleanup();
        reject(error);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      socket.setTimeout(this.options.connectTimeoutMs);
      socket.on('timeout', onTimeout);
      socket.on('connect', onConnect);
      socket.on('error', onError);
    });
  }

  private exchange(socket: Socket, url: URL, headers: Record<string, string>, signal: AbortSignal | undefined, reused: boolean): Promise<PlainHttpResponse> {
    socket.ref();
    let request = `GET ${url.pathname}${url.search} HTTP/1.1\r\nhost: ${url.host}\r\n`;
    for (const [name, value] of Object.entries(headers)) {
      if (/[\r\n]/.test(name) || /[\r\n]/.test(value)) throw new Error(`invalid header ${JSON.stringify(name)}`);
      if (name.toLowerCase() !== 'host' && name.toLowerCase() !== 'connection') request += `${name}: ${value}\r\n`;
    }
    request += 'connection: keep-alive\r\n\r\n';
    return new Promise((resolve, reject) => {
      const exchange = new Exchange(socket, this.options.idleTimeoutMs, reused, signal, {
        head: resolve,
        fail: reject,
        reusable: () => this.release(url.host, socket),
      });
      exchange.start(request);
    });
  }
}

/** A reused socket that closed before any byte of the answer: the request never reached a live server. */
class StaleConnection extends Error {
  readonly code = 'ECONNRESET';
}

interface ExchangeEvents {
  head(response: PlainHttpResponse): void;
  fail(error: Error): void;
  /** The body was read to its end and the socket may serve another request. */
  reusable(): void;
}

type Framing = { kind: 'length'; left: number } | { kind: 'chunked' } | { kind: 'close' };

/** One request and its response on one socket: parses the head, then frames the body into a PlainHttpBody. */
class Exchange {
  private head: Buffer | undefined = Buffer.alloc(0);
  private framing: Framing | undefined;
  private body: PlainHttpBody | undefined;
  private keepAlive = false;
  private receivedAny = false;
  private done = false;
  // Chunked decoding state: bytes left in the current chunk, or a line being collected (size or trailer).
  private chunkLeft = 0;
  private line: Buffer | undefined = Buffer.alloc(0);
  private afterChunk = false;
  private inTrailer = false;

  constructor(
    private readonly socket: Socket,
    private readonly timeoutMs: number,
    private readonly reused: boolean,
    private readonly signal: AbortSignal | undefined,
    private readonly events: ExchangeEvents,
  ) {}

  start(request: string): void {
    const { socket, signal } = this;
    if (signal?.aborted === true) {
      socket.destroy();
      this.events.fail(abortError(signal));
      return;
    }
    signal?.addEventListener('abort', this.onAbort, { once: true });
    socket.setTimeout(this.timeoutMs);
    socket.on('timeout', this.onTimeout);
    this.reader.sink = this.onSocketData;
    socket.on('end', this.onEnd);
    socket.on('error', this.onError);
    socket.on('close', this.onClose);
    socket.write(request);
  }

  private readonly onAbort = () => this.finish(abortError(this.signal as AbortSignal));
  private readonly onTimeout = () =>
    this.socket.destroy(this.body === undefined ? timeoutError('headers', 'the server sent no response head in time') : timeoutError('body', 'the server stopped sending the body'));
  private readonly onError = (error: Error) => this.finish(error);
  private readonly onClose = () => this.finish(networkError('ECONNRESET', 'the connection closed before the answer was complete'));
  private readonly onSocketData = (data: Buffer): boolean => {
    this.receivedAny = true;
    try {
      this.onData(data);
    } catch (error) {
      this.finish(error as Error);
    }
    const more = this.body === undefined || this.done || !this.body.full;
    // Paused for a slow consumer, the socket is idle because of us, not the server: no idle limit meanwhile.
    if (!more) this.socket.setTimeout(0);
    return more;
  };

  private get reader(): SocketReader {
    const reader = readers.get(this.socket);
    if (reader === undefined) throw new Error('socket without a reader');
    return reader;
  }

  private readonly onEnd = () => {
    if (this.framing?.kind === 'close' && this.body !== undefined) this.complete(false);
    else this.finish(networkError('ECONNRESET', 'the connection closed before the answer was complete'));
  };

  private onData(data: Buffer): void {
    if (this.done) return;
    if (this.head !== undefined) {
      const head = this.head.length === 0 ? data : Buffer.concat([this.head, data]);
      const end = head.indexOf(HEAD_END);
      if (end < 0) {
        if (head.length > MAX_HEAD_BYTES) throw networkError('HPE_HEADER_OVERFLOW', `the response head is larger than ${MAX_HEAD_BYTES} bytes`);
        this.head = head;
        return;
      }
      this.head = undefined;
      const rest = head.subarray(end + HEAD_END.length);
      if (!this.parseHead(head.subarray(0, end).toString('latin1'))) {
        // 1xx interim answer: the real head follows.
        this.head = Buffer.alloc(0);
        if (rest.length > 0) this.onData(rest);
        return;
      }
      if (rest.length > 0) this.onBody(rest);
      else this.maybeComplete();
      return;
    }
    this.onBody(data);
  }

  /** Returns false for a 1xx interim head. */
  private parseHead(text: string): boolean {
    const lines = text.split('\r\n');
    const status = /^HTTP\/1\.([01]) (\d{3})/.exec(lines[0] ?? '');
    if (status === null) throw networkError('HPE_INVALID_CONSTANT', `not an HTTP/1.x answer: ${JSON.stringify((lines[0] ?? '').slice(0, 80))}`);
    const statusCode = Number(status[2]);
    if (statusCode >= 100 && statusCode < 200 && statusCode !== 101) return false;
    const headers: Record<string, string> = {};
    for (const line of lines.slice(1)) {
      const colon = line.indexOf(':');
      if (colon <= 0) continue;
      const name = line.slice(0, colon).trim().toLowerCase();
      const value = line.slice(colon + 1).trim();
      headers[name] = headers[name] === undefined ? value : `${headers[name]}, ${value}`;
    }
    const connection = (headers.connection ?? '').toLowerCase();
    this.keepAlive = status[1] === '1' ? !connection.includes('close') : connection.includes('keep-alive');
    const transferEncoding = (headers['transfer-encoding'] ?? '').toLowerCase();
    const contentLength = headers['content-length'];
    if (statusCode === 204 || statusCode === 304) {
      this.framing = { kind: 'length', left: 0 };
    } else if (transferEncoding !== '') {
      if (transferEncoding.split(',').at(-1)?.trim() !== 'chunked') throw networkError('HPE_INVALID_TRANSFER_ENCODING', `unsupported transfer-encoding ${transferEncoding}`);
      this.framing = { kind: 'chunked' };
    } else if (contentLength !== undefined) {
      if (!/^\d+$/.test(contentLength)) throw networkError('HPE_INVALID_CONTENT_LENGTH', `invalid content-length ${JSON.stringify(contentLength)}`);
      this.framing = { kind: 'length', left: Number(contentLength) };
    } else {
      this.framing = { kind: 'close' };
      this.keepAlive = false;
    }
    const reader = this.reader;
    this.body = new PlainHttpBody(
      () => {
        if (reader.isPaused && !this.done) this.socket.setTimeout(this.timeoutMs);
        reader.resume();
      },
      () => this.finish(networkError('ECONNABORTED', 'the body was not read to its end')),
    );
    this.events.head({ statusCode, headers, body: this.body });
    return true;
  }

  private onBody(data: Buffer): void {
    const framing = this.framing as Framing;
    const body = this.body as PlainHttpBody;
    if (framing.kind === 'close') {
      body.push(data);
      return;
    }
    if (framing.kind === 'length') {
      if (data.length > framing.left) {
        // Bytes past the body: a broken server, or pipelining we never asked for. Not reusable either way.
        if (framing.left > 0) body.push(data.subarray(0, framing.left));
        framing.left = 0;
        this.keepAlive = false;
      } else {
        framing.left -= data.length;
        body.push(data);
      }
      this.maybeComplete();
      return;
    }
    this.onChunked(data, body);
  }

  private onChunked(data: Buffer, body: PlainHttpBody): void {
    let offset = 0;
    while (offset < data.length && !this.done) {
      if (this.chunkLeft > 0) {
        const n = Math.min(this.chunkLeft, data.length - offset);
        body.push(data.subarray(offset, offset + n));
        this.chunkLeft -= n;
        offset += n;
        if (this.chunkLeft === 0) {
          this.afterChunk = true;
          this.line = Buffer.alloc(0);
        }
        continue;
      }
      // Collect a line: the CRLF after a chunk, a chunk-size line, or a trailer line.
      const lineSoFar = this.line as Buffer;
      const end = data.indexOf(CRLF, offset);
      const lf = lineSoFar.length > 0 && lineSoFar[lineSoFar.length - 1] === 0x0d && data[offset] === 0x0a ? offset : -1;
      if (end < 0 && lf < 0) {
        this.line = Buffer.concat([lineSoFar, data.subarray(offset)]);
        if (this.line.length > 4096) throw networkError('HPE_INVALID_CHUNK_SIZE', 'a chunk-size line is too long');
        return;
      }
      let line: string;
      if (lf >= 0) {
        line = lineSoFar.subarray(0, lineSoFar.length - 1).toString('latin1');
        offset = lf + 1;
      } else {
        line = Buffer.concat([lineSoFar, data.subarray(offset, end)]).toString('latin1');
        offset = end + 2;
      }
      this.line = Buffer.alloc(0);
      if (this.afterChunk) {
        if (line !== '') throw networkError('HPE_INVALID_CHUNK_SIZE', 'a chunk is not followed by CRLF');
        this.afterChunk = false;
      } else if (this.inTrailer) {
        if (line === '') {
          this.keepAlive &&= offset === data.length;
          this.complete(this.keepAlive);
          return;
        }
      } else {
        const size = /^([0-9a-fA-F]{1,12})(?:;.*)?$/.exec(line.trim());
        if (size === null) throw networkError('HPE_INVALID_CHUNK_SIZE', `invalid chunk size ${JSON.stringify(line.slice(0, 40))}`);
        this.chunkLeft = parseInt(size[1] as string, 16);
        if (this.chunkLeft === 0) this.inTrailer = true;
      }
    }
  }

  private maybeComplete(): void {
    const framing = this.framing as Framing;
    if (framing.kind === 'length' && framing.left === 0) this.complete(this.keepAlive);
  }

  /** The body ended cleanly: the socket goes back to the pool when nothing else came on it. */
  private complete(reusable: boolean): void {
    if (this.done) return;
    this.done = true;
    this.detach();
    (this.body as PlainHttpBody).end();
    if (reusable && !this.socket.destroyed) {
      this.reader.resume();
      this.events.reusable();
    } else this.socket.destroy();
  }

  private finish(error: Error): void {
    if (this.done) return;
    this.done = true;
    this.detach();
    this.socket.destroy();
    if (this.body === undefined) this.events.fail(this.reused && !this.receivedAny ? new StaleConnection(error.message, { cause: error }) : error);
    else this.body.fail(error);
  }

  private detach(): void {
    this.signal?.removeEventListener('abort', this.onAbort);
    const socket = this.socket;
    socket.off('timeout', this.onTimeout);
    this.reader.sink = undefined;
    socket.off('end', this.onEnd);
    socket.off('close', this.onClose);
    socket.off('error', this.onError);
    socket.setTimeout(0);
  }
}

/**
 * A response body: an async iterable of the socket's chunks (never overwritten: the consumer may keep them).
 * Iterating it, `dump()` or `destroy()` is required: a body left alone holds its socket.
 */
export class PlainHttpBody implements AsyncIterable<Buffer> {
  destroyed = false;
  private readonly queue: Buffer[] = [];
  private queuedBytes = 0;
  private ended = false;
  private failure: Error | undefined;
  private waiting: { resolve: () => void } | undefined;

  constructor(
    private readonly resumeReading: () => void,
    private readonly onDestroy: () => void,
  ) {}

  /** More than the consumer should have waiting: the socket pauses until it catches up. */
  get full(): boolean {
    return this.queuedBytes > HIGH_WATER_BYTES;
  }

  push(chunk: Buffer): void {
    if (this.destroyed || chunk.length === 0) return;
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
    if (!this.ended) this.onDestroy();
  }

  /** Reads the rest of the body and drops it (keeps the connection for reuse when the framing allows). */
  async dump(): Promise<void> {
    for await (const chunk of this) void chunk;
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<Buffer> {
    try {
      for (;;) {
        const chunk = this.queue.shift();
        if (chunk !== undefined) {
          this.queuedBytes -= chunk.length;
          if (this.queuedBytes <= HIGH_WATER_BYTES / 2) this.resumeReading();
          yield chunk;
          continue;
        }
        if (this.failure !== undefined) throw this.failure;
        if (this.ended || this.destroyed) return;
        await new Promise<void>((resolve) => (this.waiting = { resolve }));
      }
    } finally {
      // A consumer that stops early (break, throw) gives the socket up.
      if (!this.ended) this.destroy();
    }
  }

  private wake(): void {
    const waiting = this.waiting;
    this.waiting = undefined;
    waiting?.resolve();
  }
}
