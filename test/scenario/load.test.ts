import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { parse } from 'yaml';
import { ExitCode, ShipbenchError, type InputProblem } from '../../src/core/errors.ts';
import { scenarioJsonSchema } from '../../src/scenario/json-schema.ts';
import { loadResolvedScenario, loadScenario, parseScenario } from '../../src/scenario/load.ts';
import { EXPECTED } from '../support/invalid-scenario-problems.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const VALID = join(ROOT, 'fixtures/scenarios/valid');
const INVALID = join(ROOT, 'fixtures/scenarios/invalid');
const SHIPPED = join(ROOT, 'scenarios');

const yamlFiles = (dir: string): string[] =>
  existsSync(dir) ? readdirSync(dir).filter((f) => /\.ya?ml$/.test(f)).sort().map((f) => join(dir, f)) : [];

/** Runs `fn`, which must throw a ShipbenchError, and returns it. */
async function failure(fn: () => unknown): Promise<ShipbenchError> {
  try {
    await fn();
  } catch (error) {
    assert.ok(error instanceof ShipbenchError, `expected a ShipbenchError, got ${String(error)}`);
    return error;
  }
  assert.fail('expected a ShipbenchError, but nothing was thrown');
}

const where = (p: InputProblem): string => `${p.location.line}:${p.location.col} ${p.keyPath}`;
const problemsOf = async (src: string): Promise<readonly InputProblem[]> => (await failure(() => parseScenario(src, 'inline.yaml'))).problems;

describe('loadScenario: invalid fixtures', () => {
  test('every invalid fixture has an expectation, and every expectation a fixture', () => {
    assert.deepEqual(yamlFiles(INVALID).map((f) => f.slice(INVALID.length + 1)), Object.keys(EXPECTED).sort());
  });

  for (const [name, expected] of Object.entries(EXPECTED)) {
    test(name, async () => {
      const file = join(INVALID, name);
      const error = await failure(() => loadScenario(file));
      assert.equal(error.code, 'invalid-scenario');
      assert.equal(error.exitCode, ExitCode.usage);
      const count = expected.problems.length;
      assert.equal(error.message, `${file}: ${count} problem${count === 1 ? '' : 's'}; nothing was run`);
      assert.deepEqual(error.problems.map(where), expected.problems);
      for (const problem of error.problems) {
        assert.equal(problem.location.file, file);
        assert.ok(problem.message.length > 0);
      }
      for (const [index, pattern] of Object.entries(expected.messages ?? {})) {
        assert.match(error.problems[Number(index)]?.message ?? '', pattern, `message of problem ${index}`);
      }
      for (const [index, pattern] of Object.entries(expected.hints ?? {})) {
        assert.match(error.problems[Number(index)]?.hint ?? '', pattern, `hint of problem ${index}`);
      }
      // Unknown keys always come with a way out: a suggestion or the list of allowed keys.
      for (const problem of error.problems.filter((p) => p.message.startsWith('unknown key'))) {
        assert.match(problem.hint ?? '', /did you mean|keys allowed here/);
      }
    });
  }
});

describe('loadScenario: valid fixtures', () => {
  for (const file of [...yamlFiles(VALID), ...yamlFiles(SHIPPED)]) {
    test(file.slice(ROOT.length), async () => {
      const loaded = await loadScenario(file);
      assert.equal(loaded.file, file);
      assert.equal(loaded.source, readFileSync(file, 'utf8'));
      assert.match(loaded.input.name, /^[a-z0-9]/);
      const { scenario } = await loadResolvedScenario(file);
      assert.ok(scenario.deploy.length >= 1);
      assert.ok(scenario.image.strategies.length >= 1);
    });
  }

  test('sketch.yaml says what the design sketch says', async () => {
    const { input } = await loadScenario(join(VALID, 'sketch.yaml'));
    assert.equal(input.image?.strategies?.length, 5);
    assert.deepEqual(input.fleet?.rollout?.stages, [{ canaries: 2 }, { rest: true }]);
    assert.deepEqual(input.image?.strategies?.[3], { chunked: { maxLayer: '512MiB' } });
  });

  test('full.yaml sets every top-level key the schema knows', async () => {
    const { input } = await loadScenario(join(VALID, 'full.yaml'));
    const properties = Object.keys(scenarioJsonSchema().properties as object);
    assert.deepEqual(Object.keys(input).sort(), properties.sort());
  });
});

