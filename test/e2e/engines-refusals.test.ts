import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { chmod, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { CLI_BIN, REPO_ROOT, runCli } from './run-cli.ts';

/** Real engines need root: `doctor` and `run` as an unprivileged user name the missing piece and exit 2. */

const SCENARIO = join(REPO_ROOT, 'scenarios/engines-emulated.yaml');

function asNobody(args: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, CLI_BIN, ...args], { cwd: '/tmp', timeout: 120_000 }, (error, stdout, stderr) => {
      resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : -1, stdout, stderr });
    });
  });
}

describe('real engines without root', { skip: process.getuid?.() === 0 ? false : 'needs root to drop to an unprivileged user' }, () => {
  test('doctor lists root as MISSING and exits 2', async () => {
    const r = await asNobody(['doctor', SCENARIO]);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stdout, /│ root\s+│ MISSING │ running as uid 65534/);
    assert.match(r.stderr, /missing for fleet\.backend virtual, docker, containerd: root/);
  });

  test('run refuses before generating anything, naming root and the fix', async () => {
    const r = await asNobody(['run', SCENARIO, '--out', '/tmp/shipbench-nobody-run']);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /lacks what fleet\.backend virtual, docker, containerd with netns isolation needs/);
    assert.match(r.stderr, /root: running as uid 65534; fix: run as root/);
    assert.doesNotMatch(r.stderr, /at .*\.ts:\d+/, 'no stack trace');
  });

  test('virtual nodes on disks of their own (fleet.node.disk.own) need root too: run says so before any work', async () => {
    const work = await mkdtemp(join(tmpdir(), 'shipbench-nobody-own-'));
    try {
      await chmod(work, 0o755);
      const scenario = join(work, 'own.yaml');
      await writeFile(scenario, 'name: own\nfleet:\n  node:\n    disk: { own: true }\n');
      const r = await asNobody(['run', scenario, '--out', join(work, 'out')]);
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, /lacks what fleet\.backend virtual with own node disks needs/);
      assert.match(r.stderr, /root: running as uid 65534; fix: run as root \(sudo\): virtual nodes with fleet\.node\.disk\.own each mount a loop-device disk/);
      assert.deepEqual(await readdir(work), ['own.yaml'], 'nothing generated');
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  });
});

/** A port nothing listens on: bound, then released. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('fleet.hosts checked before any work', () => {
  test('run with a remote engine that does not answer refuses before generating or pushing anything', async () => {
    const work = await mkdtemp(join(tmpdir(), 'shipbench-host-preflight-'));
    try {
      const port = await closedPort();
      const tiny = await readFile(join(REPO_ROOT, 'fixtures/scenarios/valid/tiny-run.yaml'), 'utf8');
      const scenario = join(work, 'remote.yaml');
      await writeFile(scenario, `${tiny.replace(/^fleet:\n( {2}.*\n)+/m, '')}fleet:\n  backend: docker\n  hosts:\n    - tcp: tcp://127.0.0.1:${port}\n`);
      const out = join(work, 'out');
      const r = await runCli(['run', scenario, '--out', out, '--mechanism', 'image'], { cwd: work, timeoutMs: 120_000 });
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, new RegExp(`fleet\\.hosts\\[0\\] tcp://127\\.0\\.0\\.1:${port}: no Docker Engine answers there`));
      assert.doesNotMatch(r.stderr, /distinct layers|at .*\.ts:\d+/, 'nothing generated, no stack trace');
      assert.deepEqual(await readdir(out), ['.shipbench-out'], 'no images, no results: only the output marker');
      assert.deepEqual((await readdir(work)).sort(), ['out', 'remote.yaml'], 'nothing written beside --out');
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  });
});
