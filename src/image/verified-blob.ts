import { constants } from 'node:fs';
import { type FileHandle, open, stat } from 'node:fs/promises';
import { ShipbenchError } from '../core/errors.ts';
import { createStreamHash } from '../core/stream-hash.ts';

/**
 * Blobs are trusted only once their bytes hash to the digest that names them, as pulls are: hashed while
 * they are read (no second pass), and refused before reading when they are not a regular file (a FIFO
 * blocks its reader forever, a device never ends).
 */

/** What a descriptor says a blob is. */
export interface BlobExpectation {
  readonly digest: string;
  readonly size: number;
}

const READ_CHUNK_BYTES = 2 ** 20;
const CORRUPT_HINT = 'the blob was changed after it was written (corrupt, or tampered with): regenerate the layout or copy the image again';

/**
 * Opens `path` for reading only if it is a regular file. Checked twice: by path before opening (a device is
 * never opened), and on the open descriptor (opened non-blocking, so a FIFO swapped in meanwhile cannot
 * block the open), so what is read is what was checked.
 */
export async function openRegularFile(path: string, what: string): Promise<FileHandle> {
  const info = await stat(path).catch((error: NodeJS.ErrnoException) => {
    throw new ShipbenchError('blob-missing', `${what} (${path}) ${error.code === 'ENOENT' ? 'is missing' : `cannot be read (${error.code ?? error.message})`}`, {
      hint: 'the layout is incomplete: regenerate it or copy the image again',
      cause: error,
    });
  });
  if (!info.isFile()) throw notRegular(path, what, info);
  const handle = await open(path, constants.O_RDONLY | constants.O_NONBLOCK);
  const opened = await handle.stat();
  if (!opened.isFile()) {
    await handle.close();
    throw notRegular(path, what, opened);
  }
  return handle;
}

function notRegular(path: string, what: string, info: { isDirectory(): boolean; isFIFO(): boolean; isCharacterDevice(): boolean; isBlockDevice(): boolean; isSocket(): boolean }): ShipbenchError {
  const kind = info.isDirectory() ? 'a directory' : info.isFIFO() ? 'a FIFO' : info.isCharacterDevice() || info.isBlockDevice() ? 'a device' : info.isSocket() ? 'a socket' : 'not a regular file';
  return new ShipbenchError('blob-not-regular', `${what} (${path}) is ${kind}, not a regular file: refused without reading it`, {
    hint: 'an image layout holds its blobs as regular files: regenerate the layout or copy the image again',
  });
}

/**
 * A blob's bytes, streamed from its file and hashed on the way; the digest is compared when the last byte
 * has been read, and reading stops as soon as the file holds more bytes than expected. A consumer that
 * stops early leaves it unchecked: call `verify()` after it (it reads the rest only if needed).
 */
export class VerifiedBlob implements AsyncIterable<Buffer> {
  private verified = false;

  constructor(
    readonly path: string,
    readonly expected: BlobExpectation,
    /** Names the blob in messages, e.g. `layer sha256:ab… of reports/x/images/monolithic`. */
    readonly what: string,
  ) {}

  async *[Symbol.asyncIterator](): AsyncGenerator<Buffer> {
    const handle = await openRegularFile(this.path, this.what);
    const hash = createStreamHash('sha256', this.expected.size);
    let bytes = 0;
    try {
      for await (const chunk of handle.createReadStream({ highWaterMark: READ_CHUNK_BYTES, autoClose: false })) {
        const buffer = chunk as Buffer;
        bytes += buffer.length;
        if (bytes > this.expected.size) throw this.mismatch(`holds more than the ${this.expected.size} bytes its descriptor says`);
        const waiting = hash.update(buffer);
        if (waiting !== undefined) await waiting;
        yield buffer;
      }
      if (bytes !== this.expected.size) throw this.mismatch(`holds ${bytes} bytes, its descriptor says ${this.expected.size}`);
      const actual = `sha256:${await hash.digest()}`;
      if (actual !== this.expected.digest) throw this.mismatch(`hashes to ${actual}`);
      this.verified = true;
    } finally {
      hash.abort();
      await handle.close();
    }
  }

  /** Throws unless the whole blob has been read and matched its digest; reads it whole if it was not. */
  async verify(): Promise<void> {
    if (this.verified) return;
    for await (const _ of this);
  }

  private mismatch(why: string): ShipbenchError {
    return new ShipbenchError('blob-digest-mismatch', `${this.what} does not match its digest: expected ${this.expected.digest} (${this.expected.size} bytes), but the blob ${this.path} ${why}`, {
      hint: CORRUPT_HINT,
    });
  }
}

/** A small blob (a manifest, a config) read whole, verified, and refused above `maxBytes` before reading. */
export async function readVerifiedBlob(path: string, expected: BlobExpectation, what: string, maxBytes: number): Promise<Buffer> {
  if (expected.size > maxBytes) {
    throw new ShipbenchError('blob-too-large', `${what} is ${expected.size} bytes by its descriptor; at most ${maxBytes} are read for it`, { hint: CORRUPT_HINT });
  }
  const parts: Buffer[] = [];
  for await (const chunk of new VerifiedBlob(path, expected, what)) parts.push(chunk);
  return Buffer.concat(parts);
}

/** A small regular file that is not a blob (index.json, oci-layout), refused if it is not a regular file or above `maxBytes`. */
export async function readRegularFile(path: string, what: string, maxBytes: number): Promise<Buffer> {
  const handle = await openRegularFile(path, what);
  try {
    const { size } = await handle.stat();
    if (size > maxBytes) throw new ShipbenchError('file-too-large', `${what} (${path}) is ${size} bytes; at most ${maxBytes} are read for it`, { hint: 'point at an OCI image layout' });
    return await handle.readFile();
  } finally {
    await handle.close();
  }
}
