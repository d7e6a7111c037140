import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, watch } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runResultsSchema, type RunResults } from '../../src/report/results.ts';
import { type EmbeddedRegistry, startEmbeddedRegistry } from '../../src/registry/embedded-registry.ts';
import { startSlowRegistryProxy } from '../support/slow-registry-proxy.ts';
import { CLI_BIN, REPO_ROOT } from './run-cli.ts';

// SIGINT and SIGTERM in each phase of `run`: results.json says interrupted and keeps every finished sample,
// the CLI exits 130 within 5 s, and nothing it started is left running. The phase is recognised from the
// run's own progress lines or results.json, never from a guessed delay.

const TINY = join(REPO_ROOT, 'fixtures/scenarios/valid/tiny-run.yaml');
const TAG_VAR = 'SHIPBENCH_TEST_RUN';
const EXIT_WITHIN_MS = 5_000;

/** Live processes (not zombies) whose environment carries the run's tag: whatever the CLI started. */
async function taggedProcesses(tag: string): Promise<number[]> {
  const pids: number[] = [];
  for (const name of await readdir('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const environ = await readFile(`/proc/${name}/environ`, 'latin1').catch(() => '');
    if (!environ.split('\0').includes(`${TAG_VAR}=${tag}`)) continue;
    const stat = await readFile(`/proc/${name}/stat`, 'utf8').catch(() => '');
    const state = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0];
    if (stat !== '' && state !== 'Z' && state !== 'X') pids.push(Number(name));
  }
  return pids;
}

async function readResults(out: string): Promise<RunResults | undefined> {
  const text = await readFile(join(out, 'results.json'), 'utf8').catch(() => undefined);
  return text === undefined ? undefined : runResultsSchema.parse(JSON.parse(text));
}

interface Interrupted {
  readonly code: number | null;
  readonly exitMs: number;
  readonly stderr: string;
  /** results.json as it was on disk when the signal was sent (undefined: not written yet). */
  readonly before: RunResults | undefined;
  readonly results: RunResults;
  readonly left: number[];
  /** The run's --out. */
  readonly out: string;
}

/**
 * Runs `run` and sends `signal` once `ready` holds: checked on every progress line and on every change of
 * results.json. Returns how and how fast it ended.
 */
async function interruptWhen(
  work: string,
  name: string,
  scenarioText: string,
  args: readonly string[],
  signal: 'SIGINT' | 'SIGTERM',
  ready: (stderr: string, results: RunResults | undefined) => boolean,
  /** Hands over the readiness check, for a ready condition that no progress line or results change marks. */
  poke?: (check: () => void) => void,
): Promise<Interrupted> {
  const scenario = join(work, `${name}.yaml`);
  await writeFile(scenario, scenarioText);
  const out = join(work, name);
  await mkdir(out, { recursive: true });
  const tag = `${process.pid}-${name}`;
  const child = spawn(process.execPath, [CLI_BIN, 'run', scenario, '--out', out, ...args], { cwd: work, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, [TAG_VAR]: tag } });
  let stderr = '';
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  let sentAt: number | undefined;
  let before: RunResults | undefined;
  const signalled = new Promise<void>((resolve) => {
    const check = async () => {
      if (sentAt !== undefined) return;
      const results = await readResults(out).catch(() => undefined);
      if (sentAt !== undefined || !ready(stderr, results)) return;
      sentAt = Date.now();
      before = results;
      child.kill(signal);
      resolve();
    };
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      void check();
    });
    const watcher = watch(out, () => void check());
    poke?.(() => void check());
    void exited.then(() => watcher.close());
  });
  await Promise.race([signalled, exited.then((code) => assert.fail(`run exited (${code}) before it was signalled:\n${stderr}`))]);
  const code = await exited;
  const exitMs = Date.now() - (sentAt as number);
  const results = await readResults(out);
  assert.ok(results !== undefined, `no results.json:\n${stderr}`);
  // What the run started is stopped by PID before it exits; give the kernel a moment to reap the last ones.
  let left = await taggedProcesses(tag);
  for (let i = 0; i < 40 && left.length > 0; i++) {
    await new Promise((r) => setTimeout(r, 50));
    left = await taggedProcesses(tag);
  }
  return { code, exitMs, stderr, before, results, left, out };
}

/** What every interrupted run must show, whatever the phase. */
async function assertInterrupted(r: Interrupted): Promise<void> {
  assert.equal(r.code, 130, r.stderr);
  assert.ok(r.exitMs <= EXIT_WITHIN_MS, `exited ${r.exitMs} ms after the signal:\n${r.stderr}`);
  assert.equal(r.results.status, 'interrupted');
  // Every sample on disk before the signal is still there: nothing measured is lost.
  const key = (s: RunResults['samples'][number]) => `${s.strategy}/${s.step}/${s.repeat}/${s.node}`;
  const after = new Set(r.results.samples.map(key));
  for (const s of r.before?.samples ?? []) assert.ok(after.has(key(s)), `sample ${key(s)} was lost`);
  assert.deepEqual(r.left, [], 'processes the run started are still running');
  // The nodes' disks and the volume side's master and proxy trees go with the run.
  for (const work of ['.nodes', '.volume']) await assert.rejects(stat(join(r.out, work)), `${work} is left under --out`);
}

