import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parse, stringify } from 'yaml';
import { skopeo, skopeoInspect, umociRootfs } from '../support/peer-tools.ts';
import { offerTinyLayouts, TINY_SCENARIO } from '../support/registry-process.ts';
import { runCli } from './run-cli.ts';

const SCENARIO = TINY_SCENARIO;
const STRATEGIES = ['monolithic', 'per-component', 'per-version', 'chunked-2MiB', 'incremental'];
const STEPS = ['initial', 'backport-1', 'config-1', 'train-1', 'l10n-1'];

/** path -> sha256 of every regular file under `root`, with paths relative to it. */
async function fileHashes(root: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  async function walk(dir: string): Promise<void> {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) await walk(path);
      else if (entry.isFile()) out.set(relative(root, path), createHash('sha256').update(await readFile(path)).digest('hex'));
      else assert.fail(`unexpected entry ${path}`);
    }
  }
  await walk(root);
  return out;
}

describe('generate, judged by skopeo and umoci', { timeout: 600_000 }, () => {
  let work: string;
  let out: string;
  let firstRun: { code: number; stdout: string; stderr: string };

  before(async () => {
    work = await mkdtemp(join(tmpdir(), 'shipbench-generate-'));
    out = join(work, 'images');
    firstRun = await runCli(['generate', SCENARIO, '--out', out, '--tree'], { timeoutMs: 300_000 });
  });
  after(async () => {
    if (work !== undefined) await rm(work, { recursive: true, force: true });
  });

  it('exits 0 and writes one layout per strategy', async () => {
    assert.equal(firstRun.code, 0, firstRun.stderr);
    assert.match(firstRun.stdout, /built \d+ layers/);
    for (const s of STRATEGIES) assert.ok((await stat(join(out, s, 'index.json'))).isFile(), s);
  });

  it('every image is accepted by skopeo inspect with the layers of its manifest', async () => {
    await Promise.all(
      STRATEGIES.map(async (s) => {
        const index = JSON.parse(await readFile(join(out, s, 'index.json'), 'utf8')) as { manifests: Array<{ digest: string; annotations: Record<string, string> }> };
        assert.deepEqual(index.manifests.map((m) => m.annotations['org.opencontainers.image.ref.name']), STEPS);
        for (const m of index.manifests) {
          const tag = m.annotations['org.opencontainers.image.ref.name'] as string;
          const manifest = JSON.parse(await readFile(join(out, s, 'blobs/sha256', m.digest.slice(7)), 'utf8')) as { layers: Array<{ digest: string }> };
          const inspected = await skopeoInspect(join(out, s), tag);
          assert.deepEqual(inspected.Layers, manifest.layers.map((l) => l.digest), `${s}:${tag}`);
        }
      }),
    );
  });

  it('skopeo copies every image to a dir: transport (verifying every digest)', async () => {
    // The strategies side by side, as the unpacks below: each copy is one skopeo process.
    await Promise.all(
      STRATEGIES.map(async (s) => {
        for (const step of STEPS) {
          const dest = join(work, `copy-${s}-${step}`);
          await skopeo('copy', '--quiet', `oci:${join(out, s)}:${step}`, `dir:${dest}`);
          await rm(dest, { recursive: true });
        }
      }),
    );
  });

  it('umoci unpacks every image to exactly the plain tree of its step (whiteouts applied)', async () => {
    const baseFiles = new Set<string>();
    // Each step's plain tree is hashed once; the strategies' unpacks run side by side (umoci is one process each).
    const trees = new Map(await Promise.all(STEPS.map(async (step) => [step, await fileHashes(join(out, 'trees', step))] as const)));
    await Promise.all(
      STRATEGIES.map(async (s) => {
        for (const step of STEPS) {
          const unpacked = await umociRootfs(join(out, s), step, join(work, `rootfs-${s}-${step}`));
          const rootfs = await fileHashes(unpacked);
          const tree = trees.get(step);
          const code = new Map([...rootfs].filter(([p]) => p.startsWith('srv/')));
          for (const p of rootfs.keys()) if (!p.startsWith('srv/')) baseFiles.add(p);
          assert.equal(code.size, tree?.size, `${s}:${step} file count`);
          assert.deepEqual(code, tree, `${s}:${step}`);
          await rm(unpacked, { recursive: true, force: true });
        }
      }),
    );
    assert.ok(baseFiles.size > 0 && [...baseFiles].every((p) => p.startsWith('usr/')), 'the base layer holds the OS files');
  });

  it('a second generate reuses every layer and writes identical digests; another dir gets the same digests', async () => {
    const indexOf = async (dir: string) => Promise.all(STRATEGIES.map((s) => readFile(join(dir, s, 'index.json'), 'utf8')));
    const before = await indexOf(out);
    const again = await runCli(['generate', SCENARIO, '--out', out], { timeoutMs: 300_000 });
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /all \d+ layers reused from the cache; nothing rebuilt/);
    assert.deepEqual(await indexOf(out), before);
    const other = join(work, 'other');
    const fresh = await runCli(['generate', SCENARIO, '--out', other], { timeoutMs: 300_000 });
    assert.equal(fresh.code, 0, fresh.stderr);
    assert.deepEqual(await indexOf(other), before);
    // Just what generateTinyLayouts would generate for the test files after this one: they copy it instead.
    await offerTinyLayouts(other);
  });

  it('the zlib engine writes the same tars (equal diff_ids) as libdeflate, in other blobs skopeo accepts', async () => {
    const scenario = parse(await readFile(SCENARIO, 'utf8')) as { image: Record<string, unknown> };
    scenario.image.compression = { gzip: { engine: 'zlib' } };
    // Only the layout compared below: a strategy's layers do not depend on the others (its index.json is the
    // same generated alone), and the other four would double this generate.
    scenario.image.strategies = ['monolithic'];
    const zlibScenario = join(work, 'zlib.yaml');
    await writeFile(zlibScenario, stringify(scenario));
    const zlibOut = join(work, 'zlib-images');
    const result = await runCli(['generate', zlibScenario, '--out', zlibOut], { timeoutMs: 300_000 });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, /\(zlib level 1 #[0-9a-f]{16}\)/);
    const summary = async (dir: string) =>
      JSON.parse(await readFile(join(dir, 'generate.json'), 'utf8')) as { compressor: string; strategies: Array<{ name: string; images: Array<{ step: string; layers: Array<{ digest: string; diffId: string }> }> }> };
    const [lib, zl] = [await summary(out), await summary(zlibOut)];
    assert.match(lib.compressor, /^libdeflate level 1 #/);
    assert.match(zl.compressor, /^zlib level 1 #/);
    const layersOf = (s: Awaited<ReturnType<typeof summary>>) => s.strategies.find((x) => x.name === 'monolithic')?.images.flatMap((i) => i.layers) ?? [];
    const [a, b] = [layersOf(lib), layersOf(zl)];
    assert.ok(a.length > 0);
    assert.deepEqual(b.map((l) => l.diffId), a.map((l) => l.diffId));
    for (const [i, layer] of b.entries()) assert.notEqual(layer.digest, a[i]?.digest);
    const dest = join(work, 'copy-zlib');
    await skopeo('copy', '--quiet', `oci:${join(zlibOut, 'monolithic')}:train-1`, `dir:${dest}`);
    await rm(dest, { recursive: true });
  });

  it('inspect reads the layouts and prices every step', async () => {
    // Both renderings side by side: each process verifies every blob on its own, on one core.
    const [result, text] = await Promise.all([runCli(['inspect', out, '--json']), runCli(['inspect', out])]);
    assert.equal(result.code, 0, result.stderr);
    const report = JSON.parse(result.stdout) as { layouts: Array<{ name: string; costs: Array<{ step: string; downloadBytes: number; newLayers: number }> }> };
    const byName = new Map(report.layouts.map((l) => [l.name, l]));
    const cost = (s: string, step: string) => byName.get(s)?.costs.find((c) => c.step === step);
    assert.equal(cost('per-version', 'config-1')?.newLayers, 1);
    assert.ok((cost('incremental', 'backport-1')?.downloadBytes ?? Infinity) < (cost('monolithic', 'backport-1')?.downloadBytes ?? 0) / 10);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /download per node/);
  });
});