describe('loadScenario: files that cannot be read', () => {
  test('a missing file', async () => {
    const error = await failure(() => loadScenario(join(INVALID, 'no-such-file.yaml')));
    assert.equal(error.code, 'scenario-not-found');
    assert.equal(error.exitCode, ExitCode.usage);
    assert.match(error.message, /no-such-file\.yaml: no such file/);
    assert.match(error.hint ?? '', /path/);
  });

  test('a directory names a scenario inside it', async () => {
    const error = await failure(() => loadScenario(VALID));
    assert.equal(error.exitCode, ExitCode.usage);
    assert.match(error.message, /is a directory/);
    assert.match(error.hint ?? '', /full\.yaml/);
  });

  test('a path through a file', async () => {
    const error = await failure(() => loadScenario(join(VALID, 'minimal.yaml', 'x.yaml')));
    assert.equal(error.exitCode, ExitCode.usage);
    assert.match(error.message, /no such file/);
  });
});

describe('loadScenario: files of another kind', () => {
  test('every validation case is named as one, at its source key, with the bench that reads it', async () => {
    const cases = yamlFiles(join(SHIPPED, 'validation'));
    assert.ok(cases.length > 0);
    for (const file of cases) {
      const error = await failure(() => loadScenario(file));
      assert.equal(error.exitCode, ExitCode.usage);
      assert.equal(error.problems.length, 1, file);
      const [problem] = error.problems;
      assert.equal(problem?.keyPath, 'source');
      assert.equal(problem?.location.col, 1);
      assert.match(problem?.message ?? '', /validation case of the fleet model .*not a scenario/);
      const name = (parse(readFileSync(file, 'utf8')) as { name: string }).name;
      assert.ok(problem?.hint?.includes(`npx tsx bench/validation.ts ${name}`), problem?.hint);
    }
  });

  test('a results file is named as one, with the scenario it ran and the commands that read it', async () => {
    const results = JSON.stringify({ schema: 'shipbench/results/1', source: 'measured', status: 'completed', scenario: { name: 'quickstart', sourceFile: 'scenarios/quickstart.yaml' }, steps: [], samples: [] }, null, 2);
    const [problem, ...rest] = await problemsOf(results);
    assert.equal(rest.length, 0);
    assert.equal(where(problem!), '2:3 schema');
    assert.match(problem!.message, /results file of a run \(shipbench\/results\/1\), not a scenario/);
    assert.match(problem!.hint ?? '', /scenarios\/quickstart\.yaml.*shipbench report.*--calibrate RESULTS/);
  });

  test('a scenario is never taken for another kind: an unknown source key is one more unknown key', async () => {
    const problems = await problemsOf('name: s\nsource:\n  url: https://example.org\n');
    assert.deepEqual(problems.map(where), ['2:1 source']);
    assert.match(problems[0]!.message, /unknown key "source"/);
  });
});

