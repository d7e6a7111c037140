/* eslint-disable max-lines -- the worker pool and the block-parallel gzip stream are one mechanism (blocks out to workers, gzip members back in order); the protocol between them reads in one place */
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { ShipbenchError } from '../core/errors.ts';
import type { GzipEngine } from '../scenario/resolved.ts';

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

/**
 * Buffers kept for reuse per kind (inputs, outputs): a little more than one stream's blocks in flight (6 with
 * two workers). With 16, spares piled up once libdeflate kept pace, and peak RSS rose by about 40 MiB.
 */
const MAX_SPARE_BUFFERS = 8;

// Plain JS for `new Worker(..., { eval: true })`: tsx's loader does not reach worker threads on Node 20.
// Each worker writes whole gzip members (header, deflate data, crc32 and length trailer) into an output
// buffer that the main thread hands back once written: nothing is allocated per block, so workers make no
// garbage (with gzipSync each piled up about 65 MB of it between collections).
// - libdeflate (Debian's libdeflate0, called through koffi): one compressor per level, which writes the
//   whole member itself. A whole-buffer compressor with no streaming state, it is faster than zlib: at
//   level 1 on this content about 1.8x zlib's speed, and about 4% smaller.
// - zlib: node's own raw deflate handle per level (`_handle.writeSync`, what gzipSync calls underneath),
//   reset after every member; the bytes equal gzipSync's with the same level and memLevel, which a
//   self-check confirms at start-up (else it falls back to gzipSync should a node version differ).
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
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

function zlibMember(input, output, level) {
  const length = viaHandle ? handleMember(input, new Uint8Array(output), level) : -1;
  if (length >= 0) return { output, length };
  const z = zlib.gzipSync(input, { level, memLevel: MEM_LEVEL });
  if (z.length > output.byteLength) output = new ArrayBuffer(z.length);
  new Uint8Array(output).set(z);
  return { output, length: z.length };
}

let libdeflate;
function loadLibdeflate() {
  if (libdeflate !== undefined) return libdeflate;
  const koffi = require(workerData.koffiPath);
  const lib = koffi.load(workerData.libdeflatePath);
  const alloc = lib.func('void *libdeflate_alloc_compressor(int level)');
  const compressors = new Map();
  libdeflate = {
    compress: lib.func('size_t libdeflate_gzip_compress(void *c, const uint8_t *in, size_t n, uint8_t *out, size_t room)'),
    bound: lib.func('size_t libdeflate_gzip_compress_bound(void *c, size_t n)'),
    compressor(level) {
      let c = compressors.get(level);
      if (c === undefined) {
        c = alloc(level);
        if (c === null) throw new Error('libdeflate_alloc_compressor(' + level + ') failed');
        compressors.set(level, c);
      }
      return c;
    },
  };
  return libdeflate;
}

function libdeflateMember(input, output, level) {
  let api;
  try {
    api = loadLibdeflate();
  } catch (err) {
    throw Object.assign(new Error(String((err && err.message) || err)), { code: 'gzip-engine-unavailable' });
  }
  const c = api.compressor(level);
  let length = Number(api.compress(c, input, input.length, new Uint8Array(output), output.byteLength));
  if (length === 0) {
    // 0 means it did not fit: incompressible input beyond the room given; retry with libdeflate's bound.
    output = new ArrayBuffer(Number(api.bound(c, input.length)));
    length = Number(api.compress(c, input, input.length, new Uint8Array(output), output.byteLength));
  }
  return { output, length };
}

