import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { holdingsAfterPull, runtimePullWork, type PulledLayer, type RuntimeHoldings } from '../../src/scenario/runtime-pull-rules.ts';

// Image v1 = [base, vendor, core, l10n]; v2 changes core (a train), so core's ChainID and l10n's change too,
// though l10n's blob is byte-identical.
const image = (digests: string[]): PulledLayer[] => digests.map((digest, i) => ({ digest, chain: digests.slice(0, i + 1).join('/') }));
const v1 = image(['base', 'vendor', 'core-1', 'l10n']);
const v2 = image(['base', 'vendor', 'core-2', 'l10n']);
const empty: RuntimeHoldings = { blobs: new Set(), chains: new Set() };

describe('runtime pull rules', () => {
  test('a cold node downloads and unpacks every layer under both runtimes', () => {
    for (const runtime of ['containerd', 'docker'] as const) {
      assert.deepEqual(runtimePullWork(runtime, v1, empty), { download: [0, 1, 2, 3], unpack: [0, 1, 2, 3] });
    }
  });

  test('containerd fetches only the changed blob but re-unpacks every layer above the change (ChainID)', () => {
    const held = holdingsAfterPull('containerd', v1, empty);
    assert.deepEqual(runtimePullWork('containerd', v2, held), { download: [2], unpack: [2, 3] });
  });

  test('docker keeps no blobs, so it downloads again every layer above the first changed one', () => {
    const held = holdingsAfterPull('docker', v1, empty);
    assert.equal(held.blobs.size, 0);
    assert.deepEqual(runtimePullWork('docker', v2, held), { download: [2, 3], unpack: [2, 3] });
  });

  test('the same image pulled again moves nothing', () => {
    for (const runtime of ['containerd', 'docker'] as const) {
      assert.deepEqual(runtimePullWork(runtime, v1, holdingsAfterPull(runtime, v1, empty)), { download: [], unpack: [] });
    }
  });

  test('a top layer change (config, l10n) costs one layer under both runtimes', () => {
    const v3 = image(['base', 'vendor', 'core-1', 'l10n-2']);
    for (const runtime of ['containerd', 'docker'] as const) {
      assert.deepEqual(runtimePullWork(runtime, v3, holdingsAfterPull(runtime, v1, empty)), { download: [3], unpack: [3] });
    }
  });
});
