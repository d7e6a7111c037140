import { createHash } from 'node:crypto';
import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
import { ShipbenchError } from '../../core/errors.ts';

/**
 * The bytes of real files, by content key. A key names the content, not the place (`real:sha256:<hex>` for a
 * file of a directory, `real:git-blob:<oid>` for a blob git handed out), so equal keys are equal bytes and
 * layer keys stay content addresses. Every read is hashed against its key: a file that changed after it was
 * listed fails the build with a clear error instead of shipping bytes no key vouches for.
 */
export const REAL_KEY_PREFIX = 'real:';

export class RealContent {
  private readonly paths = new Map<string, string>();

  static fileKey(sha256Hex: string): string {
    return `${REAL_KEY_PREFIX}sha256:${sha256Hex}`;
  }

  static gitBlobKey(oid: string): string {
    return `${REAL_KEY_PREFIX}git-blob:${oid}`;
  }

  /** Where a key's bytes are read from (the user's file, or a blob git wrote into shipbench's cache). */
  add(key: string, path: string): void {
    if (!this.paths.has(key)) this.paths.set(key, path);
  }

  /** Writes a real key's bytes into target; false for any other key (synthetic content). */
  fill(key: string, bytes: number, target: Buffer): boolean {
    if (!key.startsWith(REAL_KEY_PREFIX)) return false;
    const path = this.paths.get(key);
    if (path === undefined) throw new Error(`no source file holds ${key}`);
    // O_NOFOLLOW and O_NONBLOCK: a file swapped for a symlink or a FIFO since it was listed is refused, not followed or waited on.
    const fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
    try {
      if (!fstatSync(fd).isFile()) throw changed(path, 'is no longer a regular file');
      let done = 0;
      for (let n = 1; done < bytes && n > 0; done += n) n = readSync(fd, target, done, bytes - done, done);
      if (done !== bytes || readSync(fd, Buffer.alloc(1), 0, 1, bytes) !== 0) throw changed(path, `no longer holds ${bytes} bytes`);
    } finally {
      closeSync(fd);
    }
    if (keyOf(key, target.subarray(0, bytes)) !== key) throw changed(path, 'does not hold the bytes it held when it was listed');
    return true;
  }
}

function keyOf(key: string, bytes: Buffer): string {
  if (key.startsWith(`${REAL_KEY_PREFIX}sha256:`)) return RealContent.fileKey(createHash('sha256').update(bytes).digest('hex'));
  const oid = key.slice(`${REAL_KEY_PREFIX}git-blob:`.length);
  const hash = createHash(oid.length === 64 ? 'sha256' : 'sha1');
  return RealContent.gitBlobKey(hash.update(`blob ${bytes.length}\0`).update(bytes).digest('hex'));
}

function changed(path: string, what: string): ShipbenchError {
  return new ShipbenchError('content-source-changed', `${path} ${what}: the source changed while shipbench read it`, {
    hint: 'run again on a tree nobody writes to meanwhile (a copy, or a git ref)',
  });
}
