import { lstat, mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { packageRoot } from './package-root.ts';
import { ShipbenchError } from './errors.ts';
import { prepareOutputDir } from './output-dir.ts';

/**
 * The output-directory contract (ARCHITECTURE.md rule 12): shipbench writes only under the directory it is
 * given, marks the directories it creates with this small file, and deletes only directories that carry
 * it. A user's directory that happens to share a name with something shipbench writes (a strategy `src`
 * with `--out .`) is refused, never emptied.
 */
export const OUTPUT_MARKER = '.shipbench-out';

export interface OutputMarker {
  readonly tool: 'shipbench';
  readonly version: string;
  readonly command: string;
  readonly createdAt: string;
}

/** Who writes: the command (for the marker) and whether the user said `--force`. */
export interface OutputOwner {
  readonly command: string;
  readonly force: boolean;
}

let versionText: string | undefined;

async function shipbenchVersion(): Promise<string> {
  if (versionText === undefined) {
    try {
      const pkg = JSON.parse(await readFile(join(packageRoot(), 'package.json'), 'utf8')) as { version?: unknown };
      versionText = typeof pkg.version === 'string' ? pkg.version : 'unknown';
    } catch {
      versionText = 'unknown';
    }
  }
  return versionText;
}

/** Does `dir` hold shipbench's marker (a regular file naming shipbench)? */
export async function hasOutputMarker(dir: string): Promise<boolean> {
  const path = join(dir, OUTPUT_MARKER);
  const info = await lstat(path).catch(() => undefined);
  if (info?.isFile() !== true || info.size > 64 * 1024) return false;
  try {
    return (JSON.parse(await readFile(path, 'utf8')) as { tool?: unknown }).tool === 'shipbench';
  } catch {
    return false;
  }
}

/** Writes the marker into `dir` (which exists): from now on shipbench may replace what it writes there. */
export async function writeOutputMarker(dir: string, command: string): Promise<void> {
  const marker: OutputMarker = { tool: 'shipbench', version: await shipbenchVersion(), command, createdAt: new Date().toISOString() };
  await writeFile(join(dir, OUTPUT_MARKER), `${JSON.stringify(marker)}\n`);
}

type DirState = 'missing' | 'empty' | 'marked' | 'foreign' | 'not-a-directory';

/** `followLinks` for a directory the user named (--out may be a symlink), never for an entry to replace. */
async function dirState(dir: string, followLinks = false): Promise<DirState> {
  const info = await (followLinks ? stat(dir) : lstat(dir)).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined;
    throw error;
  });
  if (info === undefined) return 'missing';
  if (!info.isDirectory()) return 'not-a-directory';
  if (await hasOutputMarker(dir)) return 'marked';
  return (await readdir(dir)).length === 0 ? 'empty' : 'foreign';
}

export interface OutputClaim {
  readonly dir: string;
  /** Marked as shipbench's (created or found so); false for a user's directory written into with --force. */
  readonly owned: boolean;
}

/**
 * Claims an output directory before any work: a new or empty one is created and marked, a marked one is
 * used again, and a non-empty one without the marker is refused (exit 2) unless `--force`, which writes
 * shipbench's own entries into it without marking or emptying it.
 */
export async function claimOutputDir(dir: string, owner: OutputOwner): Promise<OutputClaim> {
  const state = await dirState(dir, true);
  if (state === 'not-a-directory') {
    throw new ShipbenchError('output-not-a-directory', `${dir} exists and is not a directory`, { hint: 'choose another --out directory' });
  }
  if (state === 'foreign' && !owner.force) {
    throw new ShipbenchError('output-not-ours', `${dir} is not empty and was not created by shipbench (it has no ${OUTPUT_MARKER} file)`, {
      hint: `choose a new or empty --out directory, or pass --force to write shipbench's own files into it (nothing else there is touched or removed)`,
    });
  }
  // Writable (a clear EROFS/EACCES refusal otherwise); creates it when missing.
  await prepareOutputDir(dir, 0, 'the output');
  if (state === 'foreign') return { dir, owned: false };
  if (state !== 'marked') await writeOutputMarker(dir, owner.command);
  return { dir, owned: true };
}

/**
 * Checks, before any work, a file the user named for a report (`check --markdown FILE`, `schema --out
 * FILE`): its directory exists and it is not a directory or device. An existing regular file is replaced,
 * since the user named it.
 */
export async function assertOutputFile(path: string, option: string): Promise<void> {
  const info = await lstat(path).catch(() => undefined);
  if (info !== undefined && !info.isFile()) {
    throw new ShipbenchError('output-not-a-file', `${option} ${path} is ${info.isDirectory() ? 'a directory' : 'not a regular file'}`, {
      hint: info.isDirectory() ? `name a file, e.g. one inside it: ${option} ${join(path, 'FILE')}` : `name a regular file for ${option}`,
    });
  }
  const parent = await stat(dirname(path)).catch(() => undefined);
  if (parent?.isDirectory() !== true) {
    throw new ShipbenchError('output-dir-missing', `${option} ${path}: its directory ${dirname(path)} does not exist`, { hint: 'create the directory first, or name a file in an existing one' });
  }
}

/**
 * Refuses, before any work, an entry shipbench would replace (a strategy's layout, a step's tree) that
 * exists and is not shipbench's: `isOwn` may accept other proof than the marker (files of an older release).
 * `--force` does not lift this: shipbench never removes a directory it did not create.
 */
export async function assertReplaceable(path: string, what: string, isOwn: (path: string) => Promise<boolean> = hasOutputMarker): Promise<void> {
  const state = await dirState(path);
  if (state === 'missing' || state === 'empty' || state === 'marked') return;
  if (state === 'foreign' && (await isOwn(path))) return;
  throw new ShipbenchError('output-entry-not-ours', `${path} already exists and was not written by shipbench, so it is left alone (shipbench would write ${what} there)`, {
    hint: 'choose another --out directory, or rename or move that entry yourself',
  });
}

/**
 * Makes `dir` an empty, marked directory shipbench may fill: removed first only when it is shipbench's
 * (checked again here, so no caller can skip `assertReplaceable`).
 */
export async function replaceOwnDir(dir: string, what: string, command: string, isOwn?: (path: string) => Promise<boolean>): Promise<void> {
  await assertReplaceable(dir, what, isOwn);
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  await writeOutputMarker(dir, command);
}
