import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ShipbenchError } from '../../src/core/errors.ts';
import { buildInitialTree } from '../../src/content/tree-builder.ts';
import { smallScenario } from '../support/scenarios.ts';

describe('content the generator can build', () => {
  it('a component of 200,000 files builds (spreading them into push() overflowed the call stack)', () => {
    const scenario = smallScenario({
      content: { preset: 'empty', versions: 1, components: [{ name: 'many', files: 200_000, size: '200MB', perVersion: true, dir: 'srv/{version}/many' }] },
      deploy: ['initial'],
    });
    assert.equal(buildInitialTree(scenario).files.length, 200_000);
  });

  it('a file the size law draws beyond 1 GiB is refused with exit 2 before anything is written, not a RangeError', () => {
    const scenario = smallScenario({
      content: { preset: 'empty', versions: 1, components: [{ name: 'blobs', files: 3, size: '2.9GiB', kind: 'binary' }] },
      deploy: ['initial'],
    });
    assert.throws(
      () => buildInitialTree(scenario),
      (error: unknown) => error instanceof ShipbenchError && error.exitCode === 2 && /component "blobs" \(3 files, 2\.90 GiB\) draws a file of [\d.]+ GiB, but one generated file is at most 1\.00 GiB/.test(error.message),
    );
  });
});
