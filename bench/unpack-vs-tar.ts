/**
 * Throughput of the virtual nodes' rootfs unpacker (src/nodes/rootfs-unpacker.ts) against GNU
 * `tar -xzf BLOB -C DIR` (tar with a gzip child process) on the same generated image, in the same run,
 * rounds interleaved so a busy machine slows both alike.
 *
 *   npx tsx bench/unpack-vs-tar.ts [bench/scenarios/unpack-300mib.yaml] [rounds=5]
 *
 * Both sides unpack every layer of the image, in order, into an empty directory, reading the blobs from the
 * page cache and writing without fsync. Our side runs in a child process too (for its peak RSS), timed
 * around the unpackLayer calls only; tar is timed as a process, which costs it a few ms of exec.
 */
import { createReadStream } from 'node:fs';
import { mkdir, mkdtemp, rm, stat } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { formatBytes } from '../src/core/units.ts';
import { blobPath } from '../src/image/layer-writer.ts';
import { readImage } from '../src/image/oci-layout-reader.ts';
import { unpackLayer } from '../src/nodes/rootfs-unpacker.ts';
import { measure } from './peak-rss.ts';

interface ChildReport {
  seconds: number;
  cpuSeconds: number;
  bytesWritten: number;
  files: number;
  dirs: number;
}

const MB = 1e6;

if (process.argv[2] === '--child') {
  // Child mode: unpack the given blobs in order into one rootfs and report.
  const [dir, ...blobs] = process.argv.slice(3);
  const cpu = process.cpuUsage();
  const started = performance.now();
  const report: ChildReport = { seconds: 0, cpuSeconds: 0, bytesWritten: 0, files: 0, dirs: 0 };
  for (const blob of blobs) {
    const stats = await unpackLayer(createReadStream(blob), dir as string, { layer: blob });
    report.bytesWritten += stats.bytesWritten;
    report.files += stats.files;
    report.dirs += stats.dirs;
  }
  report.seconds = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  report.cpuSeconds = (used.user + used.system) / 1e6;
  console.log(JSON.stringify(report));
} else {
  await main(process.argv[2] ?? 'bench/scenarios/unpack-300mib.yaml', Number(process.argv[3] ?? 5));
}

async function main(scenario: string, rounds: number): Promise<void> {
  const work = await mkdtemp(join(tmpdir(), 'shipbench-bench-unpack-'));
  try {
    await measure(`node bin/shipbench.js generate ${scenario} --out ${join(work, 'gen')} >/dev/null 2>&1`);
    const layout = join(work, 'gen', 'monolithic');
    const image = await readImage(layout, 'initial');
    const blobs = image.manifest.layers.map((l) => blobPath(join(layout, 'blobs'), l.digest));
    let blobBytes = 0;
    for (const blob of blobs) blobBytes += (await stat(blob)).size;
    const load = loadavg()[0] ?? 0;

    const ours: Array<ChildReport & { peakRssBytes: number }> = [];
    const tar: Array<{ seconds: number; cpuSeconds: number; peakRssBytes: number }> = [];
    const fresh = async (name: string) => {
      const dir = join(work, name);
      await rm(dir, { recursive: true, force: true });
      await mkdir(dir);
      // Write-back of the previous round's files must not land on the next one's clock.
      await measure('sync');
      return dir;
    };
    const runOurs = async () => {
      const dir = await fresh('ours');
      const run = await measure(`node --import tsx bench/unpack-vs-tar.ts --child ${dir} ${blobs.join(' ')}`);
      ours.push({ ...(JSON.parse(run.stdout) as ChildReport), peakRssBytes: run.peakRssBytes });
    };
    const runTar = async () => {
      const dir = await fresh('tar');
      // `times` prints the shell's children's CPU (tar and its gzip) on its second line.
      const run = await measure(`${blobs.map((b) => `tar -xzf ${b} -C ${dir}`).join(' && ')} && times`);
      const cpu = [...(run.stdout.trim().split('\n')[1] ?? '').matchAll(/(\d+)m([\d.]+)s/g)].reduce((s, m) => s + Number(m[1]) * 60 + Number(m[2]), 0);
      tar.push({ seconds: run.seconds, cpuSeconds: cpu, peakRssBytes: run.peakRssBytes });
    };
    for (let round = 0; round < rounds; round++) {
      if (round % 2 === 0) {
        await runOurs();
        await runTar();
      } else {
        await runTar();
        await runOurs();
      }
      const o = ours[round];
      const t = tar[round];
      if (o && t) console.log(`round ${round + 1}: shipbench ${o.seconds.toFixed(2)} s, tar -xzf ${t.seconds.toFixed(2)} s`);
    }
    // Same result on both sides: file count and bytes (the unpacker's tests compare contents with umoci's).
    const census = async (dir: string) => (await measure(`find ${dir} -type f | wc -l; du -sb --apparent-size ${dir} | cut -f1`)).stdout.trim().split('\n').map(Number);
    const [ourFiles, ourBytes] = await census(join(work, 'ours'));
    const [tarFiles, tarBytes] = await census(join(work, 'tar'));
    if (ourFiles !== tarFiles || ourBytes !== tarBytes) throw new Error(`trees differ: ours ${ourFiles} files ${ourBytes} B, tar ${tarFiles} files ${tarBytes} B`);

    const content = ours[0]?.bytesWritten ?? 0;
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
    const rate = (seconds: number) => content / seconds / MB;
    const line = (name: string, runs: Array<{ seconds: number; cpuSeconds: number; peakRssBytes: number }>) => {
      const med = median(runs.map((r) => r.seconds));
      const best = Math.min(...runs.map((r) => r.seconds));
      const cpu = median(runs.map((r) => r.cpuSeconds));
      const rss = Math.max(...runs.map((r) => r.peakRssBytes));
      console.log(
        `${name.padEnd(20)} median ${med.toFixed(2)} s = ${rate(med).toFixed(1)} MB/s (best ${best.toFixed(2)} s = ${rate(best).toFixed(1)} MB/s), CPU ${cpu.toFixed(2)} s, peak RSS ${formatBytes(rss)}`,
      );
      return { med, best };
    };
    console.log(
      `scenario ${scenario}: ${blobs.length} layers, ${formatBytes(blobBytes)} of gzip -> ${formatBytes(content)} in ${ours[0]?.files} files and ${ours[0]?.dirs} dirs; ` +
        `${rounds} interleaved rounds; 1-min load average ${load.toFixed(1)} before, ${(loadavg()[0] ?? 0).toFixed(1)} after`,
    );
    const o = line('shipbench unpackLayer', ours);
    const t = line('tar -xzf (GNU tar)', tar);
    console.log(`throughput ratio shipbench / tar -xzf: median ${(t.med / o.med).toFixed(2)}, best ${(t.best / o.best).toFixed(2)} (target >= 1.00)`);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
