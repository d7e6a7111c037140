import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ShipbenchError } from '../../src/core/errors.ts';
import { applyOverrides, blameOverrides, parseSetArgument, parseSweepArgument } from '../../src/scenario/scenario-overrides.ts';
import { meetsTarget, parseTarget } from '../../src/scenario/sweep-target.ts';
import { flagArguments } from '../../src/cli/command-line-arguments.ts';

const at = (text: string, col = 20) => ({ text, col });

function problemOf(fn: () => unknown): { col: number; message: string } {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof ShipbenchError, `a ShipbenchError, got ${String(error)}`);
    assert.equal(error.exitCode, 2);
    const p = error.problems[0]!;
    assert.equal(p.location.file, 'command line');
    return { col: p.location.col, message: p.message };
  }
  assert.fail('expected a problem');
}

describe('sweep and set arguments', () => {
  it('reads lists as YAML scalars: numbers stay numbers, units stay strings', () => {
    assert.deepEqual(parseSweepArgument(at('fleet.nodes=100,300,600')).values, [100, 300, 600]);
    const nic = parseSweepArgument(at('fleet.node.nic=1Gbit/s,10Gbit/s'));
    assert.deepEqual(nic.values, ['1Gbit/s', '10Gbit/s']);
    assert.equal(nic.scale, 'list');
    assert.deepEqual(parseSetArgument(at('model.p2p.upload=500Mbit/s')).path, ['model', 'p2p', 'upload']);
  });

  it('expands ranges: step 1, a given step, and geometric with the end always included', () => {
    assert.deepEqual(parseSweepArgument(at('model.registry.replicas=1..8')).values, [1, 2, 3, 4, 5, 6, 7, 8]);
    assert.deepEqual(parseSweepArgument(at('x.y=0..100+25')).values, [0, 25, 50, 75, 100]);
    const log = parseSweepArgument(at('fleet.nodes=100..10000x10'));
    assert.deepEqual(log.values, [100, 1000, 10000]);
    assert.equal(log.scale, 'log');
    assert.deepEqual(parseSweepArgument(at('fleet.nodes=100..1000x3')).values, [100, 300, 900, 1000]);
  });

  it('puts a bad key or value at its column in the command line', () => {
    assert.deepEqual(problemOf(() => parseSweepArgument(at('fleet..nodes=1,2'))).col, 20);
    assert.equal(problemOf(() => parseSweepArgument(at('fleet.nodes=5..1'))).col, 32, 'at the value, after the key and =');
    assert.equal(problemOf(() => parseSweepArgument(at('fleet.nodes=1,,3'))).col, 34, 'at the empty value');
    assert.match(problemOf(() => parseSweepArgument(at('fleet.nodes=1..100000'))).message, /at most 200/);
    assert.match(problemOf(() => parseSetArgument(at('fleet.nodes'))).message, /has no value/);
  });

  it('finds each flag value in the raw command line, in both spellings', () => {
    const raw = ['simulate', 'f.yaml', '--sweep', 'a.b=1,2', '--sweep=c.d=3..4'];
    assert.deepEqual(flagArguments(raw, '--sweep', ['a.b=1,2', 'c.d=3..4']), [
      { text: 'a.b=1,2', col: 'shipbench simulate f.yaml --sweep '.length + 1 },
      { text: 'c.d=3..4', col: 'shipbench simulate f.yaml --sweep a.b=1,2 --sweep='.length + 1 },
    ]);
  });

  it('writes overrides into the YAML keeping the rest of the file in place', () => {
    const source = '# fleet\nname: t\nfleet:\n  nodes: 40 # forty\nmodel: { registry: { replicas: 2, egress: 1Gbit/s, backendRead: 500Mbit/s }, cache: { egress: 10Gbit/s } }\n';
    const out = applyOverrides(source, [parseSetArgument(at('fleet.nodes=600')), parseSetArgument(at('model.registry.replicas=4'))]);
    const lines = out.split('\n');
    assert.equal(lines[3], '  nodes: 600 # forty');
    assert.match(lines[4]!, /^model: \{ registry: \{ replicas: 4, egress: 1Gbit\/s, backendRead: 500Mbit\/s \}, cache: \{ egress: 10Gbit\/s \} \}$/, 'a long flow line is not folded');
  });

  it('a problem with a mapping set on the command line quotes the mapping, not [object Object]', () => {
    const set = parseSetArgument(at("model.node.spread.nic={empirical: [9Gbit/s]}"));
    const problem = { location: { file: 'scenario.yaml', line: 1, col: 1 }, keyPath: 'model.node.spread.nic.empirical', message: 'an empirical shape needs at least two measured values' };
    const blamed = blameOverrides(new ShipbenchError('invalid-scenario', 'invalid', { exitCode: 2, problems: [problem] }), [set], 'name: x\n');
    const p = blamed.problems[0]!;
    assert.equal(p.location.file, 'command line');
    assert.equal(p.location.col, 20 + 'model.node.spread.nic='.length);
    assert.match(p.message, /\(at model\.node\.spread\.nic=\{"empirical":\["9Gbit\/s"\]\}\)$/);
  });

  it('a key under a plain value of the file is a problem at its argument that says how to set the whole key', () => {
    const source = 'name: t\ncadence: per-merge\n';
    const problem = problemOf(() => applyOverrides(source, [parseSetArgument(at('cadence.every=12h'))]));
    assert.equal(problem.col, 20);
    assert.match(problem.message, /cadence is a plain value in the file \("per-merge"\)/);
    // A missing parent is created, as before.
    assert.match(applyOverrides('name: t\n', [parseSetArgument(at('cadence.every=12h'))]), /cadence:\n {2}every: 12h/);
  });
});

describe('sweep targets', () => {
  it('reads metric, comparison, value with units and an optional step', () => {
    assert.deepEqual(parseTarget(at('makespan<=15m')), { text: 'makespan<=15m', metric: 'makespan', comparison: '<=', threshold: 900, step: undefined });
    const t = parseTarget(at('registry-egress<2GiB step=train'));
    assert.equal(t.threshold, 2 * 2 ** 30);
    assert.equal(t.step, 'train');
    assert.equal(meetsTarget(899, parseTarget(at('makespan<=15m'))), true);
    assert.equal(meetsTarget(900, parseTarget(at('makespan<15m'))), false);
  });

  it('refuses unknown metrics and bad values where they stand', () => {
    assert.equal(problemOf(() => parseTarget(at('speed<=3'))).col, 20);
    const bad = problemOf(() => parseTarget(at('p99<=soon')));
    assert.equal(bad.col, 25);
    assert.match(bad.message, /not a duration/);
  });
});
