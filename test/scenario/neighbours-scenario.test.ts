import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ShipbenchError } from '../../src/core/errors.ts';
import { loadResolvedScenario } from '../../src/scenario/load.ts';

async function load(text: string) {
  const dir = await mkdtemp(join(tmpdir(), 'shipbench-neighbours-'));
  try {
    const file = join(dir, 's.yaml');
    await writeFile(file, text);
    return await loadResolvedScenario(file);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

test('the valid fixture resolves with every unit parsed and defaults applied once', async () => {
  const { scenario } = await loadResolvedScenario('fixtures/scenarios/valid/neighbours.yaml');
  const n = scenario.neighbours;
  assert.ok(n);
  assert.equal(n.baselineSeconds, 2);
  assert.equal(n.recoverySeconds, 1.5);
  assert.equal(n.minEffect, 0.05);
  assert.deepEqual(n.steps, ['initial']);
  assert.deepEqual(n.workloads[0], {
    kind: 'http', name: 'http', requestsPerSecond: 50, hashBytes: 8192, reads: 1, readBytes: 4096, writes: 1, writeBytes: 512, files: 32, maxConnections: 64, probeSeconds: 0.5,
  });
  assert.deepEqual(n.workloads[1], { kind: 'fio', name: 'disk', rw: 'randrw', blockBytes: 4096, rateIops: 50, direct: true, fileBytes: 8 * 2 ** 20 });
});

test('a scenario without neighbours resolves to none', async () => {
  const { scenario } = await load('name: plain\n');
  assert.equal(scenario.neighbours, undefined);
});

test('without minEffect the analysis keeps its own default (undefined here, not a copy of it)', async () => {
  const { scenario } = await load('name: plain\nneighbours: { workloads: [{ http: { rate: 10 } }] }\n');
  assert.equal(scenario.neighbours?.minEffect, undefined);
});

test('steps, strategies and names that do not exist are positioned problems with the choices', async () => {
  const text = [
    'name: wrong-names',
    'deploy: [initial, { backport: { files: 1 } }]',
    'neighbours:',
    '  steps: [initial, trian]',
    '  strategies: [volume, monolitic]',
    '  workloads:',
    '    - http: { rate: 10 }',
    '    - http: { rate: 20 }',
    '    - fio: { blockSize: 1000 }',
    '',
  ].join('\n');
  const error = await load(text).then(
    () => assert.fail('expected an invalid scenario'),
    (e: unknown) => e,
  );
  assert.ok(error instanceof ShipbenchError);
  const problems = error.problems.map((p) => `${p.location.line}:${p.location.col} ${p.keyPath}: ${p.message} (${p.hint ?? ''})`);
  assert.equal(problems.length, 4, problems.join('\n'));
  assert.match(problems[0] ?? '', /^4:20 neighbours\.steps\.1: no deploy step is named "trian" \(name one of "initial", "backport-1"\)$/);
  assert.match(problems[1] ?? '', /^5:24 neighbours\.strategies\.1: no strategy is named "monolitic" \(name one of "monolithic", "volume", "hybrid"\)$/);
  assert.match(problems[2] ?? '', /^8:7 neighbours\.workloads\.1: two neighbours are named "http"/);
  assert.match(problems[3] ?? '', /^9:25 neighbours\.workloads\.2\.fio\.blockSize: direct I\/O needs a block size that is a multiple of 512/);
});
