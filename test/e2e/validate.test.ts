import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { ShipbenchError } from '../../src/core/errors.ts';
import { loadResolvedScenario } from '../../src/scenario/load.ts';
import { EXPECTED } from '../support/invalid-scenario-problems.ts';
import { REPO_ROOT, runCli } from './run-cli.ts';

const INVALID = 'fixtures/scenarios/invalid';
const VALID = 'fixtures/scenarios/valid';
const yamlIn = (dir: string): string[] => readdirSync(join(REPO_ROOT, dir)).filter((f) => f.endsWith('.yaml')).sort().map((f) => `${dir}/${f}`);

/** A stack trace on stderr means an expected failure escaped as an internal error. */
function assertNoStack(stderr: string): void {
  assert.doesNotMatch(stderr, /^ {4}at /m, `stderr has a stack trace:\n${stderr}`);
}

describe('shipbench validate', { concurrency: true }, () => {
  // Every problem of every fixture, schema and cross-key alike, in one run: fixing a file takes one round.
  test('every invalid fixture: each expected problem at its line:col, all in a single run, exit 2', async () => {
    const engines = yamlIn(`${INVALID}/engines`);
    const files = [...Object.keys(EXPECTED).map((name) => `${INVALID}/${name}`), ...engines];
    const { code, stdout, stderr } = await runCli(['validate', ...files], { timeoutMs: 180_000 });
    assert.equal(code, 2, stderr);
    assert.equal(stdout, '');
    assertNoStack(stderr);
    assert.match(stderr, new RegExp(`^${files.length} of ${files.length} scenario files have problems$`, 'm'));
    for (const [name, expected] of Object.entries(EXPECTED)) {
      const file = `${INVALID}/${name}`;
      const lines = stderr.split('\n').filter((l) => l.startsWith(`${file}:`) && /^:\d+:\d+ /.test(l.slice(file.length)));
      const wanted = expected.problems.map((p) => {
        const [at, keyPath] = p.split(' ') as [string, string];
        return keyPath === '' ? `${file}:${at} ` : `${file}:${at} ${keyPath}: `;
      });
      assert.equal(lines.length, wanted.length, `${file}:\n${lines.join('\n')}`);
      wanted.forEach((prefix, i) => assert.ok(lines[i]?.startsWith(prefix), `${file} problem ${i}: expected ${prefix}...\n${lines.join('\n')}`));
      assert.match(stderr, new RegExp(`^${file.replace(/\./g, '\\.')}: ${wanted.length} problems?; nothing was run$`, 'm'));
    }
    // engines/ fixtures: the same problems, positions and order as the loader finds them (whose exact lists
    // test/scenario/fleet-engines.test.ts holds), every one of them in this single run.
    for (const file of engines) {
      const loaded = await loadResolvedScenario(join(REPO_ROOT, file)).then(
        () => assert.fail(`${file} loaded`),
        (error: unknown) => (error instanceof ShipbenchError ? error.problems : assert.fail(String(error))),
      );
      const lines = stderr.split('\n').filter((l) => l.startsWith(`${file}:`) && /^:\d+:\d+ /.test(l.slice(file.length)));
      assert.deepEqual(lines.map((l) => l.slice(file.length + 1).split(': ')[0]), loaded.map((p) => `${p.location.line}:${p.location.col} ${p.keyPath}`), `${file}:\n${lines.join('\n')}`);
      assert.match(stderr, new RegExp(`^${file.replace(/\./g, '\\.')}: ${loaded.length} problems?; nothing was run$`, 'm'));
    }
    // Every fixture in the directory has its expectations (test/support/invalid-scenario-problems.ts).
    assert.deepEqual(yamlIn(INVALID), Object.keys(EXPECTED).sort().map((name) => `${INVALID}/${name}`));
  });

  test('many-problems.yaml reports all of them in one run', async () => {
    const { code, stderr } = await runCli(['validate', `${INVALID}/many-problems.yaml`]);
    assert.equal(code, 2);
    assert.equal(stderr.match(/^fixtures\/scenarios\/invalid\/many-problems\.yaml:\d+:\d+ /gm)?.length, 7);
    assert.match(stderr, /:3:1 contnt: unknown key "contnt"\n {4}hint: did you mean "content"\?/);
  });

  // One process for all of them: a CLI start per file is most of this suite's time on a busy machine.
  test('every valid fixture and every file in scenarios/ is ok, each on its own line', async () => {
    const files = [...yamlIn(VALID), ...yamlIn('scenarios')];
    const { code, stdout, stderr } = await runCli(['validate', ...files], { timeoutMs: 180_000 });
    assert.equal(code, 0, stderr);
    assert.equal(stderr, '');
    assert.deepEqual(stdout.split('\n').slice(0, -1).map((l) => l.replace(/ \(\d+ steps?, \d+ strateg(y|ies)\)$/, '')), files.map((f) => `${f}: ok`));
  });

  test('several files: each is reported, and one bad file fails the run', async () => {
    const { code, stdout, stderr } = await runCli(['validate', `${VALID}/minimal.yaml`, `${INVALID}/unknown-key.yaml`, `${VALID}/sketch.yaml`]);
    assert.equal(code, 2);
    assert.match(stdout, /minimal\.yaml: ok \(1 step, 1 strategy\)/);
    assert.match(stdout, /sketch\.yaml: ok \(5 steps, 5 strategies\)/);
    assert.match(stderr, /unknown-key\.yaml:3:1 contnt:/);
    assert.match(stderr, /^1 of 3 scenario files have problems$/m);
  });

  test('a missing file exits 2 with a hint', async () => {
    const { code, stderr } = await runCli(['validate', 'no/such/scenario.yaml']);
    assert.equal(code, 2);
    assert.match(stderr, /^shipbench: no\/such\/scenario\.yaml: no such file$/m);
    assert.match(stderr, /hint: /);
    assertNoStack(stderr);
  });

  test('a directory exits 2 and names a file in it', async () => {
    const { code, stderr } = await runCli(['validate', VALID]);
    assert.equal(code, 2);
    assert.match(stderr, /is a directory, not a scenario file/);
    assert.match(stderr, /hint: name a scenario file in it, e\.g\. fixtures\/scenarios\/valid\/full\.yaml/);
    assertNoStack(stderr);
  });

  test('no file at all is a usage error', async () => {
    const { code, stderr } = await runCli(['validate']);
    assert.equal(code, 2);
    assertNoStack(stderr);
  });

  test('--help describes it and lists examples', async () => {
    const { code, stdout } = await runCli(['validate', '--help']);
    assert.equal(code, 0);
    assert.match(stdout, /shipbench validate <files\.\.>/);
    assert.match(stdout, /Examples:\n\s+shipbench validate scenarios\//);
  });
});

describe('shipbench schema', { concurrency: true }, () => {
  test('prints the JSON Schema on stdout', async () => {
    const { code, stdout, stderr } = await runCli(['schema']);
    assert.equal(code, 0, stderr);
    const schema = JSON.parse(stdout) as Record<string, unknown>;
    assert.equal(schema.$schema, 'https://json-schema.org/draft/2020-12/schema');
    assert.equal(schema.additionalProperties, false);
    assert.ok('fleet' in (schema.properties as object));
  });

  test('--out writes it to a file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'shipbench-schema-'));
    try {
      const out = join(dir, 'scenario.schema.json');
      const { code, stdout } = await runCli(['schema', '--out', out]);
      assert.equal(code, 0);
      assert.match(stdout, /^wrote .*scenario\.schema\.json\n$/);
      const printed = await runCli(['schema']);
      assert.equal(await readFile(out, 'utf8'), printed.stdout);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test('--out into a missing directory exits 2 with a hint', async () => {
    const { code, stderr } = await runCli(['schema', '--out', join(tmpdir(), 'shipbench-no-such-dir', 'x', 's.json')]);
    assert.equal(code, 2);
    assert.match(stderr, /its directory .* does not exist\n\s+hint: create the directory first/);
    assertNoStack(stderr);
  });

  test('--help lists an example', async () => {
    const { code, stdout } = await runCli(['schema', '--help']);
    assert.equal(code, 0);
    assert.match(stdout, /Examples:\n\s+shipbench schema --out/);
  });
});
