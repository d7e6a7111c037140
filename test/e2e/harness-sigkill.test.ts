import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, before, test } from 'node:test';
import { startEmbeddedRegistry } from '../../src/registry/embedded-registry.ts';
import { eventually, liveProcessesWith, processAlive } from '../support/live-processes.ts';

// SIGKILL is the one end no exit or signal handler sees (an OOM kill, a CI timeout). What shipbench started
// must die with it anyway (a parent-death signal), and the registry's temp dir must not pile up in /tmp.

let dir: string;
before(async () => {
  dir = await mkdtemp(join(process.cwd(), '.test-harness-sigkill-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

test('shipbench killed with SIGKILL takes its registry, rsync daemon and fio neighbour with it; the next registry start removes the stale temp dir', async () => {
  const child = spawn(process.execPath, ['--import', 'tsx', join('test', 'support', 'sigkill-harness.ts'), dir], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const fioFragment = `--directory=${join(dir, 'fio')}`;
  let started: { registryPid: number; registryTempDir: string; rsyncPid: number } | undefined;
  try {
    const line = await new Promise<string | undefined>((resolve) => {
      createInterface({ input: child.stdout }).once('line', resolve);
      child.once('exit', () => resolve(undefined));
    });
    assert.ok(line !== undefined, `the harness started nothing: ${stderr}`);
    const running = JSON.parse(line) as NonNullable<typeof started>;
    started = running;
    // fio is spawned through a parent-death wrapper: on a loaded machine it may take a moment to be there.
    const allRun = () => processAlive(running.registryPid) && processAlive(running.rsyncPid) && liveProcessesWith(fioFragment).length === 1;
    assert.ok(await eventually(allRun, 5000),
      `not all three run: registry ${processAlive(running.registryPid)}, rsync ${processAlive(running.rsyncPid)}, fio ${liveProcessesWith(fioFragment).join(', ') || 'none'}`);
    assert.ok(existsSync(started.registryTempDir));

    child.kill('SIGKILL');
    const { registryPid, rsyncPid } = started;
    assert.ok(await eventually(() => !processAlive(registryPid) && !processAlive(rsyncPid) && liveProcessesWith(fioFragment).length === 0, 5000),
      `left running: registry ${processAlive(registryPid)}, rsync ${processAlive(rsyncPid)}, fio ${liveProcessesWith(fioFragment).join(', ')}`);
    assert.ok(existsSync(started.registryTempDir), 'no handler ran, so the temp dir is still there');

    const next = await startEmbeddedRegistry();
    await next.stop();
    assert.equal(existsSync(started.registryTempDir), false, 'the next registry start swept the dead one\'s temp dir');
  } finally {
    child.kill('SIGKILL');
    for (const pid of [started?.registryPid, started?.rsyncPid, ...liveProcessesWith(fioFragment)]) {
      try {
        if (pid !== undefined) process.kill(pid, 'SIGKILL');
      } catch {
        // gone, as it should be
      }
    }
    if (started !== undefined) await rm(started.registryTempDir, { recursive: true, force: true });
  }
});
