import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { ShipbenchError } from '../../src/core/errors.ts';
import { parseFioOutput } from '../../src/neighbours/fio-output.ts';
import { type NeighbourEvent, NeighbourSession, type NeighbourStepRecord } from '../../src/neighbours/neighbour-session.ts';
import { resolveNeighbours } from '../../src/scenario/neighbours-resolve.ts';

let dir: string;
before(async () => {
  dir = await mkdtemp(join(process.cwd(), '.test-neighbour-faults-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

test('fio missing from PATH: the run stops before any rollout with an error naming fio and how to install it', async () => {
  const neighbours = resolveNeighbours({ workloads: [{ fio: { rateIops: 10, size: '1MiB' } }] });
  assert.ok(neighbours);
  const path = process.env.PATH;
  process.env.PATH = join(dir, 'empty-bin');
  try {
    await assert.rejects(NeighbourSession.start({ neighbours, workDir: join(dir, 'n1'), onRecord: async () => undefined }), (error: unknown) => {
      assert.ok(error instanceof ShipbenchError);
      assert.equal(error.code, 'neighbour-fio-missing');
      assert.match(error.message, /needs fio, which is not installed/);
      assert.match(error.hint ?? '', /apt-get install fio/);
      return true;
    });
  } finally {
    process.env.PATH = path;
  }
});

test('fio failing: its real JSON-less failure output is a clear error, not a parse crash', async () => {
  const output = await new Promise<string>((resolve) => {
    execFile('fio', ['--name=x', `--directory=${join(dir, 'no', 'such', 'dir')}`, '--size=1M', '--rw=read', '--output-format=json'], (_error, stdout, stderr) => resolve(`${stdout}${stderr}`));
  });
  assert.throws(() => parseFioOutput(output), /fio wrote no JSON output|fio's JSON output/);
});

test('an http neighbour that crashes mid-step is reported, the rollout value is kept, and later steps leave it out', async () => {
  const neighbours = resolveNeighbours({ baseline: '1s', recovery: '1s', workloads: [{ http: { rate: 50, probe: '0.3s' } }] });
  assert.ok(neighbours);
  const records: NeighbourStepRecord[] = [];
  const events: NeighbourEvent[] = [];
  const session = await NeighbourSession.start({ neighbours, workDir: join(dir, 'n2'), onEvent: (e) => events.push(e), onRecord: async (r) => void records.push(r) });
  try {
    const pid = (session as unknown as { workloads: Array<{ servicePid: number | undefined }> }).workloads[0]?.servicePid;
    assert.ok(pid !== undefined);
    const value = await session.aroundStep({ strategy: 's', step: 'one', repeat: 0, warmup: false }, async () => {
      await sleep(500);
      process.kill(pid, 'SIGKILL'); // the neighbour dies during the rollout
      await sleep(500);
      return 'rollout result';
    });
    assert.equal(value, 'rollout result');
    assert.equal(records.length, 1);
    assert.match(records[0]?.crash ?? '', /service process exited \(signal SIGKILL/);
    assert.ok(records[0]?.operations.some((o) => !o.ok), 'requests after the crash fail');
    assert.ok(records[0]?.operations.some((o) => o.ok), 'requests before the crash were measured');
    assert.deepEqual(events.filter((e) => e.type === 'neighbour-crashed').map((e) => e.type === 'neighbour-crashed' && e.neighbour), ['http']);

    const second = await session.aroundStep({ strategy: 's', step: 'two', repeat: 0, warmup: false }, async () => 'second');
    assert.equal(second, 'second');
    assert.equal(records.length, 1, 'a crashed neighbour is not measured again');
  } finally {
    await session.stop();
  }
});
