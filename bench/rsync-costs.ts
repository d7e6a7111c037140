/**
 * What one rsync sync costs, measured on real rsync against a real rsync daemon (as scap's targets pull from
 * its proxies: `rsync://`, with --compress and --delay-updates as scap passes them), beside the model's
 * defaults for the same figures (model.rsync.perSync, .scanPerFile, .perFile, .stream) and their ratio. Trees
 * of synthesized PHP files (the project's content synthesizer: MediaWiki-like compressibility), 14 a directory:
 * - a sync that changes nothing costs the fixed cost plus a scan of every file (both sides stat it, its entry
 *   crosses the connection): two tree sizes give both;
 * - a sync into an empty directory adds each file's cost and its bytes': two file sizes give both.
 * Each figure is the median of `repeats` syncs, one at a time. On a busy machine every figure is higher: it
 * prints the load.
 *
 *   npx tsx bench/rsync-costs.ts [smallFiles=2000] [largeFiles=40000] [repeats=5]
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createContentSynthesizer } from '../src/content/content-synthesizer.ts';
import { fileEntry } from '../src/content/file-entry.ts';
import { resolveModel } from '../src/scenario/model-resolve.ts';
import { startRsyncDaemon } from '../src/volume/rsync-daemon.ts';
import { rsyncSync } from '../src/volume/rsync-sync.ts';
import { median } from '../src/stats/percentiles.ts';

const [smallFiles, largeFiles, repeats] = [Number(process.argv[2] ?? 2000), Number(process.argv[3] ?? 40_000), Number(process.argv[4] ?? 5)];
// MediaWiki's code: about 14 files a directory (DOMAIN.md's measured trees), PHP of a median 1.2 KB.
const FILES_PER_DIR = 14;
const SMALL_FILE = 1200;
const LARGE_FILE = 24_000;
const synth = createContentSynthesizer(1);

async function writeTree(root: string, files: number, bytes: number): Promise<void> {
  for (let d = 0; d * FILES_PER_DIR < files; d++) {
    const dir = join(root, `ext${d % 40}`, `d${d}`);
    await mkdir(dir, { recursive: true });
    for (let f = 0; f < FILES_PER_DIR && d * FILES_PER_DIR + f < files; f++) {
      const path = join(dir, `f${f}.php`);
      const content = Buffer.allocUnsafe(bytes);
      synth.fill(fileEntry(path, bytes, 0o644, 'php', path, 'bench', undefined), content);
      await writeFile(path, content);
    }
  }
}

const work = await mkdtemp(join(tmpdir(), 'shipbench-bench-rsync-'));
const daemon = await startRsyncDaemon({
  name: 'bench',
  modules: [
    { name: 'small', path: join(work, 'small') },
    { name: 'large', path: join(work, 'large') },
    { name: 'heavy', path: join(work, 'heavy') },
  ],
  stateDir: join(work, 'state'),
});
try {
  await writeTree(join(work, 'small'), smallFiles, SMALL_FILE);
  await writeTree(join(work, 'large'), largeFiles, SMALL_FILE);
  // As many files as `small`, each 20 times larger: what a byte costs.
  await writeTree(join(work, 'heavy'), smallFiles, LARGE_FILE);
  const sync = async (module: string, dest: string): Promise<number> => {
    const t0 = performance.now();
    const outcome = await rsyncSync({ source: daemon.url(module), dest, compress: true, delayUpdates: true });
    if (!outcome.ok) throw new Error(`rsync of ${module} failed: ${outcome.message}`);
    return (performance.now() - t0) / 1000;
  };
  // Into empty directories: every file written (the first copy also warms the page cache for the rest).
  const fresh = async (module: string): Promise<number[]> => {
    const seconds: number[] = [];
    for (let i = 0; i < repeats; i++) {
      const dest = join(work, `fresh-${module}-${i}`);
      seconds.push(await sync(module, dest));
      await rm(dest, { recursive: true });
    }
    return seconds;
  };
  const written = median(await fresh('small'));
  const heavy = median(await fresh('heavy'));
  const smallDest = join(work, 'small-copy');
  const largeDest = join(work, 'large-copy');
  await sync('small', smallDest);
  await sync('large', largeDest);
  const unchangedSmall: number[] = [];
  const unchangedLarge: number[] = [];
  for (let i = 0; i < repeats; i++) {
    unchangedSmall.push(await sync('small', smallDest));
    unchangedLarge.push(await sync('large', largeDest));
  }
  const [small, large] = [median(unchangedSmall), median(unchangedLarge)];
  const scanPerFile = (large - small) / (largeFiles - smallFiles);
  const perSync = Math.max(0, small - smallFiles * scanPerFile);
  const perByte = (heavy - written) / (smallFiles * (LARGE_FILE - SMALL_FILE));
  const perFile = (written - small - smallFiles * SMALL_FILE * perByte) / smallFiles;
  const model = resolveModel({}, { nodes: 1, nicBitsPerSecond: undefined, diskWriteBytesPerSecond: undefined }).rsync;
  const ms = (s: number) => `${(s * 1000).toFixed(3)} ms`;
  console.log(`rsync daemon syncs (--compress --delay-updates), median of ${repeats}, load ${loadavg()[0]!.toFixed(1)}:`);
  console.log(`  unchanged: ${smallFiles} files ${small.toFixed(3)} s, ${largeFiles} files ${large.toFixed(3)} s; written: ${smallFiles} files of ${SMALL_FILE} B ${written.toFixed(3)} s, of ${LARGE_FILE} B ${heavy.toFixed(3)} s`);
  const row = (name: string, measured: number, modelled: number) => console.log(`${name.padEnd(22)} measured ${ms(measured).padStart(12)}   model default ${ms(modelled).padStart(12)}   measured/default ${(modelled > 0 ? measured / modelled : Number.POSITIVE_INFINITY).toFixed(2)}`);
  row('rsync.perSync', perSync, model.perSyncSeconds);
  row('rsync.scanPerFile', scanPerFile, model.scanPerFileSeconds);
  row('rsync.perFile', perFile, model.perFileSeconds);
  const stream = perByte > 0 ? 1 / perByte : Number.POSITIVE_INFINITY;
  const modelStream = model.streamBytesPerSecond ?? Number.POSITIVE_INFINITY;
  console.log(`${'rsync.stream'.padEnd(22)} measured ${`${(stream / 2 ** 20).toFixed(1)} MiB/s`.padStart(12)}   model default ${(Number.isFinite(modelStream) ? `${(modelStream / 2 ** 20).toFixed(1)} MiB/s` : 'unlimited').padStart(12)}`);
} finally {
  await daemon.stop();
  await rm(work, { recursive: true, force: true });
}
