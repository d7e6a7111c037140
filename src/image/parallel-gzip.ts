import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';

/**
 * Gzip on every core: the input is cut into fixed 1 MiB blocks, each compressed as an independent gzip
 * member (RFC 1952 allows concatenated members; Go's and Node's readers read them as one stream). The block
 * size is fixed, so the same input always gives the same bytes, whatever the worker count.
 */
export const GZIP_BLOCK_BYTES = 2 ** 20;

/**
 * zlib's largest hash table (memLevel 9, where gzip and pigz keep zlib's default 8): at level 1 on this
 * content it deflates about 5% faster and a little smaller, and the output is still plain gzip.
 */
export const GZIP_MEM_LEVEL = 9;

/** Room for one member of `inputBytes`: deflate's worst case adds a few bytes per 16 KiB, plus header and trailer. */
function memberCapacity(inputBytes: number): number {
  return inputBytes + (inputBytes >>> 10) + 1024;
}

/** Buffers kept for reuse per kind (inputs, outputs): more than the blocks in flight of a few streams at once. */
const MAX_SPARE_BUFFERS = 16;

// Plain JS for `new Worker(..., { eval: true })`: tsx's loader does not reach worker threads on Node 20.
// Each worker keeps one raw deflate handle per level, reset after every member, and writes the member (gzip
// header, deflate data, crc32 and length trailer: byte for byte what gzipSync writes with the same level and
// memLevel) into an output buffer that the main thread hands back once written. Nothing is allocated per block (no zlib state, no output
// chunks, no concatenation), so the workers make no garbage; with gzipSync each piled up about 65 MB of it
// between collections. The handle is node's own (`_handle.writeSync`, what gzipSync calls underneath); a
// self-check at start-up compares it with gzipSync and falls back to gzipSync should a node version differ.
const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const zlib = require('node:zlib');
const HEADER = 10;
const TRAILER = 8;
const MEM_LEVEL = ${GZIP_MEM_LEVEL};
const deflaters = new Map();

function deflaterFor(level) {
  let d = deflaters.get(level);
  if (d === undefined) {
    const stream = zlib.createDeflateRaw({ level, memLevel: MEM_LEVEL });
    stream.on('error', () => undefined); // a failed write shows as stream.destroyed below
    d = { stream, handle: stream._handle, state: stream._writeState };
    deflaters.set(level, d);
  }
  return d;
}

// Writes one gzip member of input into out; returns its length, or -1 when this route cannot make it.
function handleMember(input, out, level) {
  const d = deflaterFor(level);
  if (!d.handle || !(d.state instanceof Uint32Array) || typeof d.handle.writeSync !== 'function' || d.stream.destroyed) {
    deflaters.delete(level);
    return -1;
  }
  // The header zlib writes: no name, mtime 0, XFL from the level, OS 3 (unix).
  out.set([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, level === 9 ? 2 : level < 2 ? 4 : 0, 3], 0);
  const room = out.length - HEADER - TRAILER;
  d.handle.writeSync(zlib.constants.Z_FINISH, input, 0, input.length, out, HEADER, room);
  const availOut = d.state[0];
  const availIn = d.state[1];
  if (d.stream.destroyed) {
    deflaters.delete(level);
    return -1;
  }
  d.handle.reset();
  if (availIn !== 0 || availOut === 0) return -1; // did not finish in the room given: not expected
  const end = HEADER + room - availOut;
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
  view.setUint32(end, zlib.crc32(input), true);
  view.setUint32(end + 4, input.length >>> 0, true);
  return end + TRAILER;
}

let viaHandle = true;
try {
  const probe = Buffer.from('shipbench gzip self-check, '.repeat(200));
  const out = Buffer.alloc(probe.length + 1024);
  const n = handleMember(probe, out, 1);
  viaHandle = n > 0 && out.subarray(0, n).equals(zlib.gzipSync(probe, { level: 1, memLevel: MEM_LEVEL }));
} catch {
  viaHandle = false;
}

