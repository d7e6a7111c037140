/**
 * Real vs synthetic content, side by side: Debian's MediaWiki 1.39 (`mediawiki` + `mediawiki-classes`,
 * unpacked with dpkg-deb, never installed) against the single-version preset scaled to the same size. Prints,
 * per kind and overall: file count, size quantiles, files per directory, path depth, per-file zlib -1, and for
 * the whole tree tar | gzip -1/-6, zstd -3, zstd -19 --long=27 and what `rsync -az` receives from a real rsync
 * daemon for a fresh copy. Targets (issue 14): ratios within 15%, size quantiles within 1.5x, files per
 * directory median within 1.5x.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { deflateRawSync } from 'node:zlib';
import { createContentSynthesizer } from '../src/content/content-synthesizer.ts';
import { buildInitialTree } from '../src/content/tree-builder.ts';
import { writeTree } from '../src/content/tree-writer.ts';
import { resolveScenario } from '../src/scenario/resolve.ts';
import { startRsyncDaemon } from '../src/volume/rsync-daemon.ts';

const PACKAGES = ['mediawiki', 'mediawiki-classes'];
const KINDS = ['php', 'i18n', 'data', 'js', 'css', 'image', 'other'] as const;
type Kind = (typeof KINDS)[number];

function kindOf(path: string): Kind {
  const ext = path.slice(path.lastIndexOf('.') + 1).toLowerCase();
  if (ext === 'json') return path.includes('/i18n/') ? 'i18n' : 'data';
  if (ext === 'php' || ext === 'js') return ext;
  if (ext === 'css' || ext === 'less' || ext === 'svg') return 'css';
  if (ext === 'png' || ext === 'gif' || ext === 'jpg') return 'image';
  return 'other';
}

/** Debian's MediaWiki, unpacked once into the cache. */
export function debianMediaWiki(): string {
  const cache = join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'shipbench', 'calibration', 'debian-mediawiki');
  const root = join(cache, 'root', 'usr', 'share', 'mediawiki');
  if (existsSync(join(cache, 'done'))) return root;
  mkdirSync(join(cache, 'debs'), { recursive: true });
  const download = spawnSync('apt-get', ['download', ...PACKAGES], { cwd: join(cache, 'debs'), stdio: 'inherit' });
  if (download.status !== 0) throw new Error('apt-get download mediawiki mediawiki-classes failed: run apt-get update (as root) first');
  for (const deb of readdirSync(join(cache, 'debs')).filter((f) => f.endsWith('.deb'))) execFileSync('dpkg-deb', ['-x', join(cache, 'debs', deb), join(cache, 'root')]);
  execFileSync('touch', [join(cache, 'done')]);
  return root;
}

interface FileStat {
  readonly rel: string;
  readonly bytes: number;
  readonly packed: number;
}

/** Regular files under root (symlinks skipped), with their zlib -1 size. */
function scan(root: string): FileStat[] {
  const out: FileStat[] = [];
  const walk = (dir: string, rel: string): void => {
    for (const name of readdirSync(dir).sort()) {
      const path = join(dir, name);
      const st = lstatSync(path);
      const r = rel === '' ? name : `${rel}/${name}`;
      if (st.isDirectory()) walk(path, r);
      else if (st.isFile()) {
        const data = readFileSync(path);
        out.push({ rel: r, bytes: data.length, packed: deflateRawSync(data, { level: 1 }).length + 6 });
      }
    }
  };
  walk(root, '');
  return out;
}

function quantile(sorted: readonly number[], q: number): number {
  return sorted.length === 0 ? 0 : (sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number);
}

export interface KindFigures {
  files: number;
  bytes: number;
  sizes: [number, number, number, number];
  perDirMedian: number;
  perDirMean: number;
  depth: [number, number];
  zlib1: number;
}

function figures(files: readonly FileStat[]): KindFigures {
  const sizes = files.map((f) => f.bytes).sort((a, b) => a - b);
  const dirs = new Map<string, number>();
  for (const f of files) {
    const d = f.rel.slice(0, Math.max(0, f.rel.lastIndexOf('/')));
    dirs.set(d, (dirs.get(d) ?? 0) + 1);
  }
  const perDir = [...dirs.values()].sort((a, b) => a - b);
  const depths = files.map((f) => f.rel.split('/').length - 1).sort((a, b) => a - b);
  const bytes = files.reduce((n, f) => n + f.bytes, 0);
  return {
    files: files.length,
    bytes,
    sizes: [quantile(sizes, 0.1), quantile(sizes, 0.5), quantile(sizes, 0.9), quantile(sizes, 0.99)],
    perDirMedian: quantile(perDir, 0.5),
    perDirMean: files.length / Math.max(1, dirs.size),
    depth: [quantile(depths, 0.5), quantile(depths, 0.9)],
    zlib1: bytes / Math.max(1, files.reduce((n, f) => n + f.packed, 0)),
  };
}

const COMPRESSORS: ReadonlyArray<[string, string]> = [
  ['tar gzip -1', 'gzip -1'],
  ['tar gzip -6', 'gzip -6'],
  ['tar zstd -3', 'zstd -3 -T1'],
  ['tar zstd -19 --long=27', 'zstd -19 --long=27 -T2'],
];

function wholeTree(root: string, bytes: number): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [label, command] of COMPRESSORS) {
    const packed = Number(execFileSync('bash', ['-c', `tar -C "$1" --sort=name -cf - . | ${command} -c | wc -c`, 'tar', root], { maxBuffer: 1 << 20 }).toString().trim());
    out[label] = bytes / packed;
  }
  return out;
}

