import type { Rng } from '../core/rng.ts';
import type { ContentKind } from '../scenario/content-kind.ts';
import { isDataSetMember } from './file-names.ts';
import { STYLE_TYPES } from './file-size-distribution.ts';

/**
 * Which file gets which of a component's drawn sizes. For most kinds any file may be any size; for i18n and
 * data JSON the directory decides: a module's i18n folder holds its message count times each language's share
 * (core's languages/i18n is 66% of Debian's i18n bytes, 513 files averaging 160 KB; a small extension's folder
 * holds 1 KB files), and a data set's siblings are alike in size while a lone manifest is small. So the big
 * files sit together and share their keys or records with their neighbours, as in a real tree.
 *
 * For CSS/LESS/SVG the file type decides (file-size-distribution.ts, STYLE_TYPES): Debian's MediaWiki has 2,200
 * SVG icons averaging 460 bytes, 402 LESS files averaging 1.6 KB and 360 stylesheets averaging 11 KB (built
 * themes such as OOUI's), so the big files of the kind are stylesheets, which compress far better than icons.
 *
 * The size law is kept exactly: files are ranked by a weight (directory weight times the file's own, with
 * noise) and take the drawn sizes in that order.
 */
const DIRECTORY_SIGMA = 1.5;
/** A data set's member (a siteinfo dump, ~300 KB) against a lone manifest (~1 KB): ranked above every manifest. */
const DATA_SET_WEIGHT = 1e6;
const FILE_SIGMA = 0.4;

function directoryOf(name: string): string {
  return name.slice(0, Math.max(0, name.lastIndexOf('/')));
}

/** A file's own weight within its directory: en and qqq have every message, other languages a share. */
function ownWeight(kind: ContentKind, name: string, rng: Rng): number {
  const file = name.slice(name.lastIndexOf('/') + 1);
  if (kind === 'css') {
    // A draw from the type's own size law (the kind's sizes are the mixture of these): ranks follow the type.
    const type = STYLE_TYPES[file.slice(file.lastIndexOf('.') + 1) as keyof typeof STYLE_TYPES] ?? STYLE_TYPES.svg;
    const z = rng.normal();
    return type.median * Math.exp(z * (z < 0 ? type.left : type.right));
  }
  if (kind === 'data') return isDataSetMember(name) ? DATA_SET_WEIGHT : 1;
  if (kind !== 'json') return 1;
  return file === 'en.json' || file === 'qqq.json' ? 1 : 0.15 + 0.85 * rng.next();
}

/** The first index of `sorted` whose value is not below `value`. */
function lowerBound(sorted: Float64Array, value: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((sorted[mid] as number) < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export function coupleSizesToDirectories(rng: Rng, kind: ContentKind, names: readonly string[], sizes: readonly number[]): readonly number[] {
  if (kind !== 'json' && kind !== 'data' && kind !== 'css') return sizes;
  const directoryWeight = new Map<string, number>();
  const weights = new Float64Array(names.length);
  for (let i = 0; i < names.length; i++) {
    const name = names[i] as string;
    const dir = directoryOf(name);
    let w = directoryWeight.get(dir);
    if (w === undefined) directoryWeight.set(dir, (w = kind === 'css' ? 1 : Math.exp(DIRECTORY_SIGMA * rng.normal())));
    weights[i] = w * ownWeight(kind, name, rng) * Math.exp(FILE_SIGMA * rng.normal());
  }
  // Each file takes the size of its weight's rank (ties: the lower index first, as a stable sort of the files
  // by weight ranks them). Ranked by binary search in the weights sorted natively: a sort of 70,000 indices
  // with a comparator cost several times more.
  const ascendingWeights = weights.slice().sort();
  const taken = new Int32Array(weights.length);
  // A typed array sorts numbers natively, without a comparator call per comparison.
  const ascending = Float64Array.from(sizes).sort();
  const out = new Array<number>(sizes.length);
  for (let file = 0; file < weights.length; file++) {
    const first = lowerBound(ascendingWeights, weights[file] as number);
    const rank = first + (taken[first] as number);
    taken[first] = (taken[first] as number) + 1;
    // Math.round of a whole number is that number, as a small integer (a Smi) where a typed array's element is a
    // boxed double: entries then hold sizes unboxed (file-size-distribution.ts drawFileSizes says why).
    out[file] = Math.round(ascending[rank] as number);
  }
  return out;
}
