/**
 * What Wikimedia's image build costs per tar byte, measured on the quick start's initial tree (MediaWiki-like
 * content, from `shipbench generate`), beside the model's defaults (model.build.commit and .compress):
 * - Go's compress/gzip at its default level behind a 32 KiB bufio.Writer, as dockerd gzips what it pushes
 *   (distribution/push_v2.go, `compress`), built with the machine's Go; GNU `gzip -6` on the same tar is the peer;
 * - with dockerd and docker-registry at hand (as root), the build's own steps on a dockerd of its own: the tree
 *   copied into a container, `docker commit` (dockerd tars the container's changes and untars them into a new
 *   layer, digesting them beside) and `docker push` to a registry of its own on loopback (dockerd reads the layer
 *   back as a tar from its files and gzips it), each push into an empty registry.
 * Each figure is the median of `runs`; the load average is printed, as other processes' turns count in wall time.
 * Needs Go (Debian: `apt-get install golang-go`); the docker half is skipped, saying why, without dockerd.
 *
 *   npx tsx bench/image-build-costs.ts [runs]      (default 3)
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { median } from 'simple-statistics';
import { TeardownRegistry } from '../src/core/teardown-registry.ts';
import { startEngineDaemon } from '../src/nodes/engines/engine-daemon.ts';
import { startEmbeddedRegistry } from '../src/registry/embedded-registry.ts';
import { resolveModel } from '../src/scenario/model-resolve.ts';

const runs = Math.max(1, Number(process.argv[2] ?? 3) || 3);
if (spawnSync('go', ['version']).status !== 0) {
  console.error('image-build-costs: this bench needs Go to build dockerd\'s compression loop (Debian: apt-get install golang-go)');
  process.exit(2);
}

const GO_PROGRAM = `package main

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
`;

const work = mkdtempSync(join(tmpdir(), 'shipbench-bench-build-'));
const teardown = new TeardownRegistry();
const timed = (file: string, args: readonly string[], env?: NodeJS.ProcessEnv): number => {
  const t0 = performance.now();
  execFileSync(file, args, { stdio: ['ignore', 'ignore', 'inherit'], env: env ?? process.env });
  return (performance.now() - t0) / 1000;
};

/**
 * The build on a dockerd of its own (started and ended as a docker node's is), pushing to the project's embedded
 * registry: commit and push seconds of the tree, or why they were not measured.
 */
