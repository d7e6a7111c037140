import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { FileEntry } from '../../src/content/file-entry.ts';
import { layerKey, layerKeyHeader } from '../../src/image/image-set-plan.ts';
import type { LayerSpec } from '../../src/image/layer-spec.ts';
import { ResumableLayerKeys } from '../../src/image/resumable-layer-keys.ts';
import { smallScenario } from '../support/scenarios.ts';

const entry = (i: number, revision = 'r0'): FileEntry => ({
  path: `srv/app/dir-${Math.floor(i / 7)}/file-${String(i).padStart(4, '0')}.php`,
  bytes: 100 + i,
  mode: 0o644,
  kind: 'php',
  contentKey: `app/file-${i}@${revision}`,
  component: 'app',
  version: undefined,
});

test('keys resumed from the previous layer of a role equal layerKey, wherever the layers first differ', () => {
  const { seed, image } = smallScenario();
  // Small chunks: many saved states, so resuming mid-layer is what most of these keys do.
  const keys = new ResumableLayerKeys(layerKeyHeader(seed, image.compression), 64);
  const files = Array.from({ length: 300 }, (_, i) => entry(i));
  const edited = (list: readonly FileEntry[], at: number) => list.map((f, i) => (i === at ? entry(i, 'r1') : f));
  const a = { role: 'code', files, whiteouts: [] };
  const sequence: LayerSpec[] = [
    a,
    { ...a, files: edited(files, 250) },
    { ...a, files: edited(files, 0) },
    { ...a, files: edited(edited(files, 120), 299) },
    { ...a, files: files.slice(0, 180) },
    { ...a, files: [...files, entry(300), entry(301)] },
    { ...a, files: [...files, entry(300)], whiteouts: ['srv/app/gone.php'] },
    a,
    { role: 'code', files: [], whiteouts: [] },
    { role: 'other', files: edited(files, 40), whiteouts: [] },
  ];
  for (const [i, spec] of sequence.entries()) assert.equal(keys.key(spec), layerKey(spec, seed, image.compression), `layer ${i}`);
  // Equal content in fresh entry objects (no identity to resume on) still gives the key of that content.
  assert.equal(keys.key({ ...a, files: files.map((f) => ({ ...f })) }), layerKey(a, seed, image.compression));
});
