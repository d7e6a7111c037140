import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ShipbenchError } from '../../src/core/errors.ts';
import { parseScenario } from '../../src/scenario/load.ts';
import { resolveScenario } from '../../src/scenario/resolve.ts';
import { RUNTIME_EMULATIONS } from '../../src/nodes/runtime-emulation.ts';

const resolve = (src: string) => resolveScenario(parseScenario(src, 'inline.yaml'), 'inline.yaml');

describe('fleet.node.runtime', () => {
  test('left out: containerd; docker can be chosen; anything else is refused with the choices', () => {
    assert.equal(resolve('name: x\n').fleet.node.runtime, 'containerd');
    assert.equal(resolve('name: x\nfleet:\n  node:\n    runtime: docker\n').fleet.node.runtime, 'docker');
    assert.throws(
      () => parseScenario('name: x\nfleet:\n  node:\n    runtime: cri-o\n', 'inline.yaml'),
      (e: unknown) => e instanceof ShipbenchError && e.problems.length === 1 && /containerd, docker/.test(JSON.stringify(e.problems)),
    );
  });

  test('the model follows the runtime the virtual nodes emulate unless model.node.runtime says otherwise', () => {
    assert.equal(resolve('name: x\n').model.node.runtime, 'containerd');
    assert.equal(resolve('name: x\nfleet:\n  node:\n    runtime: docker\n').model.node.runtime, 'docker');
    assert.equal(resolve('name: x\nfleet:\n  node:\n    runtime: docker\nmodel:\n  node:\n    runtime: containerd\n').model.node.runtime, 'containerd');
  });

  test("each runtime's documented pipeline: containerd keeps fsynced blobs and unpacks after the fetch, docker keeps none", () => {
    // containerd content/local/writer.go Commit (fp.Sync); ctr 1.6 images pull: content.Fetch, then Unpack.
    assert.deepEqual(
      { keeps: RUNTIME_EMULATIONS.containerd.keepsBlobs, syncs: RUNTIME_EMULATIONS.containerd.syncsBlob, starts: RUNTIME_EMULATIONS.containerd.unpackStarts },
      { keeps: true, syncs: true, starts: 'all-fetched' },
    );
    // moby distribution/pull_v2.go: GetImageBlob temp file, never synced, removed after registration;
    // distribution/xfer/download.go: a layer registers once downloaded and its parent registered.
    assert.deepEqual(
      { keeps: RUNTIME_EMULATIONS.docker.keepsBlobs, syncs: RUNTIME_EMULATIONS.docker.syncsBlob, starts: RUNTIME_EMULATIONS.docker.unpackStarts, metadata: RUNTIME_EMULATIONS.docker.layerMetadata },
      { keeps: false, syncs: false, starts: 'own-download', metadata: true },
    );
  });

  test("each runtime's per-entry work: both set owner and mode on every entry; containerd also resolves each entry's path a component at a time", () => {
    // containerd archive/tar.go applyNaive (fs.RootPath, mkparent, os.Lstat) and createTarFile (Lchown,
    // handleLChmod, chtimes); moby pkg/archive createTarFile (Lchown, Chmod, Chtimes) inside its chroot.
    assert.deepEqual(
      { containerd: [RUNTIME_EMULATIONS.containerd.ownerAndModeAlways, RUNTIME_EMULATIONS.containerd.statEachEntry], docker: [RUNTIME_EMULATIONS.docker.ownerAndModeAlways, RUNTIME_EMULATIONS.docker.statEachEntry] },
      { containerd: [true, true], docker: [true, false] },
    );
  });
});
