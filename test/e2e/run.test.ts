import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { runResultsSchema, type RunResults } from '../../src/report/results.ts';
import { CLI_BIN, REPO_ROOT, runCli } from './run-cli.ts';

const run = promisify(execFile);
const TINY = join(REPO_ROOT, 'fixtures/scenarios/valid/tiny-run.yaml');

/**
 * Registries started by the run tagged `tag` (the tag is in their environment, inherited from the CLI):
 * other runs on a shared machine start registries of their own at any moment.
 */
async function registryPids(tag: string): Promise<number[]> {
  const { stdout } = await run('pgrep', ['-x', 'docker-registry']).catch(() => ({ stdout: '' }));
  const pids = stdout.split(/\s+/).filter(Boolean).map(Number);
  const tagged = await Promise.all(pids.map(async (pid) => (await readFile(`/proc/${pid}/environ`, 'latin1').catch(() => '')).split('\0').includes(`${TAG_VAR}=${tag}`)));
  return pids.filter((_, i) => tagged[i]);
}

const TAG_VAR = 'SHIPBENCH_TEST_RUN';
let tags = 0;
const newTag = () => `${process.pid}-${++tags}`;

/** Starts `run` and resolves once the rollout's first step is done (the rollout is in full swing, samples kept). */
async function startRunUntilRollout(scenario: string, out: string, cwd: string, tag: string, extra: readonly string[] = []) {
  const child = spawn(process.execPath, [CLI_BIN, 'run', scenario, '--out', out, ...extra], { cwd, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, [TAG_VAR]: tag } });
  let text = '';
  const exited = new Promise<number>((resolve) => child.on('exit', (code) => resolve(code ?? -1)));
  const rolloutUnderway = new Promise<void>((resolve) => {
    child.stderr.on('data', (d: Buffer) => {
      text += d.toString();
      if (/^ {2}done in /m.test(text)) resolve();
    });
  });
  await Promise.race([rolloutUnderway, exited.then((code) => assert.fail(`run exited (${code}) before the rollout got going:\n${text}`))]);
  return { child, exited, stderr: () => text };
}

/**
 * tiny-run with many repeats, so the rollout is still going when the test strikes, and a small share of its
 * tree, so generating and pushing it before that is quick.
 */
function longTinyRun(tiny: string): string {
  return tiny.replace('measure: { repeat: 2, warmup: 1 }', 'measure: { repeat: 20 }').replace(/scale: [\d.]+/, 'scale: 0.0005');
}

/** tiny-run as it is, but for one measured repeat after the warmup. */
function oneRepeat(tiny: string): string {
  const one = tiny.replace('measure: { repeat: 2, warmup: 1 }', 'measure: { repeat: 1, warmup: 1 }');
  assert.notEqual(one, tiny, 'tiny-run.yaml still says measure: { repeat: 2, warmup: 1 }');
  return one;
}

/** rsync daemons (and their connection children) serving under `dir`: only this run's, not another's. */
async function rsyncDaemonPids(dir: string): Promise<number[]> {
  const { stdout } = await run('pgrep', ['-f', `rsync --daemon --no-detach --config=${dir}`]).catch(() => ({ stdout: '' }));
  return stdout.split(/\s+/).filter(Boolean).map(Number);
}

async function readResults(dir: string): Promise<RunResults> {
  return runResultsSchema.parse(JSON.parse(await readFile(join(dir, 'results.json'), 'utf8')));
}

