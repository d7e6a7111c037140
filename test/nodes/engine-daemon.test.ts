import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { test } from 'node:test';
import { eventually, processAlive } from '../support/live-processes.ts';

test('an engine daemon dies with a shipbench killed by SIGKILL (parent-death signal), not at the next sweep', async () => {
  const work = await mkdtemp(join(tmpdir(), 'shipbench-engine-daemon-'));
  let daemonPid: number | undefined;
  try {
    const owner = spawn(process.execPath, ['--import', 'tsx', join('test', 'support', 'engine-daemon-owner.ts'), work], { stdio: ['ignore', 'pipe', 'inherit'] });
    const exited = new Promise<void>((resolve) => owner.once('exit', () => resolve()));
    const line = await new Promise<string | undefined>((resolve) => {
      createInterface({ input: owner.stdout }).once('line', resolve);
      owner.once('exit', () => resolve(undefined));
    });
    assert.ok(line !== undefined, 'the owner started no daemon');
    daemonPid = Number(line);
    assert.ok(processAlive(daemonPid), 'the daemon runs while its owner does');
    owner.kill('SIGKILL');
    await exited;
    assert.ok(await eventually(() => !processAlive(daemonPid as number), 5_000), `daemon ${daemonPid} outlived its owner`);
  } finally {
    if (daemonPid !== undefined && processAlive(daemonPid)) process.kill(daemonPid, 'SIGKILL');
    await rm(work, { recursive: true, force: true });
  }
});
