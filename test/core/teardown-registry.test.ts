import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { TeardownRegistry } from '../../src/core/teardown-registry.ts';

describe('TeardownRegistry', () => {
  test('undoes newest first, goes on past a failure, and reports it', async () => {
    const done: string[] = [];
    const t = new TeardownRegistry();
    t.add('bridge', async () => void done.push('bridge'));
    t.add('mount', async () => {
      throw new Error('target is busy');
    });
    t.add('daemon', async () => void done.push('daemon'));
    assert.deepEqual(t.pending, ['bridge', 'mount', 'daemon']);
    assert.deepEqual(await t.teardown(), [{ what: 'mount', message: 'target is busy' }]);
    assert.deepEqual(done, ['daemon', 'bridge']);
    assert.deepEqual(t.pending, []);
  });

  test('Ctrl-C and finally share one teardown; nothing is recorded after it started', async () => {
    let runs = 0;
    const t = new TeardownRegistry();
    t.add('namespace', async () => void runs++);
    const [a, b] = await Promise.all([t.teardown(), t.teardown()]);
    assert.equal(runs, 1);
    assert.deepEqual(a, b);
    assert.throws(() => t.add('late', async () => undefined), /teardown has already started/);
  });
});
