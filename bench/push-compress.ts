/**
 * How fast `docker push` compresses a layer, beside GNU gzip (the peer) and the model's default
 * (model.build.compress). dockerd gzips each layer it pushes with Go's compress/gzip at its default level, behind a
 * 32 KiB bufio.Writer (distribution/push_v2.go, `compress`); this bench builds that loop with the machine's Go and
 * times it on the quick start's initial image's tar (MediaWiki-like content, from `shipbench generate`), alternated
 * with `gzip -6 -c` on the same file, and prints the medians, the ratio and the default. It needs Go (Debian:
 * `apt-get install golang-go`); nothing else in the project does.
 *
 *   npx tsx bench/push-compress.ts [runs]      (default 3)
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { median } from 'simple-statistics';
import { resolveModel } from '../src/scenario/model-resolve.ts';

const runs = Math.max(1, Number(process.argv[2] ?? 3) || 3);
if (spawnSync('go', ['version']).status !== 0) {
  console.error('push-compress: this bench needs Go to build dockerd\'s compression loop (Debian: apt-get install golang-go)');
  process.exit(2);
}
const work = mkdtempSync(join(tmpdir(), 'shipbench-bench-push-compress-'));
try {
  const CLI = new URL('../bin/shipbench.js', import.meta.url).pathname;
  const SCENARIO = new URL('../scenarios/quickstart.yaml', import.meta.url).pathname;
  execFileSync(process.execPath, [CLI, 'generate', SCENARIO, '--out', join(work, 'images')], { stdio: 'ignore' });
  // The initial image's one layer of the monolithic strategy: its largest blob.
  const blobs = join(work, 'images', 'monolithic', 'blobs', 'sha256');
  const largest = readdirSync(blobs).map((name) => join(blobs, name)).sort((a, b) => statSync(b).size - statSync(a).size)[0]!;
  const tar = join(work, 'layer.tar');
  execFileSync('sh', ['-c', 'gzip -dc "$1" > "$2"', 'sh', largest, tar]);
  const tarBytes = statSync(tar).size;

  const program = join(work, 'push-gzip');
  writeFileSync(join(work, 'go.mod'), 'module pushgzip\n\ngo 1.19\n');
  writeFileSync(
    join(work, 'main.go'),
    `package main

import (
	"bufio"
	"compress/gzip"
	"io"
	"os"
)

func main() {
	in, err := os.Open(os.Args[1])
	if err != nil {
		panic(err)
	}
	out := bufio.NewWriterSize(io.Discard, 32768)
	gz := gzip.NewWriter(out)
	if _, err := io.Copy(gz, in); err != nil {
		panic(err)
	}
	gz.Close()
	out.Flush()
}
`,
  );
  execFileSync('go', ['build', '-o', program, '.'], { cwd: work, stdio: 'inherit' });

  const timed = (file: string, args: readonly string[]): number => {
    const t0 = performance.now();
    execFileSync(file, args, { stdio: ['ignore', 'ignore', 'inherit'], maxBuffer: 1 << 30 });
    return (performance.now() - t0) / 1000;
  };
  const go: number[] = [];
  const gnu: number[] = [];
  const load0 = loadavg()[0]!;
  for (let i = 0; i < runs; i++) {
    go.push(timed(program, [tar]));
    gnu.push(timed('sh', ['-c', 'gzip -6 -c "$1" > /dev/null', 'sh', tar]));
  }
  const rate = (seconds: number) => tarBytes / seconds / 1e6;
  const model = resolveModel(undefined, { nodes: 1, nicBitsPerSecond: 10e9, diskWriteBytesPerSecond: 1e9 });
  console.log(`tar of the quick start's initial image: ${(tarBytes / 1e6).toFixed(1)} MB, ${runs} runs each, load ${load0.toFixed(1)} -> ${loadavg()[0]!.toFixed(1)}`);
  console.log(`Go compress/gzip (dockerd's push): ${median(go).toFixed(3)} s, ${rate(median(go)).toFixed(1)} MB/s`);
  console.log(`GNU gzip -6 (peer):                ${median(gnu).toFixed(3)} s, ${rate(median(gnu)).toFixed(1)} MB/s`);
  console.log(`Go / GNU speed: ${(median(gnu) / median(go)).toFixed(2)}; model.build.compress default: ${(model.build.compressBytesPerSecond / 1e6).toFixed(1)} MB/s`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
