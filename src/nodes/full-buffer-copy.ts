/**
 * Hands a stream's bytes on in full buffers of one size, each write awaited before more is taken in: what
 * containerd 1.6's content.Copy does (content/helpers.go copyWithBuffer: io.ReadAtLeast fills a pooled 1 MiB
 * buffer, then one Write), and what makes ctr's pull wait on the daemon, since each Write of its content
 * writer is one synchronous WriteContentRequest (content/proxy/content_writer.go) that the daemon digests and
 * writes to the ingest file before it answers. The buffer is reused: `write` must be done with it when its
 * promise resolves.
 */
export class FullBufferCopy {
  private readonly buffer: Buffer;
  private used = 0;

  constructor(
    bytes: number,
    private readonly write: (full: Buffer) => Promise<void>,
  ) {
    if (!(bytes > 0)) throw new RangeError(`a copy buffer needs a size above zero, got ${bytes}`);
    this.buffer = Buffer.allocUnsafe(bytes);
  }

  /** Takes `chunk` in, writing (and waiting for) every buffer it fills. */
  async push(chunk: Uint8Array): Promise<void> {
    for (let at = 0; at < chunk.length; ) {
      const n = Math.min(chunk.length - at, this.buffer.length - this.used);
      this.buffer.set(chunk.subarray(at, at + n), this.used);
      this.used += n;
      at += n;
      if (this.used === this.buffer.length) await this.flush();
    }
  }

  /** The stream ended: writes what is left (a short last buffer, as ReadAtLeast returns at EOF). */
  async end(): Promise<void> {
    if (this.used > 0) await this.flush();
  }

  private async flush(): Promise<void> {
    const full = this.buffer.subarray(0, this.used);
    this.used = 0;
    await this.write(full);
  }
}
