import { rename, rm, writeFile } from 'node:fs/promises';

/**
 * Replaces `path` with `content` atomically: written beside it under a temporary name, then renamed over it,
 * so a reader (or a crash, a full disk, a Ctrl-C) never sees half a results file or report. Every result and
 * report shipbench writes goes through here.
 */
let writes = 0;

export async function writeFileAtomic(path: string, content: string | Uint8Array, options: { mode?: number } = {}): Promise<void> {
  // One temporary name per write: two writes of one file at once must not rename each other's.
  const temp = `${path}.tmp-${process.pid}-${++writes}`;
  try {
    await writeFile(temp, content, options.mode === undefined ? {} : { mode: options.mode });
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true }).catch(() => undefined);
    throw error;
  }
}