describe('run: real registry, virtual nodes', { timeout: 600_000 }, () => {
  let work: string;
  before(async () => {
    work = await mkdtemp(join(tmpdir(), 'shipbench-run-'));
  });
  after(async () => {
    await rm(work, { recursive: true, force: true });
  });

  it('pulls every step on every node, syncs it with rsync too, keeps all samples, and leaves no process or node dir behind', async () => {
    const tag = newTag();
    const out = join(work, 'ok');
    // tiny-run with one measured repeat after its warmup, not two: everything below holds per repeat, and
    // each repeat is a dozen seconds of rollouts on a loaded 2-core machine.
    const scenario = join(work, 'tiny-run.yaml');
    await writeFile(scenario, oneRepeat(await readFile(TINY, 'utf8')));
    const result = await runCli(['run', scenario, '--out', out], { cwd: work, timeoutMs: 300_000, env: { [TAG_VAR]: tag } });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /node time p50/);
    const results = await readResults(out);
    assert.equal(results.status, 'completed');
    // (1 warmup + 1 repeat) x (2 strategies + the volume side) x 2 steps, each on 3 nodes
    assert.equal(results.steps.length, 12);
    assert.equal(results.samples.length, 36);
    assert.ok(results.samples.every((s) => s.error === undefined));
    assert.equal(results.steps.filter((s) => s.warmup).length, 6);
    assert.deepEqual([...new Set(results.steps.map((s) => s.repeat))], [0, 1], 'the warmup, then the repeat');
    // The volume side: same sample types, strategy "volume", a backport that moves a sliver of the initial sync.
    const volume = results.steps.filter((s) => s.strategy === 'volume' && !s.warmup);
    assert.equal(volume.length, 2);
    assert.ok(volume.every((s) => s.volume !== undefined && s.versionSkew?.atomicPerNode === false));
    assert.ok(results.steps.filter((s) => s.strategy !== 'volume').every((s) => s.versionSkew?.atomicPerNode === true));
    const synced = (step: string) => results.samples.filter((s) => s.strategy === 'volume' && s.step === step).reduce((n, s) => n + (s.volume?.rsync?.literalBytes ?? 0), 0);
    assert.ok(synced('backport-1') * 100 < synced('initial'), `${synced('backport-1')} vs ${synced('initial')}`);
    assert.equal(results.volume?.proxies, 2);
    assert.match(results.environment.tools.rsync ?? '', /^\d/);
    assert.match(results.environment.tools.gzip ?? '', /^libdeflate level \d #[0-9a-f]{16}$/, 'the compressor the blobs depend on');
    const summary = await readFile(join(out, 'summary.md'), 'utf8');
    assert.match(summary, /## Bytes received per node/);
    assert.match(summary, /\| backport-1 \| [^|]+ \| [^|]+ \(\d[\d.]*x\) \|/);
    assert.match(result.stdout, /received per node, volume vs image/);
    await assert.rejects(stat(join(out, '.volume')));
    assert.deepEqual(await rsyncDaemonPids(out), [], 'every rsync daemon was stopped');
    // The canary starts before the rest: no other node of a step starts before the canary ends.
    for (const step of results.steps) {
      const samples = results.samples.filter((s) => s.strategy === step.strategy && s.step === step.step && s.repeat === step.repeat);
      const canary = samples.find((s) => s.node === 'node-1');
      assert.ok(canary);
      for (const s of samples.filter((x) => x !== canary)) assert.ok(s.startSeconds >= canary.startSeconds + canary.totalSeconds - 1e-3);
    }
    // Caches persist across steps: an incremental backport moves far less than a monolithic one.
    const down = (strategy: string) => results.samples.filter((s) => s.strategy === strategy && s.step === 'backport-1').reduce((n, s) => n + s.bytesDownloaded, 0);
    assert.ok(down('incremental') * 20 < down('monolithic'), `${down('incremental')} vs ${down('monolithic')}`);
    // Every cold initial pull fetched every layer.
    assert.ok(results.samples.filter((s) => s.step === 'initial').every((s) => s.layers.every((l) => l.downloadSeconds > 0)));
    assert.ok(results.phases.some((p) => p.name === 'push'));
    // Registry strain per image step, from the registry's own /proc entry and access log; requests as the nodes sent them.
    for (const step of results.steps.filter((s) => s.strategy !== 'volume')) {
      const r = step.registry;
      assert.ok(r?.process !== undefined && r.served !== undefined && r.client !== undefined, `${step.strategy} ${step.step}`);
      assert.ok(r.process.cpuSeconds > 0 && r.process.peakRssBytes > 0);
      assert.equal(r.served.requests, r.client.requests);
    }
    assert.ok(results.steps.filter((s) => s.strategy === 'volume').every((s) => s.registry === undefined));
    assert.match(result.stdout, /Registry strain/);
    // Node disk after each step: the default GC keeps two images, so no node ever holds more.
    const imageSamples = results.samples.filter((s) => s.strategy !== 'volume');
    assert.ok(imageSamples.every((s) => s.nodeDisk !== undefined && s.nodeDisk.heldBytes > 0 && s.nodeDisk.imagesHeld <= 2));
    assert.match(result.stdout, /Node disk after each step/);
    assert.ok((await readdir(join(out, 'charts'))).includes('node-disk.svg'));
    assert.ok((await readdir(join(out, 'charts'))).includes('registry-strain.svg'));
    assert.ok(results.registry.version !== undefined && results.registry.url.startsWith('http://127.0.0.1:'));
    await assert.rejects(stat(join(out, '.nodes')));
    assert.deepEqual(await registryPids(tag), [], 'the embedded registry was stopped');
    // Everything under --out: the images and trees too, nothing under the working directory's reports/.
    assert.ok((await stat(join(out, 'images', 'monolithic', 'index.json'))).isFile());
    assert.ok((await stat(join(out, 'images', 'trees', 'initial'))).isDirectory());
    await assert.rejects(stat(join(work, 'reports')), 'nothing written under $PWD/reports');

    // Every run leaves the reports beside its results.
    assert.match(await readFile(join(out, 'report.md'), 'utf8'), /^# shipbench report: tiny-run/);
    assert.match(await readFile(join(out, 'report.html'), 'utf8'), /<svg/);
    assert.ok((await readdir(join(out, 'charts'))).filter((f) => f.endsWith('.png')).length >= 4);
    assert.equal((await readFile(join(out, 'samples.csv'), 'utf8')).trimEnd().split('\r\n').length, results.samples.length + 1, 'a header and one row per node sample');
    // Plain progress lines, not terminal bars, when stderr is a pipe.
    assert.doesNotMatch(result.stderr, /\r|\[#+/);

    // compare: this run against the golden one of the same scenario (another real run).
    const compared = await runCli(['compare', join(REPO_ROOT, 'fixtures/reports/tiny-run.json'), join(out, 'results.json')], { cwd: work });
    assert.equal(compared.code, 0, compared.stderr);
    assert.match(compared.stdout, /monolithic +│ initial +│ node time/);
    assert.match(compared.stdout, /incremental +│ backport-1 +│ downloaded per node .*│ +~ +│ p=/, 'the same bytes both times: not significant');
    const md = await runCli(['compare', join(REPO_ROOT, 'fixtures/reports/tiny-run.json'), join(out, 'results.json'), '--format', 'md'], { cwd: work });
    assert.equal(md.code, 0, md.stderr);
    assert.match(md.stdout, /^# shipbench comparison/);
    assert.match(md.stdout, /\| strategy \| step \| metric \| A \| B \| delta \| test \|/);
  });

  it('a registry that dies mid-run: nodes record failures, results are kept, exit code 1, nothing left behind', async () => {
    const tag = newTag();
    const out = join(work, 'dies');
    const scenario = join(work, 'dies.yaml');
    await writeFile(scenario, longTinyRun(await readFile(TINY, 'utf8')));
    const { exited, stderr } = await startRunUntilRollout(scenario, out, work, tag, ['--mechanism', 'image']);
    const ours = await registryPids(tag);
    assert.equal(ours.length, 1, 'the run started one registry');
    process.kill(ours[0] as number, 'SIGKILL');
    const code = await exited;
    assert.equal(code, 1, stderr());
    const results = await readResults(out);
    assert.equal(results.status, 'failed');
    assert.ok(results.samples.some((s) => s.error !== undefined), 'failures are recorded per node');
    assert.ok(results.samples.some((s) => s.error === undefined), 'what was measured before is kept');
    assert.match(results.failure?.message ?? '', /stopped: every node failed/);
    await assert.rejects(stat(join(out, '.nodes')));
    assert.deepEqual(await registryPids(tag), []);
  });

  it('without rsync on PATH: says how to install it, exit 2, before any work', async () => {
    const bin = join(work, 'no-rsync-bin');
    await mkdir(bin, { recursive: true });
    const out = join(work, 'no-rsync');
    const result = await runCli(['run', TINY, '--out', out], { cwd: work, env: { PATH: bin }, timeoutMs: 120_000 });
    assert.equal(result.code, 2, result.stderr);
    assert.match(result.stderr, /rsync/);
    assert.match(result.stderr, /apt-get install rsync/);
    assert.doesNotMatch(result.stderr, /^\s+at /m);
    const doctor = await runCli(['doctor', TINY], { cwd: work, env: { PATH: bin } });
    assert.equal(doctor.code, 2);
    assert.match(doctor.stdout, /rsync .*MISSING.*apt-get install rsync/);
  });

  it('an unreachable external registry is a clear error before anything is generated', async () => {
    const scenario = join(work, 'unreachable.yaml');
    await writeFile(scenario, `${await readFile(TINY, 'utf8')}\nregistry: { url: "http://127.0.0.1:1" }\n`);
    const out = join(work, 'unreachable');
    const result = await runCli(['run', scenario, '--out', out, '--mechanism', 'image'], { cwd: work, timeoutMs: 120_000 });
    assert.equal(result.code, 2, result.stderr);
    assert.match(result.stderr, /127\.0\.0\.1:1/);
    assert.match(result.stderr, /hint: /);
    assert.doesNotMatch(result.stderr, /^\s+at /m);
    assert.deepEqual(await readdir(out), ['.shipbench-out'], 'no image was generated, no results written');
    await assert.rejects(stat(join(work, 'reports')), 'nothing under $PWD/reports');
  });

  it('refuses before any work when the nodes would not fit on the disk, with the numbers', async () => {
    const small = join(work, 'small');
    await mkdir(small);
    await run('mount', ['-t', 'tmpfs', '-o', 'size=4m', 'tmpfs', small]);
    try {
      const result = await runCli(['run', TINY, '--out', join(small, 'out')], { cwd: work, timeoutMs: 120_000 });
      assert.equal(result.code, 2, result.stderr);
      // Refused from the scenario's sizes before the output directory is even made (fleet-capacity.ts).
      assert.match(result.stderr, /3 nodes need at least [\d.]+ MiB on disk .* but only [\d.]+ (MiB|KiB) is free/);
      assert.match(result.stderr, /hint: simulate it instead/);
      assert.deepEqual(await readdir(small), []);
    } finally {
      await run('umount', [small]);
    }
  });
});