describe('parseScenario: where and what', () => {
  test('a missing required key points at the nearest parent that exists', async () => {
    assert.deepEqual((await problemsOf('description: no name\n')).map((p) => [where(p), p.message]), [
      ['1:1 name', 'missing required key "name"'],
    ]);
    const [auth] = await problemsOf('name: x\nregistry:\n  url: https://r.example\n  auth: { username: a }\n');
    assert.equal(auth && where(auth), '4:9 registry.auth.password');
  });

  test('an empty value points at its key', async () => {
    const [problem] = await problemsOf('name: x\nmeasure:\n  repeat:\n');
    assert.equal(problem && where(problem), '3:3 measure.repeat');
    assert.match(problem?.message ?? '', /got an empty value/);
    assert.match(problem?.hint ?? '', /after "repeat:"/);
  });

  test('union branches: the one whose naming key was written is reported, at precise paths', async () => {
    const problems = await problemsOf(
      [
        'name: x',
        'image:',
        '  strategies:',
        '    - { chunked: { maxLayer: 1GiB }, nam: c1 }',
        '    - { chunkd: { maxLayer: 1GiB } }',
        '    - { chunked: { maxLayer: 1GiB }, incremental: {} }',
        '    - chunked',
        '    - 5',
        'registry: { embedded: false }',
        '',
      ].join('\n'),
    );
    assert.deepEqual(problems.map((p) => [where(p), p.hint]), [
      ['4:38 image.strategies.0.nam', 'did you mean "name"?'],
      ['5:9 image.strategies.1.chunkd', 'did you mean "chunked"?'],
      ['6:7 image.strategies.2', 'use only one of "chunked", "incremental" per entry'],
      ['7:7 image.strategies.3', '"chunked" takes settings: write it as a mapping, { chunked: { ... } }'],
      ['8:7 image.strategies.4', undefined],
      ['9:23 registry.embedded', undefined],
    ]);
    assert.match(problems[4]?.message ?? '', /^expected a layer strategy: .*, got number 5$/);
    assert.equal(problems[5]?.message, 'expected true, got boolean false');
  });

  test('unknown keys inside a union branch that zod reports directly still get suggestions', async () => {
    const problems = await problemsOf('name: x\ndeploy: [ initial, { backport: { fils: 1 } } ]\nimage: { compression: { gzip: { levl: 3 } } }\n');
    assert.deepEqual(problems.map((p) => [where(p), p.hint]), [
      ['2:34 deploy.1.backport.fils', 'did you mean "files"?'],
      ['3:33 image.compression.gzip.levl', 'did you mean "level"?'],
    ]);
  });

  test('enum values close to a valid one get a suggestion; shortened ones every completion', async () => {
    const problems = await problemsOf('name: x\ncontent: { preset: mediawiki }\nfleet: { backend: virtal }\n');
    assert.deepEqual(problems.map((p) => p.hint), [
      'did you mean "mediawiki-multiversion" or "mediawiki-single-version"?',
      'did you mean "virtual"?',
    ]);
  });

  test('YAML problems carry their own position', async () => {
    const [multi] = await problemsOf('---\nname: x\n---\nname: y\n');
    assert.equal(multi && where(multi), '3:1 ');
    assert.match(multi?.message ?? '', /more than one YAML document/);
    const [tab] = await problemsOf('name: x\ncontent:\n\tscale: 1\n');
    assert.match(tab?.hint ?? '', /spaces/);
    const [alias] = await problemsOf('name: x\ndescription: *nowhere\n');
    assert.equal(alias && where(alias), '2:14 ');
    assert.match(alias?.message ?? '', /\*nowhere/);
  });

  test('duplicate keys are reported together with schema problems', async () => {
    const problems = await problemsOf('name: x\nname: y\nfleet: { nodes: zero }\n');
    assert.deepEqual(problems.map(where), ['2:1 name', '3:17 fleet.nodes']);
  });

  test('a single value at the top level', async () => {
    const [problem] = await problemsOf('just words\n');
    assert.match(problem?.message ?? '', /top level is a single value \("just words"\)/);
  });

  test('a file of comments only', async () => {
    const [problem] = await problemsOf('# nothing yet\n');
    assert.equal(problem?.message, 'the file holds only comments');
  });
});

