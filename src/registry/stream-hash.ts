import { createHash } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';

/**
 * A running hash of a byte stream. Large blobs are hashed on worker threads: on the thread that receives
 * them, sha256 costs about as much CPU as the HTTP receive itself and would halve pull throughput.
 * - Chunks in shared memory (the plain-HTTP transport reads sockets into SharedArrayBuffer slabs) are not
 *   copied: contiguous chunks are merged into ranges of 512 KiB and the worker hashes them in place. It
 *   counts the ranges it finished in a shared counter, and `update` waits only when 8 ranges are ahead of
 *   it, so receiving and hashing overlap instead of taking turns.
 * - Other chunks are copied into a few small buffers handed over and given back, which also bounds memory.
 * Small blobs are hashed in place: a worker round trip would cost more.
 */
export interface StreamHash {
  /** Returns a promise only when every buffer is with the worker: await it before the next chunk. */
  update(chunk: Uint8Array): void | Promise<void>;
  /** The hex digest; the hash is finished after this. */
  digest(): Promise<string>;
  /** Forgets the hash (the download failed); safe to call at any time. */
  abort(): void;
}

/** Below this, a blob is hashed on the calling thread. */
export const OFF_THREAD_MIN_BYTES = 4 * 2 ** 20;
const BUFFER_BYTES = 256 * 1024;
const BUFFERS_PER_HASH = 4;
/** A shared range goes to the worker once it holds this much (or at the end). */
const SHARED_RANGE_BYTES = 512 * 1024;
/** Shared ranges posted and not yet hashed before `update` waits: bounds the memory a slow hash pins (4 MiB). */
const MAX_SHARED_RANGES_AHEAD = 8;
const MAX_WORKERS = Math.max(1, Math.min(availableParallelism(), 4));

export function createStreamHash(algorithm: 'sha256' | 'sha512', expectedBytes: number | undefined): StreamHash {
  if (expectedBytes === undefined || expectedBytes < OFF_THREAD_MIN_BYTES) return inlineHash(algorithm);
  return new OffThreadHash(algorithm);
}

function inlineHash(algorithm: string): StreamHash {
  const hash = createHash(algorithm);
  return {
    update: (chunk) => void hash.update(chunk),
    digest: () => Promise.resolve(hash.digest('hex')),
    abort: () => undefined,
  };
}

