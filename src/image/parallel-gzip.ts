import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';

/**
 * Gzip on every core: the input is cut into fixed 1 MiB blocks, each compressed as an independent gzip
 * member (RFC 1952 allows concatenated members; Go's and Node's readers read them as one stream). The block
 * size is fixed, so the same input always gives the same bytes, whatever the worker count.
 */
export const GZIP_BLOCK_BYTES = 2 ** 20;

// Plain JS for `new Worker(..., { eval: true })`: tsx's loader does not reach worker threads on Node 20.
const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const { gzipSync } = require('node:zlib');
parentPort.on('message', (job) => {
  try {
    const out = gzipSync(new Uint8Array(job.input, 0, job.length), { level: job.level });
    // Transfer only a buffer the result owns outright (small results may sit in a shared pool).
    const owned = out.byteOffset === 0 && out.byteLength === out.buffer.byteLength
      ? out.buffer
      : out.buffer.slice(out.byteOffset, out.byteOffset + out.byteLength);
    parentPort.postMessage({ id: job.id, output: owned }, [owned]);
  } catch (err) {
    parentPort.postMessage({ id: job.id, error: String((err && err.stack) || err) });
  }
});
`;

interface Job {
  resolve(output: Buffer): void;
  reject(err: Error): void;
}

type Reply = { id: number; output: ArrayBuffer; error?: undefined } | { id: number; output?: undefined; error: string };

/**
 * Worker threads running zlib; one pool serves every layer of a run and must be closed at the end.
 * Jobs are posted to a worker at once (the least loaded one), not held back until it replies: the main
 * thread may run synchronous tar work for a while without visiting the event loop, and workers must not
 * starve meanwhile. The callers' in-flight bounds keep the number of posted jobs small.
 */
export class GzipWorkerPool {
  readonly size: number;
  private readonly workers: Worker[] = [];
  private readonly load = new Map<Worker, number>();
  private readonly pending = new Map<number, Job>();
  private nextId = 0;
  private failure: Error | undefined;
  private closed = false;

  constructor(workers: number = availableParallelism()) {
    if (!Number.isInteger(workers) || workers < 1) throw new RangeError(`gzip workers must be a positive integer, got ${workers}`);
    this.size = workers;
    for (let i = 0; i < workers; i++) this.startWorker();
  }

  private startWorker(): void {
    // execArgv [] keeps the parent's `--import tsx` out of a worker that runs plain JS.
    const worker = new Worker(WORKER_SOURCE, { eval: true, execArgv: [] });
    worker.unref(); // idle workers must not keep the process alive; referenced again while working
    worker.on('message', (reply: Reply) => this.onReply(worker, reply));
    worker.on('error', (err) => this.fail(err));
    worker.on('exit', (code) => {
      if (!this.closed) this.fail(new Error(`gzip worker exited unexpectedly with code ${code}`));
    });
    this.workers.push(worker);
    this.load.set(worker, 0);
  }

  /**
   * Compresses `length` bytes of `input` into one gzip member. `input` is transferred to the worker (it is
   * detached afterwards), so hand over a buffer nothing else uses.
   */
  compress(input: ArrayBuffer, length: number, level: number): Promise<Buffer> {
    if (this.closed) return Promise.reject(new Error('gzip pool is closed'));
    if (this.failure !== undefined) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      const id = this.nextId++;
      this.pending.set(id, { resolve, reject });
      let worker = this.workers[0] as Worker;
      for (const w of this.workers) if ((this.load.get(w) as number) < (this.load.get(worker) as number)) worker = w;
      const load = this.load.get(worker) as number;
      if (load === 0) worker.ref();
      this.load.set(worker, load + 1);
      worker.postMessage({ id, input, length, level }, [input]);
    });
  }

  private onReply(worker: Worker, reply: Reply): void {
    const load = (this.load.get(worker) as number) - 1;
    this.load.set(worker, load);
    if (load === 0) worker.unref();
    const job = this.pending.get(reply.id);
    if (job === undefined) return; // already rejected by fail()
    this.pending.delete(reply.id);
    if (reply.error !== undefined) job.reject(new Error(`gzip worker failed: ${reply.error}`));
    else job.resolve(Buffer.from(reply.output));
  }

  private fail(err: Error): void {
    this.failure ??= err;
    for (const job of this.pending.values()) job.reject(err);
    this.pending.clear();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.fail(new Error('gzip pool is closed'));
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}

/**
 * One gzip stream through a shared pool: `write` copies bytes into the current block, full blocks go to
 * the pool, and members reach `output` strictly in block order. At most `maxInFlight` blocks are queued or
 * compressing or waiting for their turn, so memory stays flat whatever the stream length.
 */
export class ParallelGzip {
  private block: Uint8Array;
  private filled = 0;
  private started = false;
  private readonly inFlight: Promise<Buffer>[] = [];
  private draining: Promise<void> | undefined;
  private failure: unknown;
  private waiters: (() => void)[] = [];
  private readonly maxInFlight: number;
  inputBytes = 0;
  outputBytes = 0;

  constructor(
    private readonly pool: GzipWorkerPool,
    private readonly level: number,
    private readonly output: (member: Buffer) => Promise<void> | void,
    maxInFlight = pool.size * 2 + 2,
  ) {
    if (!Number.isInteger(level) || level < 0 || level > 9) throw new RangeError(`gzip level must be 0..9, got ${level}`);
    this.maxInFlight = maxInFlight;
    this.block = newBlock();
  }

  /** Copies `chunk` (the caller may reuse it afterwards); false means: await `ready()` before writing on. */
  write(chunk: Uint8Array): boolean {
    if (this.failure !== undefined) throw this.failure;
    this.inputBytes += chunk.length;
    let offset = 0;
    while (offset < chunk.length) {
      const n = Math.min(chunk.length - offset, GZIP_BLOCK_BYTES - this.filled);
      this.block.set(chunk.subarray(offset, offset + n), this.filled);
      this.filled += n;
      offset += n;
      if (this.filled === GZIP_BLOCK_BYTES) this.submit();
    }
    return this.inFlight.length < this.maxInFlight;
  }

  /** Resolves once fewer than `maxInFlight` blocks are pending; rejects if compression failed. */
  async ready(): Promise<void> {
    while (this.failure === undefined && this.inFlight.length >= this.maxInFlight) {
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
    if (this.failure !== undefined) throw this.failure;
  }

  /** Flushes the last partial block and waits until every member has been handed to `output`. */
  async end(): Promise<void> {
    // An empty input still yields one (empty) member: a zero-length file is not a valid gzip stream.
    if (this.filled > 0 || !this.started) this.submit();
    while (this.draining !== undefined) await this.draining;
    if (this.failure !== undefined) throw this.failure;
  }

  private submit(): void {
    this.started = true;
    const job = this.pool.compress(this.block.buffer as ArrayBuffer, this.filled, this.level);
    job.catch(() => undefined); // reported in order by drain(), not as an unhandled rejection
    this.inFlight.push(job);
    this.block = newBlock();
    this.filled = 0;
    this.draining ??= this.drain();
  }

  private async drain(): Promise<void> {
    try {
      while (this.inFlight.length > 0) {
        const member = await (this.inFlight[0] as Promise<Buffer>);
        await this.output(member);
        this.outputBytes += member.length;
        this.inFlight.shift();
        this.wake();
      }
    } catch (err) {
      this.failure ??= err;
      this.inFlight.length = 0;
    } finally {
      this.draining = undefined;
      this.wake();
    }
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }
}

// A fresh buffer per block: it is transferred (detached) to a worker, so it cannot be reused here.
function newBlock(): Uint8Array {
  return new Uint8Array(new ArrayBuffer(GZIP_BLOCK_BYTES));
}
