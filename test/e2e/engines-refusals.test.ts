import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { CLI_BIN, REPO_ROOT } from './run-cli.ts';

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
});
