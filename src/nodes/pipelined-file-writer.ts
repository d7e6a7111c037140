import type { FileHandle } from 'node:fs/promises';

/** Most buffers one writev takes (Linux's IOV_MAX). */
const MAX_IOVECS = 1024;

/**
 * Appends chunks to a file without making the caller wait for each write: chunks queue up and go out in
 * one `writev` at a time (on libuv's thread pool) while the caller goes on receiving. The caller waits only
 * when `maxBufferedBytes` are queued or being written, so memory stays bounded. Awaiting every small write
 * instead puts a thread-pool round trip between two socket reads, and a pull then alternates between
 * receiving and writing rather than doing both at once.
 *
 * Chunks are kept by reference until written: the caller must not reuse their memory (socket slabs and
 * fresh Buffers are fine).
 */
export class PipelinedFileWriter {
  private queue: Uint8Array[] = [];
  private queuedBytes = 0;
  private writingBytes = 0;
  private writing: Promise<void> | undefined;
  private failure: Error | undefined;
  private waiters: Array<() => void> = [];
  bytesWritten = 0;

  constructor(
    private readonly handle: FileHandle,
    private readonly maxBufferedBytes = 8 * 2 ** 20,
  ) {}

  /** Queues `chunk`; returns a promise only when the caller should wait for room. */
  write(chunk: Uint8Array): void | Promise<void> {
    if (this.failure !== undefined) throw this.failure;
    if (chunk.length === 0) return;
    this.queue.push(chunk);
    this.queuedBytes += chunk.length;
    this.pump();
    if (this.queuedBytes + this.writingBytes >= this.maxBufferedBytes) return this.roomBelow(this.maxBufferedBytes / 2);
  }

  /** Resolves once every queued chunk is in the file; rejects with the first write error. */
  async flush(): Promise<void> {
    while (this.writing !== undefined) await this.writing;
    if (this.failure !== undefined) throw this.failure;
  }

  private pump(): void {
    if (this.writing !== undefined || this.queue.length === 0 || this.failure !== undefined) return;
    const batch = this.queue.splice(0, MAX_IOVECS);
    const bytes = batch.reduce((n, b) => n + b.length, 0);
    this.queuedBytes -= bytes;
    this.writingBytes = bytes;
    this.writing = this.writeAll(batch).then(
      () => {
        this.bytesWritten += bytes;
        this.writingBytes = 0;
        this.writing = undefined;
        this.wake();
        this.pump();
      },
      (error: unknown) => {
        this.failure = error instanceof Error ? error : new Error(String(error));
        this.writingBytes = 0;
        this.writing = undefined;
        this.wake();
      },
    );
  }

  private async writeAll(buffers: Uint8Array[]): Promise<void> {
    let rest = buffers;
    while (rest.length > 0) {
      let { bytesWritten } = await this.handle.writev(rest);
      // A short write (rare for files, but allowed): drop what went out and write the rest.
      const left: Uint8Array[] = [];
      for (const buffer of rest) {
        if (bytesWritten >= buffer.length) bytesWritten -= buffer.length;
        else {
          left.push(bytesWritten === 0 ? buffer : buffer.subarray(bytesWritten));
          bytesWritten = 0;
        }
      }
      rest = left;
    }
  }

  private async roomBelow(limit: number): Promise<void> {
    while (this.failure === undefined && this.queuedBytes + this.writingBytes > limit) {
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
    if (this.failure !== undefined) throw this.failure;
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }
}