parentPort.on('message', (job) => {
  try {
    const input = new Uint8Array(job.input, 0, job.length);
    let output = job.output !== undefined && job.output.byteLength >= job.capacity ? job.output : new ArrayBuffer(job.capacity);
    let length = viaHandle ? handleMember(input, new Uint8Array(output), job.level) : -1;
    if (length < 0) {
      const z = zlib.gzipSync(input, { level: job.level, memLevel: MEM_LEVEL });
      if (z.length > output.byteLength) output = new ArrayBuffer(z.length);
      new Uint8Array(output).set(z);
      length = z.length;
    }
    parentPort.postMessage({ id: job.id, input: job.input, output, length }, [job.input, output]);
  } catch (err) {
    parentPort.postMessage({ id: job.id, error: String((err && err.stack) || err) });
  }
});
`;

interface Job {
  resolve(output: Buffer): void;
  reject(err: Error): void;
}

type Reply =
  | { id: number; input: ArrayBuffer; output: ArrayBuffer; length: number; error?: undefined }
  | { id: number; input?: undefined; output?: undefined; error: string };

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
  // Block and member buffers travel to a worker and back, and are reused: fresh 1 MiB buffers cost zeroing,
  // page faults and garbage, for every block.
  private readonly spareInputs: ArrayBuffer[] = [];
  private readonly spareOutputs: ArrayBuffer[] = [];

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

  /** A block buffer of GZIP_BLOCK_BYTES for `compress`, reused from earlier jobs when one is spare. */
  takeInput(): ArrayBuffer {
    return this.spareInputs.pop() ?? new ArrayBuffer(GZIP_BLOCK_BYTES);
  }

  /**
   * Compresses `length` bytes of `input` into one gzip member. `input` is transferred to the worker (it is
   * detached afterwards, and reused by `takeInput` later), so hand over a buffer nothing else uses. The member
   * is lent: once done with its bytes, give it back with `recycle` (or drop it).
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
      const capacity = memberCapacity(length);
      const output = this.spareOutputs.pop();
      if (output === undefined) worker.postMessage({ id, input, length, level, capacity }, [input]);
      else worker.postMessage({ id, input, length, level, capacity, output }, [input, output]);
    });
  }

  /** Takes back a member from `compress` whose bytes are no longer needed (they will be overwritten). */
  recycle(member: Buffer): void {
    const buffer = member.buffer as ArrayBuffer;
    if (member.byteOffset === 0 && buffer.byteLength === memberCapacity(GZIP_BLOCK_BYTES) && this.spareOutputs.length < MAX_SPARE_BUFFERS) {
      this.spareOutputs.push(buffer);
    }
  }

  private onReply(worker: Worker, reply: Reply): void {
    const load = (this.load.get(worker) as number) - 1;
    this.load.set(worker, load);
    if (load === 0) worker.unref();
    if (reply.input !== undefined && reply.input.byteLength === GZIP_BLOCK_BYTES && this.spareInputs.length < MAX_SPARE_BUFFERS) {
      this.spareInputs.push(reply.input);
    }
    const job = this.pending.get(reply.id);
    if (job === undefined) return; // already rejected by fail()
    this.pending.delete(reply.id);
    if (reply.error !== undefined) job.reject(new Error(`gzip worker failed: ${reply.error}`));
    else job.resolve(Buffer.from(reply.output, 0, reply.length));
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

export interface ParallelGzipOptions {
  /** Blocks queued, compressing or waiting for their turn; default twice the pool plus two. */
  readonly maxInFlight?: number;
  /**
   * Sees each input block, in order, before it goes to a worker: hashing the input here costs one call
   * per 1 MiB instead of one per write (tar writes come as 512-byte headers and small files).
   */
  readonly onBlock?: (input: Uint8Array) => void;
}

/**
 * One gzip stream through a shared pool: `write` copies bytes into the current block, full blocks go to
 * the pool, and members reach `output` strictly in block order. At most `maxInFlight` blocks are queued or
 * compressing or waiting for their turn, so memory stays flat whatever the stream length. A member handed to
 * `output` is lent: its bytes are reused once the promise `output` returns has settled (or at once if it
 * returns nothing), so copy what must outlive that.
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

  private readonly onBlock: ((input: Uint8Array) => void) | undefined;

  constructor(
    private readonly pool: GzipWorkerPool,
    private readonly level: number,
    private readonly output: (member: Buffer) => Promise<void> | void,
    options: ParallelGzipOptions = {},
  ) {
    if (!Number.isInteger(level) || level < 0 || level > 9) throw new RangeError(`gzip level must be 0..9, got ${level}`);
    this.maxInFlight = options.maxInFlight ?? pool.size * 2 + 2;
    this.onBlock = options.onBlock;
    this.block = new Uint8Array(pool.takeInput());
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
    this.onBlock?.(this.block.subarray(0, this.filled));
    const job = this.pool.compress(this.block.buffer as ArrayBuffer, this.filled, this.level);
    job.catch(() => undefined); // reported in order by drain(), not as an unhandled rejection
    this.inFlight.push(job);
    this.block = new Uint8Array(this.pool.takeInput());
    this.filled = 0;
    this.draining ??= this.drain();
  }

  private async drain(): Promise<void> {
    try {
      while (this.inFlight.length > 0) {
        const member = await (this.inFlight[0] as Promise<Buffer>);
        await this.output(member);
        this.outputBytes += member.length;
        this.pool.recycle(member);
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