async function dockerBuild(tree: string): Promise<{ commit: number[]; push: number[] } | string> {
  if (process.getuid?.() !== 0) return 'not root';
  for (const tool of ['dockerd', 'docker', 'docker-registry']) if (spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0) return `no ${tool}`;
  const socket = join(work, 'docker.sock');
  const env = { ...process.env, DOCKER_HOST: `unix://${socket}` };
  const docker = (...args: string[]) => execFileSync('docker', args, { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
  await startEngineDaemon({
    label: 'the bench\'s dockerd',
    command: 'dockerd',
    args: ['--data-root', join(work, 'docker'), '--exec-root', join(work, 'exec'), '--pidfile', join(work, 'dockerd.pid'), '-H', `unix://${socket}`, '--bridge=none', '--iptables=false', '--ip6tables=false'],
    logFile: join(work, 'dockerd.log'),
    netnsPath: undefined,
    cgroupDir: undefined,
    childPidFiles: [join(work, 'exec', 'containerd', 'containerd.pid')],
    ready: async () => spawnSync('docker', ['version'], { env, stdio: 'ignore' }).status === 0,
    teardown,
  });
  // A one-file base image: the container the tree is copied into, as build-image-incr rsyncs into its base's.
  mkdirSync(join(work, 'base'));
  writeFileSync(join(work, 'base', 'x'), 'x\n');
  execFileSync('tar', ['-cf', join(work, 'base.tar'), '-C', join(work, 'base'), 'x']);
  docker('import', '--change', 'CMD ["/x"]', join(work, 'base.tar'), 'base:1');
  const commit: number[] = [];
  const push: number[] = [];
  for (let r = 0; r < runs; r++) {
    const container = docker('create', 'base:1');
    docker('cp', tree, `${container}:/srv`);
    execFileSync('sync');
    // Each push into a registry of its own, empty: nothing there to skip or mount.
    const registry = await startEmbeddedRegistry();
    const image = `127.0.0.1:${registry.port}/tree:${r}`;
    commit.push(timed('docker', ['commit', container, image], env));
    docker('rm', container);
    push.push(timed('docker', ['push', '--quiet', image], env));
    await registry.stop();
    docker('rmi', image);
  }
  return { commit, push };
}

try {
  const CLI = new URL('../bin/shipbench.js', import.meta.url).pathname;
  const SCENARIO = new URL('../scenarios/quickstart.yaml', import.meta.url).pathname;
  execFileSync(process.execPath, [CLI, 'generate', SCENARIO, '--out', join(work, 'images')], { stdio: 'ignore' });
  // The initial image's one layer of the monolithic strategy: its largest blob, as a tar and as a tree.
  const blobs = join(work, 'images', 'monolithic', 'blobs', 'sha256');
  const largest = readdirSync(blobs).map((name) => join(blobs, name)).sort((a, b) => statSync(b).size - statSync(a).size)[0]!;
  const tar = join(work, 'layer.tar');
  execFileSync('sh', ['-c', 'gzip -dc "$1" > "$2"', 'sh', largest, tar]);
  const tarBytes = statSync(tar).size;
  const tree = join(work, 'tree');
  mkdirSync(tree);
  execFileSync('tar', ['-xf', tar, '-C', tree]);
  const files = Number(execFileSync('sh', ['-c', 'find "$1" -type f | wc -l', 'sh', tree], { encoding: 'utf8' }).trim());

  writeFileSync(join(work, 'go.mod'), 'module pushgzip\n\ngo 1.19\n');
  writeFileSync(join(work, 'main.go'), GO_PROGRAM);
  const program = join(work, 'push-gzip');
  execFileSync('go', ['build', '-o', program, '.'], { cwd: work, stdio: 'inherit' });

  const load0 = loadavg()[0]!;
  const go: number[] = [];
  const gnu: number[] = [];
  for (let i = 0; i < runs; i++) {
    go.push(timed(program, [tar]));
    gnu.push(timed('sh', ['-c', 'gzip -6 -c "$1" > /dev/null', 'sh', tar]));
  }
  const built = await dockerBuild(tree);
  const rate = (seconds: number) => `${(tarBytes / seconds / 1e6).toFixed(1)} MB/s`;
  const model = resolveModel(undefined, { nodes: 1, nicBitsPerSecond: 10e9, diskWriteBytesPerSecond: 1e9 });
  console.log(`the quick start's initial tree: ${(tarBytes / 1e6).toFixed(1)} MB of tar, ${files} files; ${runs} runs each, load ${load0.toFixed(1)} -> ${loadavg()[0]!.toFixed(1)}`);
  console.log(`Go compress/gzip (dockerd's loop): ${median(go).toFixed(3)} s, ${rate(median(go))}`);
  console.log(`GNU gzip -6 (peer):                ${median(gnu).toFixed(3)} s, ${rate(median(gnu))}; Go / GNU speed ${(median(gnu) / median(go)).toFixed(2)}`);
  if (typeof built === 'string') console.log(`docker commit and push: not measured (${built})`);
  else {
    console.log(`docker commit:                     ${median(built.commit).toFixed(3)} s, ${rate(median(built.commit))} (${built.commit.map((s) => s.toFixed(2)).join(', ')} s)`);
    console.log(`docker push (loopback registry):   ${median(built.push).toFixed(3)} s, ${rate(median(built.push))} (${built.push.map((s) => s.toFixed(2)).join(', ')} s); push / Go's gzip loop ${(median(built.push) / median(go)).toFixed(2)}`);
  }
  console.log(`model defaults: build.commit ${(model.build.commitBytesPerSecond / 1e6).toFixed(1)} MB/s, build.compress ${(model.build.compressBytesPerSecond / 1e6).toFixed(1)} MB/s`);
} finally {
  await teardown.teardown();
  rmSync(work, { recursive: true, force: true });
}
