import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, before, describe, it } from 'node:test';
import { TeardownRegistry } from '../../src/core/teardown-registry.ts';
import { ownerOfTag } from '../../src/core/owner-tag.ts';
import { createFleetNetwork } from '../../src/nodes/isolation/fleet-network.ts';
import { sweepLeftovers } from '../../src/nodes/isolation/leftover-sweep.ts';
import { eventually, processAlive } from '../support/live-processes.ts';
import { runCli } from './run-cli.ts';

// SIGKILL is the one end no handler sees: a killed run leaves its engine daemons, their mounts, node disks'
// loop devices, network namespaces, links, cgroups and temp dirs. Each carries its owner's PID in its name;
// the next run's start, or `shipbench doctor --cleanup`, removes those whose owner is dead, and nothing else.

interface Made {
  tag: string;
  namespaces: string[];
  links: string[];
  mountpoint: string;
  loopDevice: string;
  cgroup: string;
  daemonPid: number;
  stateDir: string;
  disksDir: string;
}

const mounted = (path: string) => readFileSync('/proc/self/mountinfo', 'utf8').split('\n').some((l) => l.split(' ')[4] === path);
const loopAttached = (device: string) => execFileSync('losetup', ['-a', '-n', '-O', 'NAME'], { encoding: 'utf8' }).split('\n').some((l) => l.trim() === device);

/** Every piece the owner made, and whether it is still there. */
function present(made: Made): Record<string, boolean> {
  return {
    daemon: processAlive(made.daemonPid),
    namespaces: made.namespaces.every((n) => existsSync(`/run/netns/${n}`)),
    links: made.links.every((l) => existsSync(`/sys/class/net/${l}`)),
    mount: mounted(made.mountpoint),
    loop: loopAttached(made.loopDevice),
    cgroup: existsSync(made.cgroup),
    stateDir: existsSync(made.stateDir),
    disksDir: existsSync(made.disksDir),
  };
}

const none = (made: Made) => Object.fromEntries(Object.keys(present(made)).map((k) => [k, false]));
const all = (made: Made) => Object.fromEntries(Object.keys(present(made)).map((k) => [k, true]));

describe('leftovers of a run killed with SIGKILL', { timeout: 300_000 }, () => {
  let work: string;
  // Shipbench-looking resources that must survive every sweep: a live owner's dir, an old-style name.
  let liveOwnersDir: string;
  const unownedNetns = 'shipbench-ab12-keep';

  before(async () => {
    work = await mkdtemp(join(process.cwd(), '.test-leftovers-'));
    liveOwnersDir = join(tmpdir(), `sbe-${process.pid}-keepme`);
    await mkdir(liveOwnersDir, { recursive: true });
    execFileSync('ip', ['netns', 'add', unownedNetns]);
  });
  after(async () => {
    execFileSync('ip', ['netns', 'del', unownedNetns]);
    await rm(liveOwnersDir, { recursive: true, force: true });
    await rm(work, { recursive: true, force: true });
  });

  /** Starts the owner, waits for what it made, kills it with SIGKILL. */
  async function killedRun(name: string): Promise<Made> {
    const dir = join(work, name);
    await mkdir(dir, { recursive: true });
    const child = spawn(process.execPath, ['--import', 'tsx', join('test', 'support', 'leftovers-owner.ts'), dir], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    const line = await new Promise<string | undefined>((resolve) => {
      createInterface({ input: child.stdout }).once('line', resolve);
      child.once('exit', () => resolve(undefined));
    });
    assert.ok(line !== undefined, `the owner made nothing: ${stderr}`);
    const made = JSON.parse(line) as Made;
    child.kill('SIGKILL');
    await exited;
    assert.deepEqual(present(made), all(made), 'SIGKILL ran no handler: everything is still there');
    return made;
  }

  it('`shipbench doctor --cleanup` removes each piece, says what and whose, and leaves live or unmarked ones alone', async () => {
    const made = await killedRun('doctor');
    const result = await runCli(['doctor', '--cleanup'], { timeoutMs: 120_000 });
    assert.equal(result.code, 0, result.stderr);
    assert.ok(await eventually(() => !processAlive(made.daemonPid), 5_000));
    assert.deepEqual(present(made), none(made), result.stdout);
    for (const piece of ['engine process', 'mount', 'loop device', 'network namespace', 'link', 'cgroup', 'directory']) {
      assert.match(result.stdout, new RegExp(`^│ ${piece} +│ \\S`, 'm'), `${piece} is listed:\n${result.stdout}`);
    }
    assert.match(result.stdout, new RegExp(`^│ network namespace +│ ${made.namespaces[1]} +│ \\d+`, 'm'));
    assert.ok(existsSync(liveOwnersDir), 'a dir whose owner runs is not touched');
    assert.ok(existsSync(`/run/netns/${unownedNetns}`), 'a name that carries no owner is not touched');
  });

  it('two sweeps at once (two runs starting together) both end without a failure, and nothing is left', async () => {
    const made = await killedRun('two-sweeps');
    const results = await Promise.all([sweepLeftovers(), sweepLeftovers()]);
    assert.deepEqual(results.map((r) => r.failures), [[], []]);
    assert.ok(await eventually(() => !processAlive(made.daemonPid), 5_000));
    assert.deepEqual(present(made), none(made));
    const kinds = new Set(results.flatMap((r) => r.removed.filter((p) => p.ownerPid === ownerOfTag(made.tag)).map((p) => p.kind)));
    assert.deepEqual([...kinds].sort(), ['cgroup', 'directory', 'engine process', 'link', 'loop device', 'mount', 'network namespace'].sort());
  });

  it('the next run\'s start sweeps them before making its own', async () => {
    const made = await killedRun('next-start');
    const teardown = new TeardownRegistry();
    try {
      const network = await createFleetNetwork({ nodeNames: ['node-1'], nicBitsPerSecond: undefined, registryEgressBitsPerSecond: undefined, teardown });
      assert.notEqual(network.id, made.tag);
      assert.ok(await eventually(() => !processAlive(made.daemonPid), 5_000));
      assert.deepEqual(present(made), none(made));
      assert.ok(existsSync(`/run/netns/${network.nodes.get('node-1')?.netns}`), 'the new run has its own namespace');
    } finally {
      assert.deepEqual(await teardown.teardown(), []);
    }
    assert.ok(existsSync(liveOwnersDir) && existsSync(`/run/netns/${unownedNetns}`));
  });
});
