import { stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { writeFileAtomic } from './atomic-file.ts';
import { ShipbenchError } from './errors.ts';

/**
 * A file the user named for output (`check --json FILE`), checked before any work starts (ARCHITECTURE.md
 * rule 4) so that minutes of reading do not end in an internal error: the path must not be a directory or
 * another non-regular file, and its parent must be an existing directory.
 */
export async function checkOutputFile(path: string, option: string): Promise<void> {
  if (path === '') throw new ShipbenchError('output-file-invalid', `${option} needs a file name`, { hint: `e.g. ${option} out.json` });
  const existing = await stat(path).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT' || error.code === 'ENOTDIR') return undefined; // the parent check below says why
    throw unwritable(path, option, error);
  });
  if (existing !== undefined && !existing.isFile()) {
    throw new ShipbenchError('output-file-invalid', `${option} ${path} is ${existing.isDirectory() ? 'a directory' : 'not a regular file'}`, {
      hint: existing.isDirectory() ? `name a file, e.g. one inside it: ${option} ${join(path, 'check.out')}` : 'name a regular file to write',
    });
  }
  const parent = dirname(path);
  const parentInfo = await stat(parent).catch((error: NodeJS.ErrnoException) => {
    throw unwritable(path, option, error);
  });
  if (!parentInfo.isDirectory()) {
    throw new ShipbenchError('output-file-invalid', `${option} ${path}: ${parent} is a file, not a directory`, { hint: 'name a file in an existing directory' });
  }
}

/** Writes a file the user named for output; a failure says which option and why, exit 2. */
export async function writeOutputFile(path: string, content: string, option: string): Promise<void> {
  try {
    await writeFileAtomic(path, content);
  } catch (error) {
    throw unwritable(path, option, error as NodeJS.ErrnoException);
  }
}

function unwritable(path: string, option: string, error: NodeJS.ErrnoException): ShipbenchError {
  const why = error.code === 'ENOTDIR' ? 'a part of its path is a file, not a directory' : error.code === 'ENOENT' ? 'its directory does not exist' : (error.code ?? error.message);
  return new ShipbenchError('output-file-unwritable', `${option} ${path}: cannot write there (${why})`, {
    hint: error.code === 'ENOENT' ? 'create the directory first, or name a file in an existing one' : 'name a file you can write, in an existing directory',
    cause: error,
  });
}
