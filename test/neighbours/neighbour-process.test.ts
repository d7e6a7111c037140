import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { FioNeighbour } from '../../src/neighbours/fio-neighbour.ts';
import { resolveNeighbours } from '../../src/scenario/neighbours-resolve.ts';
import { eventually, liveProcessesWith } from '../support/live-processes.ts';

// A neighbour left running after shipbench is gone goes on loading the machine: fio's step runs are
// time-based with a day's runtime, stopped by signal. These tests use the real fio and look in /proc for
// anything left of it, by the directory only its command line names.

let root: string;
before(async () => {
  // A real disk, as the neighbours use (fio lays its file out and does direct I/O here).
  root = await mkdtemp(join(process.cwd(), '.test-neighbour-process-'));
});
after(async () => {
  await rm(root, { recursive: true, force: true });
});

const fioSettings = () => {
  const settings = resolveNeighbours({ workloads: [{ fio: { rateIops: 20, size: '4MiB' } }] })?.workloads[0];
  assert.ok(settings?.kind === 'fio');
  return settings;
};

const parentOf = (pid: number) => Number(readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ')[1]);

test('fio killed with SIGKILL (a stop that escalated) leaves nothing doing I/O: its job is a thread, not a forked process', async () => {
  const dir = join(root, 'killed');
  const fio = new FioNeighbour(fioSettings(), dir);
  await fio.preflight();
  await fio.beginStep();
  try {
    const fragment = `--directory=${dir}`;
    assert.ok(await eventually(() => liveProcessesWith(fragment).length > 0, 5000), 'fio is running');
    // Long enough for fio to have forked a job process, were its job not a thread.
    await sleep(1000);
    const running = liveProcessesWith(fragment);
    assert.deepEqual(running.map(parentOf), [process.pid], 'one fio process, ours, and no job process of its own');
    process.kill(running[0] as number, 'SIGKILL');
    assert.ok(await eventually(() => liveProcessesWith(fragment).length === 0, 5000), `left running: ${liveProcessesWith(fragment).join(', ')}`);
  } finally {
    await fio.endStep();
  }
});

for (const [how, end] of [
  ['crashes with an uncaught error', 'crash'],
  ['is sent SIGTERM', 'wait'],
] as const) {
  test(`when the harness ${how}, its running fio neighbour goes with it`, async () => {
    const dir = join(root, end);
    const fragment = `--directory=${dir}`;
    const child = spawn(process.execPath, ['--import', 'tsx', join('test', 'support', 'neighbour-fio-child.ts'), dir, end], { stdio: ['pipe', 'pipe', 'pipe'] });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    try {
      const line = await new Promise<string | undefined>((resolve) => {
        createInterface({ input: child.stdout }).once('line', resolve);
        child.once('exit', () => resolve(undefined));
      });
      assert.equal(line, 'running', `the harness did not start fio: ${stderr}`);
      // "running" comes once fio is spawned; until the fork has exec'd, /proc shows it with node's command line.
      assert.ok(await eventually(() => liveProcessesWith(fragment).length > 0, 5000), 'fio runs beside the harness');
      if (end === 'wait') child.kill('SIGTERM');
      else child.stdin.write('crash now\n');
      assert.notEqual(await exited, 0, 'the harness reports its failure in its exit status');
      assert.ok(await eventually(() => liveProcessesWith(fragment).length === 0, 5000), `left running: ${liveProcessesWith(fragment).join(', ')}`);
    } finally {
      child.kill('SIGKILL');
      for (const pid of liveProcessesWith(fragment)) process.kill(pid, 'SIGKILL');
    }
  });
}
