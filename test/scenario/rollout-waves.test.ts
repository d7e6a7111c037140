import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { rolloutWaves } from '../../src/scenario/rollout-waves.ts';

describe('rollout waves', () => {
  const nodes = ['n1', 'n2', 'n3', 'n4', 'n5'];
  it('all at once is one wave', () => assert.deepEqual(rolloutWaves(nodes, [{ rest: true }]), [nodes]));
  it('canaries go first, then the rest', () => {
    assert.deepEqual(rolloutWaves(nodes, [{ canaries: 2 }, { rest: true }]), [['n1', 'n2'], ['n3', 'n4', 'n5']]);
  });
  it('nodes no stage names still deploy last', () => {
    assert.deepEqual(rolloutWaves(nodes, [{ canaries: 1 }, { canaries: 1 }]), [['n1'], ['n2'], ['n3', 'n4', 'n5']]);
  });
});