parentPort.on('message', (job) => {
  try {
    const input = new Uint8Array(job.input, 0, job.length);
    const room = job.output !== undefined && job.output.byteLength >= job.capacity ? job.output : new ArrayBuffer(job.capacity);
    const { output, length } = job.engine === 'libdeflate' ? libdeflateMember(input, room, job.level) : zlibMember(input, room, job.level);
    parentPort.postMessage({ id: job.id, input: job.input, output, length }, [job.input, output]);
  } catch (err) {
    const coded = err && err.code === 'gzip-engine-unavailable';
    parentPort.postMessage({ id: job.id, error: String((err && (coded ? err.message : err.stack)) || err), code: coded ? err.code : undefined });
  }
});
`;

interface Job {
  resolve(output: Buffer): void;
  reject(err: Error): void;
}

type Reply =
  | { id: number; input: ArrayBuffer; output: ArrayBuffer; length: number; error?: undefined }
  | { id: number; input?: undefined; output?: undefined; error: string; code?: string };

/** Which compressor and level make the members. */
export interface GzipSettings {
  readonly engine: GzipEngine;
  readonly level: number;
}

export interface GzipWorkerPoolOptions {
  /** The shared library koffi opens for the libdeflate engine; default Debian's soname. */
  readonly libdeflatePath?: string;
}

const FINGERPRINT_PROBE_BYTES = 256 * 1024;

function replyError(message: string, code: string | undefined, libdeflatePath: string): Error {
  if (code !== 'gzip-engine-unavailable') return new Error(`gzip worker failed: ${message}`);
  return new ShipbenchError('gzip-engine-unavailable', `the libdeflate gzip engine cannot be loaded from ${libdeflatePath}: ${message}`, {
    hint: 'install it with `apt-get install libdeflate0` (npm run setup does), or set `image.compression: { gzip: { engine: zlib } }` in the scenario',
  });
}

/**
 * Worker threads running libdeflate or zlib; one pool serves every layer of a run and must be closed at the end.
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

  private readonly workerData: { koffiPath: string; libdeflatePath: string };
  private readonly fingerprints = new Map<string, Promise<string>>();

  constructor(workers: number = availableParallelism(), options: GzipWorkerPoolOptions = {}) {
    if (!Number.isInteger(workers) || workers < 1) throw new RangeError(`gzip workers must be a positive integer, got ${workers}`);
    this.size = workers;
    // Resolved here: a worker evaluated from a string resolves modules from the working directory, not from us.
    this.workerData = { koffiPath: createRequire(import.meta.url).resolve('koffi'), libdeflatePath: options.libdeflatePath ?? 'libdeflate.so.0' };
    for (let i = 0; i < workers; i++) this.startWorker();
  }

  /**
   * Names the compressor by what it makes: engine, level and a hash of the member it writes for a fixed
   * probe. Equal fingerprints mean byte-identical blobs for equal tars; another libdeflate or zlib version
   * that compresses differently gets another fingerprint (so cached layers are not mixed across them).
   * Fails with a clear error when the engine cannot be loaded.
   */
  fingerprint(settings: GzipSettings): Promise<string> {
    const key = `${settings.engine}:${settings.level}`;
    let known = this.fingerprints.get(key);
    if (known === undefined) {
      const probe = new Uint8Array(this.takeInput());
      let x = 0x9e3779b9;
      for (let i = 0; i < FINGERPRINT_PROBE_BYTES; i++) {
        // Words from a small alphabet with some noise: exercises matches and literals like layer content.
        x = (x * 1103515245 + 12345) >>> 0;
        probe[i] = i % 7 === 6 ? 32 : 97 + ((x >>> 16) % (i % 3 === 0 ? 26 : 6));
      }
      known = this.compress(probe.buffer as ArrayBuffer, FINGERPRINT_PROBE_BYTES, settings).then((member) => {
        const hex = createHash('sha256').update(member).digest('hex').slice(0, 16);
        this.recycle(member);
        return `${settings.engine} level ${settings.level} #${hex}`;
      });
      this.fingerprints.set(key, known);
    }
    return known;
  }

  private startWorker(): void {
    // execArgv [] keeps the parent's `--import tsx` out of a worker that runs plain JS.
    const worker = new Worker(WORKER_SOURCE, { eval: true, execArgv: [], workerData: this.workerData });
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
  compress(input: ArrayBuffer, length: number, settings: GzipSettings): Promise<Buffer> {
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
      const { engine, level } = settings;
      if (output === undefined) worker.postMessage({ id, input, length, engine, level, capacity }, [input]);
      else worker.postMessage({ id, input, length, engine, level, capacity, output }, [input, output]);
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
    if (reply.error !== undefined) job.reject(replyError(reply.error, reply.code, this.workerData.libdeflatePath));
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
  private readonly onBlock: ((input: Uint8Array) => void) | undefined;
  inputBytes = 0;
  outputBytes = 0;

  constructor(
    private readonly pool: GzipWorkerPool,
    private readonly settings: GzipSettings,
    private readonly output: (member: Buffer) => Promise<void> | void,
    options: ParallelGzipOptions = {},
  ) {
    const { level } = settings;
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
    const job = this.pool.compress(this.block.buffer as ArrayBuffer, this.filled, this.settings);
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
