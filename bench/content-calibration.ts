/**
 * Re-derives the phrase-reuse knobs of the PHP and JSON corpora: for each size band (and language), bisects the
 * reuse that makes files of the band's anchor size compress to the target ratio at gzip -1, then prints the
 * tables to paste into php-content.ts and json-content.ts, and the resulting ratio-by-size curves.
 *
 *   npx tsx bench/content-calibration.ts [php|json|curves|sample] [target=3.25]
 *   npx tsx bench/content-calibration.ts real [seed=1]
 *
 * `real` compares the synthetic tree with a real one, Debian's MediaWiki (bench/real-tree-calibration.ts):
 * per kind and overall sizes, directory shapes and compression at every window size, and rsync's fresh copy.
 *
 * `sample` prints min/median/max per-file ratios over the sample the test asserts on, and the ratio of 200
 * small PHP files back to back (plain and as a ustar archive).
 *
 * Run it after changing a generator; the calibration is a property of the generators, not of the machine.
 */
import { gzipSync } from 'node:zlib';
import { Rng } from '../src/core/rng.ts';
import { FileStream } from '../src/content/kinds/file-stream.ts';
import { MessageKeys, createLanguages, type PseudoLanguage } from '../src/content/kinds/i18n-messages.ts';
import { DEFAULT_JSON_SHAPE, createJsonContent } from '../src/content/kinds/json-content.ts';
import { DEFAULT_PHP_SHAPE, createPhpContent } from '../src/content/kinds/php-content.ts';
import { createContentSynthesizer } from '../src/content/content-synthesizer.ts';
import type { ContentKind } from '../src/content/file-entry.ts';
import { realVsSynthetic } from './real-tree-calibration.ts';

const mode = process.argv[2] ?? 'curves';
const target = Number(process.argv[3] ?? 3.25);
const SEEDS = [1, 2];
const FILES = 8;
const digest = new Uint32Array([11, 12, 13, 14, 15, 16, 17, 18]);
const stream = new FileStream();

interface Filler {
  fill(stream: FileStream, target: Buffer, bytes: number): void;
}

function ratioAt(fillers: readonly Filler[], bytes: number): number {
  let raw = 0;
  let packed = 0;
  fillers.forEach((filler, s) => {
    for (let i = 0; i < FILES; i++) {
      stream.reset(digest, s, `calibration/${i}`, bytes);
      const buf = Buffer.alloc(bytes);
      filler.fill(stream, buf, bytes);
      raw += bytes;
      packed += gzipSync(buf, { level: 1 }).length;
    }
  });
  return raw / packed;
}

/**
 * The reuse in [0, MAX_REUSE] giving `target` (ratio grows with reuse). The cap keeps text readable: beyond it
 * a few phrases repeat over and over, and small files then swing far above the target.
 */
const MAX_REUSE = 0.85;

function bisect(ratioFor: (reuse: number) => number): number {
  let lo = 0;
  let hi = MAX_REUSE;
  for (let k = 0; k < 8; k++) {
    const mid = (lo + hi) / 2;
    if (ratioFor(mid) < target) lo = mid;
    else hi = mid;
  }
  return hi === MAX_REUSE && ratioFor(MAX_REUSE) < target ? MAX_REUSE : Number(((lo + hi) / 2).toFixed(3));
}

function calibratePhp(): void {
  for (const band of DEFAULT_PHP_SHAPE.bands) {
    const reuse = bisect((phraseReuse) => {
      const fillers = SEEDS.map((seed) => createPhpContent(Rng.derive(seed, 'calibration', 'php'), { ...DEFAULT_PHP_SHAPE, bands: [{ ...band, phraseReuse }] }));
      // The band's language id stream picks the language: a single-band corpus has one region.
      return ratioAt(fillers, band.anchorBytes);
    });
    console.log(`{ anchorBytes: ${band.anchorBytes}, phraseReuse: ${reuse} }`);
  }
}

function calibrateJson(): void {
  const contexts = SEEDS.map((seed) => {
    const rng = Rng.derive(seed, 'calibration', 'i18n');
    return { seed, languages: createLanguages(rng), keys: new MessageKeys(rng) };
  });
  for (const band of DEFAULT_JSON_SHAPE.bands) {
    const row: number[] = [];
    for (let l = 0; l < band.phraseReuse.length; l++) {
      row.push(
        bisect((reuse) => {
          const fillers = contexts.map(({ seed, languages, keys }) =>
            createJsonContent(Rng.derive(seed, 'calibration', 'json'), [languages[l] as PseudoLanguage], keys, { bands: [{ ...band, phraseReuse: [reuse] }] }),
          );
          return ratioAt(fillers, band.anchorBytes);
        }),
      );
    }
    console.log(`{ anchorBytes: ${band.anchorBytes}, phraseReuse: [${row.join(', ')}] }`);
  }
}

function curves(): void {
  const sizes = [2, 3, 4, 6, 8, 12, 16, 24, 32, 48, 60, 120, 500].map((k) => k * 1024);
  for (const kind of ['php', 'json'] as ContentKind[]) {
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

if (mode === 'real') await realVsSynthetic(Number(process.argv[3] ?? 1));
else if (mode === 'php') calibratePhp();
else if (mode === 'json') calibrateJson();
else if (mode === 'sample') sample();
else curves();
