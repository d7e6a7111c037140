import assert from 'node:assert/strict';
import { mkdtemp, open, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createContentSynthesizer } from '../../src/content/content-synthesizer.ts';
import { planImageSet } from '../../src/image/image-set-plan.ts';
import { CACHE_DIR, type GenerateEvent, generateImageSet } from '../../src/image/image-set-writer.ts';
import { inspectLayouts } from '../../src/image/layout-inspection.ts';
import { GzipWorkerPool } from '../../src/image/parallel-gzip.ts';
import { smallScenario } from '../support/scenarios.ts';

describe('layer cache integrity', () => {
  let out: string;
  const pool = new GzipWorkerPool(2);
  const scenario = smallScenario({ content: { preset: 'mediawiki-multiversion', scale: 0.002, versions: 1 }, image: { strategies: ['per-component'] }, deploy: ['initial', { backport: { files: 2 } }] });
  const generate = async (events: GenerateEvent[] = []) =>
    generateImageSet(planImageSet(scenario), { outDir: out, trees: false, synth: createContentSynthesizer(scenario.seed), pool, onEvent: (e) => events.push(e) });

  before(async () => {
    out = await mkdtemp(join(tmpdir(), 'shipbench-cache-integrity-'));
  });
  after(async () => {
    await pool.close();
    await rm(out, { recursive: true, force: true });
  });

  it('rebuilds a cached blob of the right size whose bytes changed, with a warning, and links a good blob', async () => {
    const first = await generate();
    assert.equal(first.layersReused, 0);
    assert.deepEqual(first.warnings, []);

    // Bit rot (or a tamper) in place: same size, so a size check alone trusts it. The layouts' hard links
    // share the file, so they are corrupt too until the next generate relinks them.
    const blobs = join(out, CACHE_DIR, 'blobs', 'sha256');
    const sizes = await Promise.all((await readdir(blobs)).map(async (name) => ({ name, size: (await stat(join(blobs, name))).size })));
    const victim = sizes.sort((a, b) => b.size - a.size)[0]!;
    const handle = await open(join(blobs, victim.name), 'r+');
    const byte = Buffer.alloc(1);
    await handle.read(byte, 0, 1, victim.size >> 1);
    await handle.write(Buffer.from([byte[0]! ^ 0xff]), 0, 1, victim.size >> 1);
    await handle.close();
    assert.equal((await stat(join(blobs, victim.name))).size, victim.size);

    const events: GenerateEvent[] = [];
    const second = await generate(events);
    assert.equal(second.layersBuilt, 1, 'the corrupt layer, and only it, is rebuilt');
    assert.equal(second.warnings.length, 1);
    assert.equal(second.warnings[0]?.kind, 'layer-cache-corrupt');
    assert.equal(second.warnings[0]?.digest, `sha256:${victim.name}`);
    assert.match(second.warnings[0]?.message ?? '', /was corrupt \(.*does not match its digest.*\); it was removed and is rebuilt/);
    assert.deepEqual(events.filter((e) => e.type === 'warning').map((e) => e.warning), second.warnings);
    // Every layout blob now matches its digest (inspect verifies them).
    await inspectLayouts(second.strategies.map((s) => ({ name: s.name, dir: s.layoutDir })));

    const third = await generate();
    assert.equal(third.layersBuilt, 0);
    assert.deepEqual(third.warnings, []);
  });
});
