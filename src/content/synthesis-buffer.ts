import { constants } from 'node:buffer';
import { ShipbenchError } from '../core/errors.ts';
import { formatBytes } from '../core/units.ts';
import type { FileEntry } from './file-entry.ts';

/**
 * A file's content is synthesised whole, into one buffer: the largest file shipbench can build is the
 * largest Buffer Node allows (4 GiB on Node 20), and only while memory holds it.
 */
export const MAX_SYNTHESISED_FILE_BYTES = constants.MAX_LENGTH;

/**
 * A buffer for one big file's bytes, reusing `reusable` when it is large enough. A file above `maxBytes`
 * (or one memory cannot hold) is refused with a ShipbenchError that names it, not a RangeError.
 */
export function synthesisBuffer(entry: FileEntry, reusable: Buffer | undefined, maxBytes = MAX_SYNTHESISED_FILE_BYTES): Buffer {
  const fix = 'give that component more files (its size is spread over them) or a smaller size';
  if (entry.bytes > maxBytes) {
    throw new ShipbenchError('file-too-large', `${entry.path} (component ${entry.component}) would be ${formatBytes(entry.bytes)}: shipbench builds each file in memory, so at most ${formatBytes(maxBytes)} per file`, { hint: fix });
  }
  if (reusable !== undefined && reusable.length >= entry.bytes) return reusable;
  try {
    return Buffer.allocUnsafe(entry.bytes);
  } catch (error) {
    throw new ShipbenchError('file-too-large', `${entry.path} (component ${entry.component}) is ${formatBytes(entry.bytes)}, more than this machine's memory can hold at once to build it`, { hint: fix, cause: error });
  }
}
