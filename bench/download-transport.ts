/**
 * Blob downloads: shipbench's hand-written plain-HTTP transport (src/registry/plain-http-transport.ts) against
 * undici's lowest-level API, `dispatch` with a raw handler (bench/undici-dispatch-download.ts), from the real
 * embedded registry. Issue 17: the transport stays only if it is ahead by at least 15% in time or CPU.
 *
 *   npx tsx bench/download-transport.ts [MiB per sample, default 1024] [rounds, default 5]
 *
 * One random (incompressible) blob of 256 MiB is pushed once; a sample downloads it MiB/256 times, 2 at a
 * time over keep-alive connections, discarding the bytes (no hash, no disk: only the transport differs).
 * Each sample is a child process of its own, so its CPU (user + system, process.cpuUsage around the downloads
 * only) is its own. The sides run interleaved, A B A B ..., and the medians are compared: on a machine other
 * processes load, CPU seconds are disturbed less than wall time, which also counts their turns.
 */
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Agent } from 'undici';
import { median } from '../src/core/quantile.ts';
import { dispatchGet } from './undici-dispatch-download.ts';
import { DistributionClient } from '../src/registry/distribution-client.ts';
import { startEmbeddedRegistry } from '../src/registry/embedded-registry.ts';
import { PlainHttpTransport } from '../src/registry/plain-http-transport.ts';

const REPO = 'bench/blob';
const BLOB_BYTES = 256 * 2 ** 20;
const PARALLEL = 2;
const SELF = 'bench/download-transport.ts';
const SIDES = ['plain-http', 'undici-dispatch'] as const;
type Side = (typeof SIDES)[number];

interface Sample {
  readonly seconds: number;
  readonly cpuSeconds: number;
  readonly bytes: number;
}

/** Child mode: download the blob `times` times, PARALLEL at a time, through one side; print a Sample. */
async function child(side: Side, url: URL, times: number): Promise<Sample> {
  const plain = new PlainHttpTransport({ maxIdlePerOrigin: PARALLEL, connectTimeoutMs: 10_000, idleTimeoutMs: 60_000 });
  const agent = new Agent({ connections: PARALLEL, headersTimeout: 60_000, bodyTimeout: 60_000 });
  const get = (u: URL) => (side === 'plain-http' ? plain.get(u, {}) : dispatchGet(agent, u, {}));
  let bytes = 0;
  let left = times;
  const lane = async () => {
    while (left-- > 0) {
      const res = await get(url);
      if (res.statusCode !== 200) throw new Error(`GET blob: HTTP ${res.statusCode}`);
      for await (const chunk of res.body) bytes += chunk.length;
    }
  };
  const started = performance.now();
  const cpu = process.cpuUsage();
  await Promise.all(Array.from({ length: PARALLEL }, lane));
  const used = process.cpuUsage(cpu);
  const seconds = (performance.now() - started) / 1000;
  plain.close();
  await agent.close();
  return { seconds, cpuSeconds: (used.user + used.system) / 1e6, bytes };
}

if (process.argv[2] === '--child') {
  const [, , , side = 'plain-http', url = '', times = '1'] = process.argv;
  console.log(JSON.stringify(await child(side as Side, new URL(url), Number(times))));
  process.exit(0);
}

const mib = Number(process.argv[2] ?? 1024);
const rounds = Number(process.argv[3] ?? 5);
const times = Math.max(1, Math.round((mib * 2 ** 20) / BLOB_BYTES));
const work = join(tmpdir(), `shipbench-bench-transport-${process.pid}`);
await mkdir(work, { recursive: true });
const registry = await startEmbeddedRegistry({ storageDir: join(work, 'registry') });
try {
  const file = join(work, 'blob');
  const data = randomBytes(BLOB_BYTES);
  await writeFile(file, data);
  const digest = `sha256:${createHash('sha256').update(data).digest('hex')}`;
  const pusher = new DistributionClient({ baseUrl: registry.url });
  await pusher.pushBlob(REPO, digest, BLOB_BYTES, () => createReadStream(file));
  await pusher.close();
  const url = new URL(`/v2/${REPO}/blobs/${digest}`, registry.url);
  console.log(`registry ${registry.version} at ${registry.url}; ${times} x 256 MiB per sample, ${PARALLEL} at a time; ${rounds} rounds; load average ${loadavg()[0]?.toFixed(1)} on ${availableParallelism()} cores`);
  const samples = new Map<Side, Sample[]>(SIDES.map((s) => [s, []]));
  for (let round = 0; round < rounds; round++) {
    for (const side of SIDES) {
      const out = execFileSync(process.execPath, ['--import', 'tsx', SELF, '--child', side, url.href, String(times)], { encoding: 'utf8' });
      const sample = JSON.parse(out.trim().split('\n').at(-1) ?? '{}') as Sample;
      if (sample.bytes !== times * BLOB_BYTES) throw new Error(`${side}: got ${sample.bytes} bytes, expected ${times * BLOB_BYTES}`);
      samples.get(side)!.push(sample);
      console.log(`round ${round + 1} ${side.padEnd(16)} ${sample.seconds.toFixed(2)} s wall, ${sample.cpuSeconds.toFixed(2)} s CPU, ${((sample.bytes / sample.seconds) / 2 ** 20).toFixed(0)} MiB/s (load ${loadavg()[0]?.toFixed(1)})`);
    }
  }
  const [a, b] = SIDES.map((s) => ({ wall: median(samples.get(s)!.map((x) => x.seconds)), cpu: median(samples.get(s)!.map((x) => x.cpuSeconds)) }));
  console.log(`\nmedians over ${rounds} rounds (${times * 256} MiB each):`);
  console.log(`  plain-http       ${a!.wall.toFixed(2)} s wall, ${a!.cpu.toFixed(2)} s CPU (${(a!.cpu / (times / 4)).toFixed(2)} CPU-s per GiB)`);
  console.log(`  undici-dispatch  ${b!.wall.toFixed(2)} s wall, ${b!.cpu.toFixed(2)} s CPU (${(b!.cpu / (times / 4)).toFixed(2)} CPU-s per GiB)`);
  const lead = (x: number, y: number) => `${(((y - x) / y) * 100).toFixed(1)}%`;
  console.log(`  plain-http ahead by: wall ${lead(a!.wall, b!.wall)}, CPU ${lead(a!.cpu, b!.cpu)} (it stays only at >= 15% in either)`);
} finally {
  await registry.stop();
  await rm(work, { recursive: true, force: true });
}
