import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runGenerate } from '../../src/cli/run-generate.ts';
import { type EmbeddedRegistry, startEmbeddedRegistry } from '../../src/registry/embedded-registry.ts';
import { loadResolvedScenario } from '../../src/scenario/load.ts';
import { REPO_ROOT, runCli } from './run-cli.ts';

/**
 * `run --image`: images built elsewhere (here: generated from the tiny source tree, pushed with skopeo to a
 * real registry on loopback) are pulled by the scenario's fleet as they are, with no generation.
 */
describe('run --image: existing images as deploy steps', () => {
  let work: string;
  let registry: EmbeddedRegistry;
  const digests: string[] = [];

  before(async () => {
    work = mkdtempSync(join(tmpdir(), 'shipbench-run-image-'));
    // Built in this process (cheaper than another CLI start): the images someone built elsewhere.
    const { scenario } = await loadResolvedScenario(join(REPO_ROOT, 'fixtures/scenarios/valid/source-dir.yaml'));
    await runGenerate(scenario, { outDir: join(work, 'built'), owner: { command: 'generate', force: false }, trees: false, workers: 1, onEvent: () => undefined });
    registry = await startEmbeddedRegistry();
    const host = registry.url.replace(/^https?:\/\//, '');
    for (const [tag, step] of [['v1', 'initial'], ['v2', 'backport-1']] as const) {
      execFileSync('skopeo', ['copy', '--quiet', '--preserve-digests', '--dest-tls-verify=false', `oci:${join(work, 'built', 'monolithic')}:${step}`, `docker://${host}/team/app:${tag}`]);
      digests.push(execFileSync('skopeo', ['inspect', '--tls-verify=false', '--format', '{{.Digest}}', `docker://${host}/team/app:${tag}`], { encoding: 'utf8' }).trim());
    }
    writeFileSync(join(work, 'fleet.yaml'), 'name: pull-existing\nfleet: { nodes: 2 }\nmeasure: { repeat: 1, warmup: 0 }\n');
  });
  after(async () => {
    await registry?.stop();
    rmSync(work, { recursive: true, force: true });
  });

  it('pulls each image on every node, unchanged, and names them as the content', async () => {
    const ref = (tag: string) => `${registry.url}/team/app:${tag}`;
    const out = join(work, 'run');
    const run = await runCli(['run', join(work, 'fleet.yaml'), '--image', ref('v1'), '--image', ref('v2'), '--out', out, '--quiet'], { timeoutMs: 240_000 });
    assert.equal(run.code, 0, run.stderr);
    const results = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as {
      status: string;
      content: { kind: string; location: string; digest: string };
      samples: Array<{ strategy: string; step: string; error?: string }>;
      phases: Array<{ name: string }>;
    };
    assert.equal(results.status, 'completed');
    assert.equal(results.content.kind, 'image');
    // Shipped as built: the manifests the fleet pulled are the ones pushed with skopeo.
    assert.equal(results.content.digest, digests.join(' '));
    const samples = results.samples.filter((s) => s.error === undefined);
    assert.deepEqual([...new Set(samples.map((s) => `${s.strategy} ${s.step}`))].sort(), ['external 1-v2', 'external initial']);
    assert.equal(samples.length, 4, '2 nodes x 2 steps');
    assert.ok(!results.samples.some((s) => s.strategy === 'volume'), 'the image side only');
    assert.match(readFileSync(join(out, 'report.md'), 'utf8'), /Content: `image http:\/\/127\.0\.0\.1:\d+\/team\/app:v1 http/);
  });

  it('refuses --image with the volume side, as a usage error', async () => {
    const run = await runCli(['run', join(work, 'fleet.yaml'), '--image', 'docker://127.0.0.1:1/x:y', '-m', 'volume', '--out', join(work, 'refused')]);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /--image ships existing images from a registry, so it measures the image side only/);
  });
});
