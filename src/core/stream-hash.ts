import { createHash } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';

/**
 * A running hash of a byte stream. Large blobs are hashed on worker threads: on the thread that receives
 * them, sha256 costs about as much CPU as the HTTP receive itself and would halve pull throughput. The
 * receiving thread only copies bytes into a few small buffers it hands over (and gets back), which also
 * bounds memory per download. Small blobs are hashed in place: a worker round trip would cost more.
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
parentPort.on('message', (m) => {
  if (m.op === 'start') hashes.set(m.id, createHash(m.algorithm));
  else if (m.op === 'data') {
    hashes.get(m.id)?.update(new Uint8Array(m.buffer, 0, m.length));
    parentPort.postMessage({ op: 'free', id: m.id, buffer: m.buffer }, [m.buffer]);
  } else if (m.op === 'end') {
    const hash = hashes.get(m.id);
    hashes.delete(m.id);
    parentPort.postMessage({ op: 'digest', id: m.id, hex: hash ? hash.digest('hex') : '' });
  } else if (m.op === 'abort') hashes.delete(m.id);
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
  private current: Uint8Array;
  private filled = 0;
  private waitingForBuffer: { resolve: () => void; reject: (e: Error) => void } | undefined;
  private waitingForDigest: { resolve: (hex: string) => void; reject: (e: Error) => void } | undefined;
  private failure: Error | undefined;
  private aborted = false;
  private tail: Promise<void> | undefined;

  constructor(algorithm: string) {
    for (let i = 0; i < BUFFERS_PER_HASH; i++) this.free.push(new ArrayBuffer(BUFFER_BYTES));
    this.current = new Uint8Array(this.free.pop() as ArrayBuffer);
    this.owner.attach(this);
    this.owner.worker.postMessage({ op: 'start', id: this.id, algorithm });
  }

  update(chunk: Uint8Array): void | Promise<void> {
    if (this.failure !== undefined) throw this.failure;
    if (this.tail === undefined) {
      const waiting = this.copyIn(chunk);
      if (waiting === undefined) return;
      return this.track(waiting);
    }
    // Chunks given while an earlier one waits for a buffer queue up behind it, in order.
    return this.track(this.tail.then(() => this.copyIn(chunk)));
  }

  private track(work: Promise<void>): Promise<void> {
    const tail: Promise<void> = work.finally(() => {
      if (this.tail === tail) this.tail = undefined;
    });
    this.tail = tail;
    return tail;
  }

  private copyIn(chunk: Uint8Array): void | Promise<void> {
    if (this.aborted) return; // an update still queued when the download was aborted: nothing to hash
    let offset = 0;
    while (offset < chunk.length) {
      const n = Math.min(chunk.length - offset, BUFFER_BYTES - this.filled);
      this.current.set(chunk.subarray(offset, offset + n), this.filled);
      this.filled += n;
      offset += n;
      if (this.filled === BUFFER_BYTES) {
        this.send();
        if (this.free.length === 0) return this.waitForBuffer().then(() => this.copyIn(chunk.subarray(offset)));
        this.current = new Uint8Array(this.free.pop() as ArrayBuffer);
      }
    }
  }

  async digest(): Promise<string> {
    await this.tail;
    if (this.failure !== undefined) throw this.failure;
    if (this.filled > 0) this.send();
    return new Promise((resolve, reject) => {
      this.waitingForDigest = { resolve, reject };
      this.owner.worker.postMessage({ op: 'end', id: this.id });
    });
  }

  abort(): void {
    this.aborted = true;
    // Updates queued behind a full worker settle now: the worker's buffers will not come back to us.
    const waiting = this.waitingForBuffer;
    this.waitingForBuffer = undefined;
    waiting?.resolve();
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
  }

  private send(): void {
    const buffer = this.current.buffer as ArrayBuffer;
    this.owner.worker.postMessage({ op: 'data', id: this.id, buffer, length: this.filled }, [buffer]);
    this.filled = 0;
  }

  private waitForBuffer(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.waitingForBuffer = {
        resolve: () => {
          if (!this.aborted) this.current = new Uint8Array(this.free.pop() as ArrayBuffer);
          resolve();
        },
        reject,
      };
    });
  }
}
