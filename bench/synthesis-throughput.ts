/**
 * Content synthesis throughput against its peer in the same run: node's zlib gzip at level 1 on the same bytes.
 * Synthesis sits in the hot path of image generation, which must beat `tar | pigz -1 -p 2`, so it has to be
 * far faster than gzip -1 on one core.
 *
 *   npx tsx bench/synthesis-throughput.ts [MiB per kind = 512] [seed = 1]
 *
 * Sizes follow the tree builder's distribution (file-size-distribution.ts). Files are synthesised back to back
 * into 4 MiB chunks, as a layer writer would stream them; each full chunk is then gzipped (timed apart).
 */
import { availableParallelism, loadavg } from 'node:os';
import { gzipSync } from 'node:zlib';
import { createContentSynthesizer } from '../src/content/content-synthesizer.ts';
import type { ContentKind, FileEntry } from '../src/content/file-entry.ts';
import { drawFileSizes } from '../src/content/file-size-distribution.ts';
import { Rng } from '../src/core/rng.ts';

const MIB = 1 << 20;
const mibPerKind = Number(process.argv[2] ?? 512);
const seed = process.argv[3] ?? '1';
const CHUNK = 4 * MIB;

/** Mean file size per kind: with the kind's median, this sets the spread of the size distribution. */
const MEAN_BYTES: Record<ContentKind, number> = { php: 8 << 10, json: 6 << 10, cdb: 3 * MIB, binary: 256 << 10, js: 14_000, css: 2_000, image: 25_000, data: 60_000, text: 6_600 };

interface Row {
  kind: ContentKind;
  files: number;
  bytes: number;
  buildMs: number;
  synthSeconds: number;
  gzipSeconds: number;
  gzipBytes: number;
}

function entries(kind: ContentKind): FileEntry[] {
  const total = mibPerKind * MIB;
  const files = Math.max(1, Math.round(total / MEAN_BYTES[kind]));
  const sizes = drawFileSizes(Rng.derive(seed, 'bench', kind), kind, files, total);
  return sizes.map((bytes, i) => ({
    path: `bench/${kind}/${i}`,
    bytes,
    mode: 0o644,
    kind,
    contentKey: `bench/${kind}/file${i}@r0`,
    component: 'bench',
    version: undefined,
  }));
}

function run(kind: ContentKind): Row {
  const list = entries(kind);
  const largest = list.reduce((m, e) => Math.max(m, e.bytes), 0);
  const chunk = Buffer.allocUnsafe(Math.max(CHUNK, largest));
  const synthesizer = createContentSynthesizer(seed);
  // The first fill of a kind builds its corpus: timed apart from the steady state.
  const buildStart = performance.now();
  synthesizer.fill({ ...(list[0] as FileEntry), bytes: 1 }, chunk);
  const buildMs = performance.now() - buildStart;

  let synthNs = 0n;
  let gzipNs = 0n;
  let gzipBytes = 0;
  let used = 0;
  const flush = (): void => {
    const t = process.hrtime.bigint();
    gzipBytes += gzipSync(chunk.subarray(0, used), { level: 1 }).length;
    gzipNs += process.hrtime.bigint() - t;
    used = 0;
  };
  let bytes = 0;
  for (const entry of list) {
    if (used > 0 && used + entry.bytes > chunk.length) flush();
    const t = process.hrtime.bigint();
    synthesizer.fill(entry, chunk.subarray(used));
    synthNs += process.hrtime.bigint() - t;
    used += entry.bytes;
    bytes += entry.bytes;
  }
  if (used > 0) flush();
  return { kind, files: list.length, bytes, buildMs, synthSeconds: Number(synthNs) / 1e9, gzipSeconds: Number(gzipNs) / 1e9, gzipBytes };
}

const rows: Row[] = [];
for (const kind of ['php', 'json', 'cdb', 'binary', 'js', 'css', 'data'] as const) rows.push(run(kind));

const mbps = (bytes: number, seconds: number): string => (bytes / 1e6 / seconds).toFixed(0).padStart(7);
console.log(`content synthesis vs zlib gzip -1, ${mibPerKind} MiB per kind, seed ${seed}, node ${process.version}`);
// Both sides run on this one thread in turn, so a busy machine slows both; the ratio is the robust figure.
console.log(`${availableParallelism()} cores, load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
console.log('kind     files    MiB  corpus ms  synth MB/s  gzip-1 MB/s  synth/gzip  gzip-1 ratio');
for (const r of rows) {
  console.log(
    `${r.kind.padEnd(7)} ${String(r.files).padStart(6)} ${(r.bytes / MIB).toFixed(0).padStart(6)} ${r.buildMs.toFixed(0).padStart(10)} ${mbps(r.bytes, r.synthSeconds).padStart(11)} ${mbps(r.bytes, r.gzipSeconds).padStart(12)} ${(r.gzipSeconds / r.synthSeconds).toFixed(1).padStart(10)}x ${(r.bytes / r.gzipBytes).toFixed(2).padStart(13)}`,
  );
}
const memory = process.memoryUsage();
console.log(`rss ${(memory.rss / MIB).toFixed(0)} MiB, external+arrayBuffers ${((memory.external + memory.arrayBuffers) / MIB).toFixed(0)} MiB`);