// Plain CommonJS, evaluated: the worker must start the same way under tsx, the CLI and the tests.
const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const hashes = new Map();
const done = new Map();
parentPort.on('message', (m) => {
  if (m.op === 'start') {
    hashes.set(m.id, createHash(m.algorithm));
    done.set(m.id, new Int32Array(m.done));
  } else if (m.op === 'shared') {
    hashes.get(m.id)?.update(new Uint8Array(m.buffer, m.offset, m.length));
    const counter = done.get(m.id);
    if (counter !== undefined) {
      Atomics.add(counter, 0, 1);
      Atomics.notify(counter, 0);
    }
  } else if (m.op === 'data') {
    hashes.get(m.id)?.update(new Uint8Array(m.buffer, 0, m.length));
    parentPort.postMessage({ op: 'free', id: m.id, buffer: m.buffer }, [m.buffer]);
  } else if (m.op === 'end') {
    const hash = hashes.get(m.id);
    hashes.delete(m.id);
    done.delete(m.id);
    parentPort.postMessage({ op: 'digest', id: m.id, hex: hash ? hash.digest('hex') : '' });
  } else if (m.op === 'abort') {
    hashes.delete(m.id);
    done.delete(m.id);
  }
});
`;

type FromWorker = { op: 'free'; id: number; buffer: ArrayBuffer } | { op: 'digest'; id: number; hex: string };

class HashWorker {
  readonly worker = new Worker(WORKER_SOURCE, { eval: true });
  readonly hashes = new Map<number, OffThreadHash>();

  constructor() {
    this.worker.unref();
    this.worker.on('message', (m: FromWorker) => this.hashes.get(m.id)?.receive(m));
    const fail = (error: Error) => {
      const index = workers.indexOf(this);
      if (index >= 0) workers.splice(index, 1);
      for (const hash of this.hashes.values()) hash.fail(error);
      this.hashes.clear();
    };
    this.worker.on('error', fail);
    this.worker.on('exit', (code) => fail(new Error(`hash worker exited with code ${code}`)));
  }

  attach(hash: OffThreadHash): void {
    // A worker with work in hand keeps the process alive until the digest comes back; idle, it does not.
    if (this.hashes.size === 0) this.worker.ref();
    this.hashes.set(hash.id, hash);
  }

  detach(hash: OffThreadHash): void {
    if (this.hashes.delete(hash.id) && this.hashes.size === 0) this.worker.unref();
  }
}

const workers: HashWorker[] = [];
let nextId = 1;

function leastBusyWorker(): HashWorker {
  const idle = workers.find((w) => w.hashes.size === 0);
  if (idle !== undefined) return idle;
  if (workers.length < MAX_WORKERS) {
    const created = new HashWorker();
    workers.push(created);
    return created;
  }
  return workers.reduce((a, b) => (b.hashes.size < a.hashes.size ? b : a));
}

class OffThreadHash implements StreamHash {
  readonly id = nextId++;
  private readonly owner = leastBusyWorker();
  private readonly free: ArrayBuffer[] = [];
  private current: Uint8Array | undefined;
  private filled = 0;
  /** Shared ranges the worker has hashed, counted by the worker. */
  private readonly hashedRanges = new Int32Array(new SharedArrayBuffer(4));
  private postedRanges = 0;
  private range: { buffer: SharedArrayBuffer; offset: number; length: number } | undefined;
  private waitingForBuffer: { resolve: () => void; reject: (e: Error) => void } | undefined;
  private waitingForDigest: { resolve: (hex: string) => void; reject: (e: Error) => void } | undefined;
  private failure: Error | undefined;
  private tail: Promise<void> | undefined;

  constructor(algorithm: string) {
    for (let i = 0; i < BUFFERS_PER_HASH; i++) this.free.push(new ArrayBuffer(BUFFER_BYTES));
    this.owner.attach(this);
    this.owner.worker.postMessage({ op: 'start', id: this.id, algorithm, done: this.hashedRanges.buffer });
  }

  update(chunk: Uint8Array): void | Promise<void> {
    if (this.failure !== undefined) throw this.failure;
    // Chunks given while an earlier one waits queue up behind it, in order.
    if (this.tail !== undefined) return this.track(this.tail.then(() => this.take(chunk)));
    const waiting = this.take(chunk);
    return waiting === undefined ? undefined : this.track(waiting);
  }

  private take(chunk: Uint8Array): void | Promise<void> {
    return chunk.buffer instanceof SharedArrayBuffer ? this.shareIn(chunk, chunk.buffer) : this.copyIn(chunk);
  }

  private track(work: Promise<void>): Promise<void> {
    const tail: Promise<void> = work.finally(() => {
      if (this.tail === tail) this.tail = undefined;
    });
    this.tail = tail;
    return tail;
  }

  private shareIn(chunk: Uint8Array, buffer: SharedArrayBuffer): void | Promise<void> {
    if (this.filled > 0) this.send(); // copied bytes before this chunk go first
    const range = this.range;
    if (range !== undefined && range.buffer === buffer && range.offset + range.length === chunk.byteOffset) range.length += chunk.length;
    else {
      this.flushRange();
      this.range = { buffer, offset: chunk.byteOffset, length: chunk.length };
    }
    if ((this.range?.length ?? 0) < SHARED_RANGE_BYTES) return;
    this.flushRange();
    if (this.postedRanges - Atomics.load(this.hashedRanges, 0) >= MAX_SHARED_RANGES_AHEAD) return this.waitForRanges();
  }

  private flushRange(): void {
    const range = this.range;
    if (range === undefined) return;
    this.range = undefined;
    this.owner.worker.postMessage({ op: 'shared', id: this.id, ...range });
    this.postedRanges++;
  }

  private async waitForRanges(): Promise<void> {
    for (;;) {
      if (this.failure !== undefined) throw this.failure;
      const hashed = Atomics.load(this.hashedRanges, 0);
      if (this.postedRanges - hashed < MAX_SHARED_RANGES_AHEAD) return;
      await waitAsync(this.hashedRanges, 0, hashed);
    }
  }

  private copyIn(chunk: Uint8Array): void | Promise<void> {
    this.flushRange(); // shared bytes before this chunk go first
    let offset = 0;
    while (offset < chunk.length) {
      if (this.current === undefined) {
        const next = this.free.pop();
        if (next === undefined) return this.waitForBuffer().then(() => this.copyIn(chunk.subarray(offset)));
        this.current = new Uint8Array(next);
      }
      const n = Math.min(chunk.length - offset, BUFFER_BYTES - this.filled);
      this.current.set(chunk.subarray(offset, offset + n), this.filled);
      this.filled += n;
      offset += n;
      if (this.filled === BUFFER_BYTES) this.send();
    }
  }

  async digest(): Promise<string> {
    await this.tail;
    if (this.failure !== undefined) throw this.failure;
    this.flushRange();
    if (this.filled > 0) this.send();
    return new Promise((resolve, reject) => {
      this.waitingForDigest = { resolve, reject };
      this.owner.worker.postMessage({ op: 'end', id: this.id });
    });
  }

  abort(): void {
    if (!this.owner.hashes.has(this.id)) return;
    this.owner.worker.postMessage({ op: 'abort', id: this.id });
    this.owner.detach(this);
  }

  receive(message: FromWorker): void {
    if (message.op === 'free') {
      this.free.push(message.buffer);
      const waiting = this.waitingForBuffer;
      this.waitingForBuffer = undefined;
      waiting?.resolve();
    } else {
      this.owner.detach(this);
      this.waitingForDigest?.resolve(message.hex);
    }
  }

  fail(error: Error): void {
    this.failure = error;
    this.waitingForBuffer?.reject(error);
    this.waitingForDigest?.reject(error);
    Atomics.notify(this.hashedRanges, 0); // wakes waitForRanges, which then throws
  }

  private send(): void {
    const buffer = (this.current as Uint8Array).buffer as ArrayBuffer;
    this.owner.worker.postMessage({ op: 'data', id: this.id, buffer, length: this.filled }, [buffer]);
    this.current = undefined;
    this.filled = 0;
  }

  private waitForBuffer(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.waitingForBuffer = { resolve, reject };
    });
  }
}

/** `Atomics.waitAsync` (in V8 since Node 16; not yet in TypeScript's ES2023 lib): resolves once notified. */
function waitAsync(array: Int32Array, index: number, value: number): Promise<unknown> {
  const atomics = Atomics as unknown as { waitAsync(a: Int32Array, i: number, v: number): { async: boolean; value: Promise<unknown> | string } };
  const result = atomics.waitAsync(array, index, value);
  return result.async ? (result.value as Promise<unknown>) : Promise.resolve(result.value);
}