describe('loadResolvedScenario', () => {
  test('cross-key problems from resolve get positions too', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'shipbench-load-'));
    try {
      const file = join(dir, 'train-first.yaml');
      await writeFile(file, 'name: train-first\ndeploy:\n  - train\n');
      const error = await failure(() => loadResolvedScenario(file));
      assert.equal(error.code, 'invalid-scenario');
      assert.deepEqual(error.problems.map(where), ['3:5 deploy.0']);
      assert.match(error.problems[0]?.hint ?? '', /initial/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('scenarioJsonSchema', () => {
  const schema = scenarioJsonSchema();
  // Strict, as editors are, except that `type: [number, string]` (unit fields) is meant.
  const ajv = new Ajv2020({ allErrors: true, allowUnionTypes: true }).addFormat('uri', (value: string) => URL.canParse(value));
  const validate = ajv.compile(schema);

  test('is draft 2020-12 with an id and a title, and refuses unknown keys', () => {
    assert.equal(schema.$schema, 'https://json-schema.org/draft/2020-12/schema');
    assert.equal(typeof schema.$id, 'string');
    assert.equal(schema.title, 'shipbench scenario');
    assert.equal(schema.additionalProperties, false);
    assert.deepEqual(schema.required, ['name']);
    const properties = schema.properties as Record<string, { additionalProperties?: unknown }>;
    for (const key of ['content', 'image', 'volume', 'fleet', 'measure']) assert.equal(properties[key]?.additionalProperties, false, key);
    // Editors that predate $defs still read it: everything is inline.
    assert.ok(!JSON.stringify(schema).includes('$ref'));
  });

  for (const file of [...yamlFiles(VALID), ...yamlFiles(SHIPPED)]) {
    test(`accepts ${file.slice(ROOT.length)}`, () => {
      assert.ok(validate(parse(readFileSync(file, 'utf8'))), ajv.errorsText(validate.errors));
    });
  }

  // YAML that does not parse has no JSON to check; unit text ("5 parsecs", 120%), checks across keys (GC low above high,
  // merges out of order), a budget limit's unit that follows its metric, and a name that must be another key's
  // (hybrid.strategy), and paths and refs that must exist on disk (content.source), are beyond JSON Schema.
  const beyondJsonSchema = new Set(['yaml-syntax.yaml', 'duplicate-key.yaml', 'bad-units.yaml', 'bad-budgets.yaml', 'bad-hybrid.yaml', 'image-gc-thresholds.yaml', 'image-gc-low-above-high.yaml', 'bad-cadence.yaml', 'bad-source.yaml']);
  for (const file of yamlFiles(INVALID).filter((f) => !beyondJsonSchema.has(f.slice(INVALID.length + 1)))) {
    test(`rejects ${file.slice(ROOT.length)}`, () => {
      assert.equal(validate(parse(readFileSync(file, 'utf8')) ?? null), false);
    });
  }

  test('cannot see unit text, which only `validate` checks', () => {
    assert.equal(validate(parse(readFileSync(join(INVALID, 'bad-units.yaml'), 'utf8'))), true);
  });
});

describe('one pass: checks across keys run beside the schema errors', () => {
  test('a 2 MB scenario name is refused, saying how long it is, without printing it', async () => {
    const [problem, ...rest] = await problemsOf(`name: ${'a'.repeat(2 * 2 ** 20)}\ndeploy: [initial]\n`);
    assert.equal(rest.length, 0);
    assert.equal(problem && where(problem), '1:7 name');
    assert.match(problem?.message ?? '', /^a scenario name becomes a directory name, so it is at most 100 characters, got string "a{57}\.\.\."$/);
    assert.match(problem?.hint ?? '', /it has 2,097,152\)$/);
  });

  test('a check whose keys the schema rejected is skipped, not run on defaults that would mislead', async () => {
    // With `nodez` dropped the fleet would have the default 4 nodes, and 6 canaries would look like too many.
    const problems = await problemsOf('name: x\nfleet:\n  nodez: 10\n  rollout: { stages: [{ canaries: 6 }, { rest: true }] }\n');
    assert.deepEqual(problems.map(where), ['3:3 fleet.nodez']);
  });

  test('list items after a dropped one keep their written positions', async () => {
    const problems = await problemsOf('name: x\nfleet:\n  nodes: 2\n  rollout:\n    maxConcurrent: many\n    stages:\n      - { canaries: 1 }\n      - { rest: true }\n      - { canaries: 1 }\n      - { canaries: 1 }\n');
    assert.deepEqual(problems.map(where), ['5:20 fleet.rollout.maxConcurrent', '9:9 fleet.rollout.stages.2', '10:9 fleet.rollout.stages.3']);
    const dropped = await problemsOf('name: x\nimage:\n  strategies:\n    - monolitic\n    - { per-component: {}, name: a }\n    - { per-version: {}, name: a }\n');
    assert.deepEqual(dropped.map(where), ['4:7 image.strategies.0']);
    const kept = await problemsOf('name: x\nimage:\n  strategies:\n    - monolithic\n    - { per-component: {}, name: a }\n    - { per-version: {}, name: a }\nmeasure: { repeat: 0 }\n');
    assert.deepEqual(kept.map(where), ['6:7 image.strategies.2', '7:20 measure.repeat']);
  });

  test('a scenario without a name still gets its other checks', async () => {
    const problems = await problemsOf('fleet:\n  nodes: 1\n  rollout: { stages: [{ canaries: 2 }] }\n');
    assert.deepEqual(problems.map(where), ['1:1 name', '3:23 fleet.rollout.stages.0']);
  });
});