describe('run: SIGINT and SIGTERM in each phase', { timeout: 600_000 }, () => {
  let work: string;
  let tiny: string;
  let long: string;
  before(async () => {
    work = await mkdtemp(join(tmpdir(), 'shipbench-run-signals-'));
    tiny = await readFile(TINY, 'utf8');
    // Many repeats, so the rollout is still going whenever the signal comes; a small share of tiny-run's tree,
    // so each run (and its teardown) is quick.
    long = tiny.replace('measure: { repeat: 2, warmup: 1 }', 'measure: { repeat: 20 }').replace(/scale: [\d.]+/, 'scale: 0.0005');
  });
  after(async () => {
    await rm(work, { recursive: true, force: true });
  });

  it('generate (SIGTERM): interrupted before any phase, results.json says so', async () => {
    // tiny-run's own tree, written from scratch: generating takes a while after it says what it will write.
    const r = await interruptWhen(work, 'generate', tiny, ['--mechanism', 'image'], 'SIGTERM', (stderr) => /distinct layers/.test(stderr));
    await assertInterrupted(r);
    assert.equal(r.results.failure?.phase, 'generate');
    assert.deepEqual(r.results.phases, []);
  });

  it('push (SIGINT): the registry phase is kept, the registry is gone', async () => {
    const r = await interruptWhen(work, 'push', long, ['--mechanism', 'image'], 'SIGINT', (_, results) => results?.phases.length === 1);
    await assertInterrupted(r);
    assert.deepEqual(r.before?.phases.map((p) => p.name), ['registry']);
    assert.equal(r.results.phases[0]?.name, 'registry');
  });

  it('rollout (SIGTERM): the nodes stop at once, every finished sample is kept', async () => {
    const r = await interruptWhen(work, 'rollout', long, ['--mechanism', 'image'], 'SIGTERM', (_, results) => (results?.samples.length ?? 0) >= 6);
    await assertInterrupted(r);
    assert.ok(r.results.samples.length >= 6);
    assert.ok(r.results.samples.every((s) => s.error === undefined), 'a node cut short by the signal is not a failed measurement');
  });

  it('volume (SIGINT): rsync daemons stopped, every finished sync kept', async () => {
    const r = await interruptWhen(work, 'volume', long, ['--mechanism', 'volume'], 'SIGINT', (_, results) => (results?.samples.length ?? 0) >= 6);
    await assertInterrupted(r);
    assert.ok(r.results.samples.length >= 6 && r.results.samples.every((s) => s.strategy === 'volume' && s.error === undefined));
    assert.deepEqual(r.results.phases, [], 'the image side (registry, push) did not run');
  });

  it('neighbours (SIGTERM): the neighbours\' start is cut short and their processes are gone', async () => {
    const text = `${long}\nneighbours: { baseline: 3s, recovery: 3s, workloads: [{ http: { rate: 20, probe: 1s } }] }\n`;
    const r = await interruptWhen(work, 'neighbours', text, ['--mechanism', 'image'], 'SIGTERM', (stderr) => /neighbours: started/.test(stderr));
    await assertInterrupted(r);
  });

  it('teardown of the image side (SIGINT): the volume side never starts', async () => {
    // The least image side that has a teardown: one strategy, its steps once (no warmup).
    const text = long.replace('measure: { repeat: 20 }', 'measure: { repeat: 1, warmup: 0 }').replace(/^image: .*$/m, 'image: { strategies: [monolithic] }');
    assert.ok(text.includes('measure: { repeat: 1, warmup: 0 }') && text.includes('image: { strategies: [monolithic] }'), text);
    const r = await interruptWhen(work, 'teardown', text, [], 'SIGINT', (stderr) => /teardown: image side/.test(stderr));
    await assertInterrupted(r);
    assert.ok(r.results.samples.length > 0 && r.results.samples.every((s) => s.strategy !== 'volume'));
  });

  it('engine rollout (SIGINT, root): a docker pull in flight is abandoned, dockerd stopped, exit 130 in 5 s', { skip: engineSkip() }, async () => {
    let registry: EmbeddedRegistry | undefined;
    let poked: (() => void) | undefined;
    // 32 KiB/s for the engine's blobs: its pull would take about a minute; the signal comes as its first bytes flow.
    const proxy = await startSlowRegistryProxy(new URL((registry = await startEmbeddedRegistry()).url), 32 * 1024, () => poked?.());
    try {
      const text = long
        .replace('measure: { repeat: 20 }', 'measure: { repeat: 1 }')
        .replace(/^image: .*$/m, 'image: { strategies: [monolithic] }')
        .replace(/^fleet:\n( {2}.*\n)+/m, 'fleet: { nodes: 1, backend: docker }\n');
      const r = await interruptWhen(work, 'engine', `${text}registry: { url: "${proxy.url}" }\n`, ['--mechanism', 'image'], 'SIGINT', () => proxy.engineBlobFlowing(), (check) => (poked = check));
      await assertInterrupted(r);
      assert.ok(r.results.phases.some((p) => p.name === 'engines'), 'the signal came during the engines\' rollout');
      assert.deepEqual(r.results.samples, [], 'the node cut short is not a measurement');
    } finally {
      await proxy.close();
      await registry?.stop();
    }
  });
});

/** The engine case needs root and dockerd, like every real-engine test. */
function engineSkip(): string | false {
  if (process.getuid?.() !== 0) return 'needs root (dockerd)';
  return (process.env.PATH ?? '').split(':').some((d) => existsSync(join(d, 'dockerd'))) ? false : 'needs dockerd';
}
