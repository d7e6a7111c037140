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

/** Each invalid fixture: every problem, in file order, as `line:col keyPath`, and a few message details. */
const EXPECTED: Record<string, { problems: string[]; messages?: Record<number, RegExp>; hints?: Record<number, RegExp> }> = {
  'wrong-types.yaml': {
    problems: ['3:7 seed', '5:13 content.versions', '6:10 content.scale', '8:10 fleet.nodes', '10:13 fleet.node.unpack', '11:9 volume'],
    messages: {
      0: /got a list of 2 items/,
      1: /^expected a whole number of versions, got string "eight"$/,
      2: /got string "0\.5"/,
      3: /whole number, got number 1\.5/,
      5: /^expected a mapping, got a list/,
    },
    hints: { 2: /without quotes/ },
  },
  'unknown-key.yaml': {
    problems: ['3:1 contnt'],
    messages: { 0: /^unknown key "contnt"$/ },
    hints: { 0: /^did you mean "content"\?$/ },
  },
  'unknown-nested-key.yaml': {
    problems: ['8:7 fleet.node.disk.wirte', '9:3 fleet.colour'],
    messages: { 0: /^unknown key "wirte"$/, 1: /^unknown key "colour"$/ },
    // Nothing is close to "colour": list what is allowed there instead.
    hints: { 0: /^did you mean "write"\?$/, 1: /^keys allowed here: nodes, backend, isolation, registryEgress, hosts, rollout, node$/ },
  },
  'impossible-sizes.yaml': {
    problems: ['4:10 content.scale', '6:38 content.components.0.size', '8:17 image.base.size'],
    messages: { 0: /above 0, got number 0/, 1: /"-3GiB"/, 2: /non-negative/ },
    hints: { 1: /150MiB/ },
  },
  'negative-counts.yaml': {
    problems: ['4:13 content.versions', '6:10 fleet.nodes', '8:12 volume.proxies', '10:11 measure.warmup'],
    messages: { 1: /got number -3/, 3: /cannot be negative, got number -1/ },
  },
  'bad-budgets.yaml': {
    problems: ['4:37 budgets.0.max', '5:45 budgets.1.growth'],
    messages: { 0: /^compressed-size is in bytes: "5 minutes" is not a size$/, 1: /better high, so a growth budget does not apply/ },
    hints: { 0: /1\.5GiB/, 1: /min: 95%/ },
  },
  'bad-units.yaml': {
    problems: ['5:27 content.components.0.size', '7:17 image.base.size', '9:30 image.strategies.0.chunked.maxLayer', '12:10 fleet.node.nic'],
    messages: { 0: /"1Gbit" is in bits/, 1: /"2GiB\/s" is not a size/, 2: /^"5 parsecs" is not a size$/, 3: /^"fast" is not a rate$/ },
    hints: { 0: /1GB/, 2: /150MiB/, 3: /1Gbit\/s/ },
  },
  'bad-strategy.yaml': {
    problems: ['5:7 image.strategies.0', '6:18 image.strategies.1.chunked.maxLayer'],
    messages: { 0: /^expected a layer strategy: .*got string "monolitic"$/, 1: /^missing required key "maxLayer"$/ },
    hints: { 0: /^did you mean "monolithic"\?$/, 1: /a size/ },
  },
  'bad-step.yaml': {
    problems: ['5:5 deploy.1', '6:26 deploy.2.backport.files', '7:5 deploy.3'],
    messages: { 0: /got string "backprot"/, 1: /at least one file, got number 0/, 2: /got a mapping with key "rollback"/ },
    hints: { 0: /did you mean "backport"/, 2: /initial, backport, config, train, l10n/ },
  },
  'bad-neighbours.yaml': {
    problems: ['5:13 neighbours.baseline', '7:21 neighbours.workloads.0.http.rate', '8:14 neighbours.workloads.1.fio.rateIop', '9:7 neighbours.workloads.2', '10:14 neighbours.minEffect'],
    messages: { 0: /"3 seconds" is not a duration/, 1: /rate must be above 0/, 2: /^unknown key "rateIop"$/, 3: /expected a neighbour/, 4: /share "150%" must lie between 0% and 100%/ },
    hints: { 2: /did you mean "rateIops"/, 3: /http, fio/, 4: /25%/ },
  },
  'reserved-strategy-name.yaml': {
    problems: ['6:34 image.strategies.1.name'],
    messages: { 0: /^"volume" is reserved for the rsync side.*another name/ },
  },
  'yaml-syntax.yaml': { problems: ['5:1 '], messages: { 0: /^YAML syntax: .*\]/ } },
  'duplicate-key.yaml': { problems: ['5:3 fleet.nodes'], messages: { 0: /^duplicate key "nodes"$/ }, hints: { 0: /only once/ } },
  'empty.yaml': { problems: ['1:1 '], messages: { 0: /empty/ }, hints: { 0: /name: / } },
  'top-level-list.yaml': { problems: ['2:1 '], messages: { 0: /top level is a list/ } },
  'many-problems.yaml': {
    problems: [
      '2:7 name',
      '3:1 contnt',
      '7:30 image.strategies.0.chunked.maxLayer',
      '8:16 image.compression',
      '10:10 fleet.nodes',
      '12:10 fleet.node.nic',
      '15:5 deploy.1',
    ],
    hints: { 1: /did you mean "content"/, 3: /did you mean "gzip"/, 6: /did you mean "train"/ },
  },
};

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

  // YAML that does not parse has no JSON to check; unit text ("5 parsecs"), and a budget limit's unit that
  // follows its metric, are beyond JSON Schema.
  const beyondJsonSchema = new Set(['yaml-syntax.yaml', 'duplicate-key.yaml', 'bad-units.yaml', 'bad-budgets.yaml']);
  for (const file of yamlFiles(INVALID).filter((f) => !beyondJsonSchema.has(f.slice(INVALID.length + 1)))) {
    test(`rejects ${file.slice(ROOT.length)}`, () => {
      assert.equal(validate(parse(readFileSync(file, 'utf8')) ?? null), false);
    });
  }

  test('cannot see unit text, which only `validate` checks', () => {
    assert.equal(validate(parse(readFileSync(join(INVALID, 'bad-units.yaml'), 'utf8'))), true);
  });
});
