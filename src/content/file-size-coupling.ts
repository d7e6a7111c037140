import type { Rng } from '../core/rng.ts';
import type { ContentKind } from '../scenario/content-kind.ts';

/**
 * Which file gets which of a component's drawn sizes. For most kinds any file may be any size; for i18n and
 * data JSON the directory decides: a module's i18n folder holds its message count times each language's share
 * (core's languages/i18n is 66% of Debian's i18n bytes, 513 files averaging 160 KB; a small extension's folder
 * holds 1 KB files), and a data set's siblings are alike in size while a lone manifest is small. So the big
 * files sit together and share their keys or records with their neighbours, as in a real tree.
 *
 * The size law is kept exactly: files are ranked by a weight (directory weight times the file's own, with
 * noise) and take the drawn sizes in that order.
 */
const DIRECTORY_SIGMA = 1.5;
const FILE_SIGMA = 0.4;

function directoryOf(name: string): string {
  return name.slice(0, Math.max(0, name.lastIndexOf('/')));
}

/** A file's own weight within its directory: en and qqq have every message, other languages a share. */
function ownWeight(kind: ContentKind, name: string, rng: Rng): number {
  if (kind !== 'json') return 1;
  const file = name.slice(name.lastIndexOf('/') + 1);
  return file === 'en.json' || file === 'qqq.json' ? 1 : 0.15 + 0.85 * rng.next();
}

export function coupleSizesToDirectories(rng: Rng, kind: ContentKind, names: readonly string[], sizes: readonly number[]): number[] {
  if (kind !== 'json' && kind !== 'data') return [...sizes];
  const directoryWeight = new Map<string, number>();
  const weights = names.map((name) => {
    const dir = directoryOf(name);
    let w = directoryWeight.get(dir);
    if (w === undefined) directoryWeight.set(dir, (w = Math.exp(DIRECTORY_SIGMA * rng.normal())));
    return w * ownWeight(kind, name, rng) * Math.exp(FILE_SIGMA * rng.normal());
  });
  const byWeight = names.map((_, i) => i).sort((a, b) => (weights[a] as number) - (weights[b] as number) || a - b);
  const ascending = [...sizes].sort((a, b) => a - b);
  const out = new Array<number>(sizes.length);
  byWeight.forEach((file, rank) => (out[file] = ascending[rank] as number));
  return out;
}