/** A fresh copy through a real rsync daemon: the tree's bytes over what `rsync -az` received. */
async function rsyncFresh(root: string, bytes: number, scratch: string): Promise<number> {
  const daemon = await startRsyncDaemon({ name: 'calibration', modules: [{ name: 'tree', path: root }], stateDir: join(scratch, 'rsyncd') });
  try {
    const dest = join(scratch, 'copy');
    rmSync(dest, { recursive: true, force: true });
    const stats = execFileSync('rsync', ['-az', '--stats', daemon.url('tree'), `${dest}/`], { maxBuffer: 16 << 20 }).toString();
    const m = /Total bytes received: ([\d,]+)/.exec(stats);
    if (m === null) throw new Error(`no "Total bytes received" in rsync --stats:\n${stats}`);
    rmSync(dest, { recursive: true, force: true });
    return bytes / Number((m[1] as string).replaceAll(',', ''));
  } finally {
    await daemon.stop();
  }
}

/** The single-version preset without base image, l10n cache or shared dirs (Debian ships none), at `bytes`. */
async function syntheticTree(bytes: number, scratch: string, seed: number): Promise<string> {
  const keep = ['core', 'vendor', 'vendor-binaries', 'skins', 'extensions', 'resources', 'styles', 'images', 'i18n', 'data', 'core-docs', 'vendor-docs', 'extension-docs', 'skin-docs'];
  const probe = resolveScenario({ name: 'calibration', seed, content: { preset: 'mediawiki-single-version' } }, 'calibration');
  const presetBytes = probe.content.components.filter((c) => keep.includes(c.name)).reduce((n, c) => n + c.bytes, 0);
  const scenario = resolveScenario(
    {
      name: 'calibration',
      seed,
      content: {
        preset: 'mediawiki-single-version',
        scale: bytes / presetBytes,
        components: probe.content.components.filter((c) => !keep.includes(c.name)).map((c) => ({ name: c.name, remove: true as const })),
      },
    },
    'calibration',
  );
  const tree = buildInitialTree(scenario);
  const root = join(scratch, 'synthetic');
  const started = performance.now();
  await writeTree(tree.files, createContentSynthesizer(seed), root);
  console.error(`synthetic tree: ${tree.files.length} files written in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  return join(root, 'srv', 'mediawiki', `php-${scenario.content.versions[0] as string}`);
}

function kb(n: number): string {
  return n < 1024 ? `${n} B` : n < 1 << 20 ? `${(n / 1024).toFixed(1)} KB` : `${(n / (1 << 20)).toFixed(1)} MB`;
}

/** Whole-tree figures of the real tree take minutes and never change: measured once, kept in the cache. */
async function realWholeTree(realRoot: string, realBytes: number, scratch: string): Promise<Record<string, number>> {
  const cached = join(realRoot, '..', '..', '..', '..', 'whole-tree.json');
  if (existsSync(cached)) return JSON.parse(readFileSync(cached, 'utf8')) as Record<string, number>;
  const figures = { ...wholeTree(realRoot, realBytes), 'rsync -az, fresh copy': await rsyncFresh(realRoot, realBytes, scratch) };
  writeFileSync(cached, JSON.stringify(figures));
  return figures;
}

export async function realVsSynthetic(seed: number, kindsOnly = false): Promise<void> {
  // The rsync daemon's handles are unref'd: keep the event loop alive until the table is printed.
  const keepAlive = setInterval(() => undefined, 1000);
  try {
    await compare(seed, kindsOnly);
  } finally {
    clearInterval(keepAlive);
  }
}

async function compare(seed: number, kindsOnly: boolean): Promise<void> {
  const realRoot = debianMediaWiki();
  const scratch = join(tmpdir(), `shipbench-calibration-${process.pid}`);
  mkdirSync(scratch, { recursive: true });
  try {
    const realFiles = scan(realRoot);
    const realBytes = realFiles.reduce((n, f) => n + f.bytes, 0);
    const synthRoot = await syntheticTree(realBytes, scratch, seed);
    const synthFiles = scan(synthRoot);
    const synthBytes = synthFiles.reduce((n, f) => n + f.bytes, 0);
    console.log(`| kind | tree | files | MB | size p10 / p50 / p90 / p99 | files per dir median (mean) | depth p50 / p90 | per-file zlib -1 |`);
    console.log(`|---|---|---|---|---|---|---|---|`);
    for (const kind of ['all', ...KINDS] as const) {
      for (const [label, files] of [['real', realFiles], ['synthetic', synthFiles]] as const) {
        const subset = kind === 'all' ? files : files.filter((f) => kindOf(f.rel) === kind);
        if (subset.length === 0) {
          console.log(`| ${kind} | ${label} | 0 | | | | | |`);
          continue;
        }
        const f = figures(subset);
        console.log(`| ${kind} | ${label} | ${f.files} | ${(f.bytes / 1e6).toFixed(1)} | ${f.sizes.map(kb).join(' / ')} | ${f.perDirMedian} (${f.perDirMean.toFixed(1)}) | ${f.depth.join(' / ')} | ${f.zlib1.toFixed(2)}x |`);
      }
    }
    if (kindsOnly) return;
    const real = await realWholeTree(realRoot, realBytes, scratch);
    const synth = { ...wholeTree(synthRoot, synthBytes), 'rsync -az, fresh copy': await rsyncFresh(synthRoot, synthBytes, scratch) };
    console.log(`\n| whole tree | real | synthetic | synthetic / real |`);
    console.log(`|---|---|---|---|`);
    for (const label of Object.keys(real)) {
      const r = real[label] as number;
      const s = synth[label as keyof typeof synth] as number;
      console.log(`| ${label} | ${r.toFixed(2)}x | ${s.toFixed(2)}x | ${(s / r).toFixed(2)} |`);
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}
