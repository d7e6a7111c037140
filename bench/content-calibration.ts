/**
 * How the synthetic content compresses, against the real thing:
 *
 *   npx tsx bench/content-calibration.ts real [seed=1] [kinds]
 *   npx tsx bench/content-calibration.ts [curves|sample]
 *
 * `real` compares the synthetic tree with a real one, Debian's MediaWiki (bench/real-tree-calibration.ts):
 * per kind and overall sizes, directory shapes and compression at every window size, and rsync's fresh copy.
 * `kinds` stops after the per-kind table (minutes less: no whole-tree compression, no rsync).
 *
 * `curves` prints per-file gzip -1 ratios by file size for PHP, JS and i18n JSON.
 * `sample` prints min/median/max per-file ratios over the sample the test asserts on, and the ratio of 200
 * small PHP files back to back (plain and as a ustar archive).
 *
 * Run it after changing a generator; the calibration is a property of the generators, not of the machine.
 */
import { gzipSync } from 'node:zlib';
import { Rng } from '../src/core/rng.ts';
import { createContentSynthesizer } from '../src/content/content-synthesizer.ts';
import type { ContentKind } from '../src/content/file-entry.ts';
import { realVsSynthetic } from './real-tree-calibration.ts';

const mode = process.argv[2] ?? 'curves';
const SEEDS = [1, 2];

function curves(): void {
  const sizes = [2, 3, 4, 6, 8, 12, 16, 24, 32, 48, 60, 120, 500].map((k) => k * 1024);
  for (const kind of ['php', 'js', 'json'] as ContentKind[]) {
    for (const seed of SEEDS) {
      const synthesizer = createContentSynthesizer(seed);
      const row = sizes.map((bytes) => {
        let raw = 0;
        let packed = 0;
        for (let i = 0; i < 16; i++) {
          const buf = Buffer.alloc(bytes);
          synthesizer.fill({ path: `c/${i}`, bytes, mode: 0o644, kind, contentKey: `curve/${i}@r0`, component: 'c', version: undefined }, buf);
          raw += bytes;
          packed += gzipSync(buf, { level: 1 }).length;
        }
        return `${bytes >> 10}K:${(raw / packed).toFixed(2)}`;
      });
      console.log(`${kind} seed ${seed}  ${row.join(' ')}`);
    }
  }
}

/** The test's sample (test/content/content-synthesizer.test.ts): per kind, sizes log-uniform, seeds 11 and 'preset-b'. */
function sample(): void {
  const plans: Array<[ContentKind, number, number, number]> = [
    ['php', 2048, 61_440, 50],
    ['json', 2048, 61_440, 50],
    ['cdb', 1 << 20, 5 << 20, 6],
    ['binary', 100 << 10, 2 << 20, 25],
  ];
  for (const [kind, lo, hi, perSeed] of plans) {
    const ratios: number[] = [];
    let raw = 0;
    let packed = 0;
    for (const seed of [11, 'preset-b']) {
      const synthesizer = createContentSynthesizer(seed);
      const rng = Rng.derive(seed, 'test-sizes', kind);
      for (let i = 0; i < perSeed; i++) {
        const bytes = Math.round(lo * Math.pow(hi / lo, rng.next()));
        const buf = Buffer.alloc(bytes);
        synthesizer.fill({ path: `srv/sample/${kind}/${i}@r0`, bytes, mode: 0o644, kind, contentKey: `sample/${kind}/${i}@r0`, component: 'test', version: undefined }, buf);
        const gz = gzipSync(buf, { level: 1 }).length;
        ratios.push(bytes / gz);
        raw += bytes;
        packed += gz;
      }
    }
    ratios.sort((a, b) => a - b);
    const at = (q: number): string => (ratios[Math.min(ratios.length - 1, Math.floor(q * ratios.length))] as number).toFixed(2);
    console.log(`${kind.padEnd(6)} n=${ratios.length}  min ${at(0)}  p10 ${at(0.1)}  median ${at(0.5)}  p90 ${at(0.9)}  max ${at(1)}  overall ${(raw / packed).toFixed(2)}`);
  }
  const synthesizer = createContentSynthesizer(11);
  const rng = Rng.derive(11, 'test-tar');
  const files: Buffer[] = [];
  const parts: Buffer[] = [];
  for (let i = 0; i < 200; i++) {
    const bytes = Math.max(200, Math.round(3072 * Math.exp(0.9 * rng.normal())));
    const data = Buffer.alloc(bytes);
    synthesizer.fill({ path: `p/${i}`, bytes, mode: 0o644, kind: 'php', contentKey: `core/includes/Dir${i % 7}/Class${i}.php@r0`, component: 'test', version: undefined }, data);
    files.push(data);
    const header = Buffer.alloc(512);
    header.write(`srv/mediawiki/php-1.45.0-wmf.1/includes/Class${i}.php`, 0, 'latin1');
    parts.push(header, data, Buffer.alloc((512 - (bytes % 512)) % 512));
  }
  const together = Buffer.concat(files);
  const tar = Buffer.concat(parts);
  const fileByFile = together.length / files.reduce((sum, f) => sum + gzipSync(f, { level: 1 }).length, 0);
  console.log(`php: 200 small files  file by file ${fileByFile.toFixed(2)}  back to back ${(together.length / gzipSync(together, { level: 1 }).length).toFixed(2)}  ustar ${(tar.length / gzipSync(tar, { level: 1 }).length).toFixed(2)}`);
}

if (mode === 'real') await realVsSynthetic(Number(process.argv[3] ?? 1), process.argv[4] === 'kinds');
else if (mode === 'sample') sample();
else curves();
