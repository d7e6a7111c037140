/**
 * What tar-split's CRC-64/ISO costs the docker emulation, against native checksums of the same bytes in the same
 * run: zlib's CRC-32 (C, table-driven) and OpenSSL's SHA-256 (the diff_id digest every layer also gets). The
 * emulation computes CRC-64 in JavaScript by folding the sparse ISO polynomial (src/nodes/crc64-iso.ts); dockerd
 * does it in Go. Fed in 64 KiB pieces, as a pipe delivers a layer. Medians of the rounds; MB/s and the ratio to
 * each peer (above 1: the CRC-64 takes longer).
 *
 *   npx tsx bench/tar-split-crc.ts [MiB=64] [rounds=5]
 */
import { createHash, randomBytes } from 'node:crypto';
import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { crc32 } from 'node:zlib';
import { Crc64Iso } from '../src/nodes/crc64-iso.ts';

const mib = Math.max(1, Number(process.argv[2] ?? 64) || 64);
const rounds = Math.max(1, Number(process.argv[3] ?? 5) || 5);
const PIECE = 64 * 1024;
const data = randomBytes(mib * 2 ** 20);

function timed(run: () => void): number {
  const t0 = performance.now();
  run();
  return performance.now() - t0;
}

const contenders: Record<string, () => void> = {
  'CRC-64/ISO (crc64-iso.ts)': () => {
    const crc = new Crc64Iso();
    for (let at = 0; at < data.length; at += PIECE) crc.update(data.subarray(at, at + PIECE));
    crc.digest();
  },
  'CRC-32 (zlib, native)': () => {
    let crc = 0;
    for (let at = 0; at < data.length; at += PIECE) crc = crc32(data.subarray(at, at + PIECE), crc);
  },
  'SHA-256 (OpenSSL, native)': () => {
    const hash = createHash('sha256');
    for (let at = 0; at < data.length; at += PIECE) hash.update(data.subarray(at, at + PIECE));
    hash.digest();
  },
};

const samples = new Map<string, number[]>(Object.keys(contenders).map((name) => [name, []]));
// Warm-up round, then the contenders take turns so a drifting load slows all alike.
for (const run of Object.values(contenders)) run();
for (let r = 0; r < rounds; r++) for (const [name, run] of Object.entries(contenders)) samples.get(name)?.push(timed(run));

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
const ms = new Map([...samples].map(([name, xs]) => [name, median(xs)]));
const ours = ms.get('CRC-64/ISO (crc64-iso.ts)') as number;
console.log(`${mib} MiB in 64 KiB pieces, median of ${rounds} rounds, load ${loadavg()[0]?.toFixed(1)}:`);
for (const [name, t] of ms) {
  const ratio = name.startsWith('CRC-64') ? '' : `  CRC-64 / this: ${(ours / t).toFixed(2)}`;
  console.log(`  ${name.padEnd(28)} ${t.toFixed(1).padStart(7)} ms  ${((mib * 2 ** 20) / (t / 1000) / 1e6).toFixed(0).padStart(5)} MB/s${ratio}`);
}
