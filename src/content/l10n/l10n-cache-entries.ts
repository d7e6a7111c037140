import { changedEntry, type FileEntry } from '../file-entry.ts';
import { cdbBytesForUpstream } from './upstream-json.ts';

/**
 * The l10n cache in the tree, as scap keeps it: `<cache dir>/l10n_cache-<lang>.cdb` beside its source,
 * `<cache dir>/upstream/l10n_cache-<lang>.cdb.json`. The JSON entries are the ones drawn and revised; each
 * CDB entry is derived from its JSON (content key `<JSON key>#<JSON bytes>`), so a CDB built from the JSON on a
 * node and the one the content model writes into an image are the same bytes.
 */

export const UPSTREAM_DIR = 'upstream';
const UPSTREAM_PATH = /^(.*)\/upstream\/([^/]+\.cdb)\.json$/;
/** Every upstream path ends so: tested first, as the regex backtracks through every path of a 300,000-file tree. */
const UPSTREAM_SUFFIX = '.cdb.json';

/** `upstream/l10n_cache-de.cdb.json` beside the component's CDB names. */
export function upstreamName(cdbName: string): string {
  return `${UPSTREAM_DIR}/${cdbName}.json`;
}

export function isUpstreamJson(entry: Pick<FileEntry, 'kind' | 'path'>): boolean {
  return entry.kind === 'json' && entry.path.endsWith(UPSTREAM_SUFFIX) && UPSTREAM_PATH.test(entry.path);
}

/** The CDB path an upstream JSON path builds; undefined for any other path. */
export function cdbPathOf(upstreamPath: string): string | undefined {
  if (!upstreamPath.endsWith(UPSTREAM_SUFFIX)) return undefined;
  const match = UPSTREAM_PATH.exec(upstreamPath);
  return match === null ? undefined : `${match[1] as string}/${match[2] as string}`;
}

/** `de` of `.../l10n_cache-de.cdb` or `.../upstream/l10n_cache-de.cdb.json`. */
export function l10nLanguageCode(path: string): string {
  const name = path.slice(path.lastIndexOf('/') + 1).replace(/\.json$/, '').replace(/\.cdb$/, '');
  return name.startsWith('l10n_cache-') ? name.slice('l10n_cache-'.length) : name;
}

/** The CDB built from an upstream JSON entry. */
export function cdbEntryFor(json: FileEntry, cdbPath: string): FileEntry {
  return changedEntry(json, { path: cdbPath, kind: 'cdb', bytes: cdbBytesForUpstream(json.bytes), contentKey: [json.contentKey, '#', json.bytes].join('') });
}

/** The identity of the JSON a derived CDB entry was built from; undefined for any other entry. */
export function upstreamOfCdb(entry: Pick<FileEntry, 'kind' | 'contentKey' | 'mode'>): { kind: 'json'; contentKey: string; bytes: number; mode: number } | undefined {
  if (entry.kind !== 'cdb') return undefined;
  const hash = entry.contentKey.lastIndexOf('#');
  if (hash < 0) return undefined;
  const bytes = Number(entry.contentKey.slice(hash + 1));
  if (!Number.isSafeInteger(bytes) || bytes < 0) throw new RangeError(`malformed l10n cache key ${entry.contentKey}`);
  return { kind: 'json', contentKey: entry.contentKey.slice(0, hash), bytes, mode: entry.mode };
}

/**
 * Every CDB entry of `files` derived from its upstream JSON as the files hold it: after JSON entries were
 * drawn, moved or revised. Entries already in step keep their identity (consecutive trees share them). In
 * place: each caller passes a list it has just made (a merge or a map of a tree), so a copy of its 300,000
 * entries would only be thrown away.
 */
export function deriveCdbsInPlace(files: FileEntry[]): void {
  // One pass finds the JSON and the CDB entries (a few hundred of 300,000); only the CDB slots are rewritten.
  const jsonByCdbPath = new Map<string, FileEntry>();
  const cdbSlots: number[] = [];
  for (let i = 0; i < files.length; i++) {
    const f = files[i] as FileEntry;
    if (f.kind === 'cdb') cdbSlots.push(i);
    const cdbPath = f.kind === 'json' ? cdbPathOf(f.path) : undefined;
    if (cdbPath !== undefined) jsonByCdbPath.set(cdbPath, f);
  }
  for (const i of cdbSlots) {
    const f = files[i] as FileEntry;
    const json = jsonByCdbPath.get(f.path);
    if (json === undefined) continue;
    const derived = cdbEntryFor(json, f.path);
    if (derived.contentKey !== f.contentKey || derived.bytes !== f.bytes) files[i] = derived;
  }
}
