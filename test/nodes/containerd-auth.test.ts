import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { after, before, describe, it } from 'node:test';
import { TeardownRegistry } from '../../src/core/teardown-registry.ts';
import { startEngineFleet } from '../../src/nodes/engines/engine-fleet.ts';
import type { NodeBackend } from '../../src/nodes/node-backend.ts';
import { DistributionClient } from '../../src/registry/distribution-client.ts';
import { startEmbeddedRegistry } from '../../src/registry/embedded-registry.ts';
import { pushLayoutImage } from '../../src/registry/push-layout.ts';
import { generateTinyLayouts, htpasswdFile } from '../support/registry-process.ts';
import { smallScenario } from '../support/scenarios.ts';

const USER = 'deployer';
const PASSWORD = 'ctr-must-not-show-this-7f3a';
const REPOSITORY = 'shipbench/auth';
const isRoot = process.getuid?.() === 0;

/** A PID no process has: the highest PID the kernel may hand out is below it. */
function deadPid(): number {
  const max = Number(readFileSync('/proc/sys/kernel/pid_max', 'utf8'));
  return max + 1;
}

/**
 * A containerd node pulling from a real htpasswd registry: the pull must succeed with the credentials, and
 * no `ctr` process may carry them in its argv (which `ps` shows every user). A `ctr` wrapper first on
 * PATH records every argv exactly, then runs the real ctr.
 */
describe('containerd nodes keep registry credentials off ctr\'s command line', { skip: isRoot ? false : 'needs root (containerd)', timeout: 300_000 }, () => {
  let work: string;
  let argvLog: string;
  const teardown = new TeardownRegistry();
  let node: NodeBackend;
  const savedPath = process.env.PATH;

  before(async () => {
    work = await mkdtemp(join(tmpdir(), 'shipbench-ctr-auth-test-'));
    argvLog = join(work, 'ctr-argv.log');
    const wrapper = join(work, 'bin', 'ctr');
    await mkdir(join(work, 'bin'));
    const realCtr = (process.env.PATH ?? '').split(':').map((d) => join(d, 'ctr')).find((p) => p !== wrapper && existsSync(p)) ?? '/usr/bin/ctr';
    await writeFile(wrapper, `#!/bin/sh\nprintf '%s\\n' "$*" >> '${argvLog}'\nexec '${realCtr}' "$@"\n`);
    await chmod(wrapper, 0o755);
    process.env.PATH = `${join(work, 'bin')}:${savedPath ?? ''}`;

    const file = await htpasswdFile(work, USER, PASSWORD);
    const [layout, registry] = await Promise.all([generateTinyLayouts(join(work, 'images')), startEmbeddedRegistry({ auth: { htpasswd: { file } } })]);
    teardown.add('registry', () => registry.stop());
    const client = new DistributionClient({ baseUrl: registry.url, auth: { username: USER, password: PASSWORD } });
    teardown.add('client', () => client.close());
    await pushLayoutImage(client, layout, 'initial', REPOSITORY);
    const scenario = smallScenario({ image: { strategies: ['monolithic'], repository: REPOSITORY }, fleet: { nodes: 1, backend: ['containerd'] } });
    [node] = (await startEngineFleet({
      scenario,
      backend: 'containerd',
      nodeNames: ['node-1'],
      workDir: join(work, 'fleet'),
      network: undefined,
      registry: { client, hostForNodes: new URL(registry.url).host, plainHttp: true, auth: { username: USER, password: PASSWORD } },
      diskBytesPerNode: 1024 ** 3,
      teardown,
    })) as [NodeBackend];
  });

  after(async () => {
    process.env.PATH = savedPath;
    const failures = await teardown.teardown();
    assert.deepEqual(failures, []);
    await rm(work, { recursive: true, force: true });
  });

  it('pulls with the credentials; no ctr argv holds the password (nor its base64); the auth file is gone after the pull', async () => {
    // What a SIGKILLed shipbench left (its PID is gone) is swept; a live owner's dir is kept.
    const dead = await mkdtemp(join(tmpdir(), `shipbench-ctr-auth-${deadPid()}-`));
    const live = await mkdtemp(join(tmpdir(), `shipbench-ctr-auth-${process.pid}-keep-`));
    const sample = await node.deploy({ repository: REPOSITORY, tag: 'initial', step: 'initial', strategy: 'monolithic', repeat: 0, runStartMs: performance.now() });
    assert.equal(sample.error, undefined, sample.error);
    assert.ok(sample.bytesDownloaded > 0);
    const log = await readFile(argvLog, 'utf8');
    const pulls = log.split('\n').filter((l) => l.includes('images pull'));
    assert.equal(pulls.length, 1, log);
    assert.ok(!log.includes(PASSWORD), 'the password is on no ctr command line');
    assert.ok(!log.includes(Buffer.from(`${USER}:${PASSWORD}`).toString('base64')), 'nor its Basic encoding');
    assert.doesNotMatch(log, /--user/);
    const hostsDir = /--hosts-dir (\S+)/.exec(pulls[0] as string)?.[1];
    assert.ok(hostsDir !== undefined, pulls[0]);
    await assert.rejects(stat(hostsDir), 'the private hosts.toml was removed after the pull');
    await assert.rejects(stat(dead), 'a dead owner\'s credentials dir was swept');
    assert.ok((await stat(live)).isDirectory(), 'a live owner\'s dir is left alone');
    await rm(live, { recursive: true, force: true });
  });
});
