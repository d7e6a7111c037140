import type { Rng } from '../core/rng.ts';
import type { ContentKind } from '../scenario/content-kind.ts';
import { settleBytes } from './file-size-distribution.ts';

/**
 * Whole files that a real tree holds twice: the same library vendored in two places (VisualEditor's copy of
 * OOUI, oojs and jQuery next to core's resources/lib with their source maps, the same licence in every
 * package). Debian's MediaWiki: 1,327 groups of identical files, 2.75% of its bytes, by kind: data JSON 13.7%
 * (source maps), CSS/LESS/SVG 13.5%, JS 3.3%, i18n 0.3%, PHP none (composer vendors a library once). A copy is
 * identical at any distance, which is what zstd's --long window, a registry's blob dedup and rsync's
 * whole-file match see.
 *
 * Copies replace files rather than add them, so a component keeps its file count and (the rounding remainder
 * on its largest own file) its exact byte total: a target directory's files take a source directory's names,
 * sizes and content.
 */
const COPIED_SHARE: Record<ContentKind, number> = { php: 0, js: 0.033, css: 0.135, data: 0.137, json: 0, image: 0, binary: 0, cdb: 0, text: 0 };
/** A directory copied whole may overshoot the share: not by more than half of it. */
const OVERSHOOT = 1.5;

export interface VendoredTree {
  readonly names: readonly string[];
  readonly sizes: readonly number[];
  /** For a copy, the index of the file it copies (whose content key it takes). */
  readonly copyOf: Map<number, number>;
}

function directoryOf(name: string): string {
  return name.slice(0, Math.max(0, name.lastIndexOf('/')));
}

function byDirectory(names: readonly string[]): number[][] {
  const dirs = new Map<string, number[]>();
  names.forEach((name, i) => {
    const d = directoryOf(name);
    const list = dirs.get(d);
    if (list === undefined) dirs.set(d, [i]);
    else list.push(i);
  });
  return [...dirs.values()];
}


/** The first directory whose cumulative bytes pass `u`. */
function byBytes(cumulative: readonly number[], u: number): number {
  let lo = 0;
  let hi = cumulative.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((cumulative[mid] as number) <= u) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** A tree without copies: the names and sizes as drawn, not copied (most kinds copy nothing, and their lists are 70,000 long). */
function withoutCopies(names: readonly string[], sizes: readonly number[]): VendoredTree {
  return { names, sizes, copyOf: new Map() };
}

export function vendorCopies(rng: Rng, kind: ContentKind, names: readonly string[], sizes: readonly number[]): VendoredTree {
  const share = COPIED_SHARE[kind];
  if (share === 0 || names.length < 4) return withoutCopies(names, sizes);
  const dirs = byDirectory(names);
  if (dirs.length < 2) return withoutCopies(names, sizes);
  const out = { names: [...names], sizes: [...sizes], copyOf: new Map<number, number>() };
  const total = sizes.reduce((a, b) => a + b, 0);
  const used = new Set<number>();
  const sources = new Set<number>();
  let copied = 0;
  let diff = 0;
  // Sources drawn by their bytes: what gets vendored is a library, the big directories (VisualEditor's copy of
  // OOUI's themes); drawn by count, nearly every pick is a directory of a few icons and the share is never met.
  const cumulative: number[] = [];
  let dirBytes = 0;
  for (const dir of dirs) cumulative.push((dirBytes += dir.reduce((n, i) => n + (sizes[i] as number), 0)));
  for (let attempt = 0; attempt < 4 * dirs.length && copied < share * total; attempt++) {
    const s = byBytes(cumulative, rng.next() * dirBytes);
    const t = rng.int(0, dirs.length - 1);
    if (s === t || used.has(s) || used.has(t)) continue;
    const source = dirs[s] as number[];
    const target = dirs[t] as number[];
    const pairBytes = source.slice(0, target.length).reduce((n, i) => n + (sizes[i] as number), 0);
    if (copied + pairBytes > OVERSHOOT * share * total) continue;
    const targetDir = directoryOf(names[target[0] as number] as string);
    const count = Math.min(source.length, target.length);
    const renamed = source.slice(0, count).map((from) => `${targetDir}/${(names[from] as string).slice((names[from] as string).lastIndexOf('/') + 1)}`);
    // Names stay unique: a copy may not land on a name its directory keeps (manifests share names).
    const kept = new Set(target.slice(count).map((i) => out.names[i] as string));
    if (renamed.some((name) => kept.has(name))) continue;
    used.add(s).add(t);
    for (let k = 0; k < count; k++) {
      const from = source[k] as number;
      const to = target[k] as number;
      out.names[to] = renamed[k] as string;
      diff += (sizes[to] as number) - (sizes[from] as number);
      out.sizes[to] = sizes[from] as number;
      out.copyOf.set(to, from);
      sources.add(from);
      copied += sizes[from] as number;
    }
  }
  // On the files that are neither copies nor copied.
  settleBytes(out.sizes, diff, (i) => !out.copyOf.has(i) && !sources.has(i));
  // Too few files of its own to take the remainder (a tiny component): no copies rather than a wrong total.
  if (out.sizes.reduce((a, b) => a + b, 0) !== total) return withoutCopies(names, sizes);
  return out;
}
