import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { LineCounter, parseDocument } from 'yaml';
import { ExitCode, ShipbenchError } from '../../src/core/errors.ts';
import { scenarioJsonSchema } from '../../src/scenario/json-schema.ts';
import { loadResolvedScenario } from '../../src/scenario/load.ts';
import { inTempDir } from '../support/temp-dir.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

type JsonSchema = { readonly type?: string | readonly string[]; readonly properties?: Record<string, JsonSchema>; readonly anyOf?: readonly JsonSchema[]; readonly oneOf?: readonly JsonSchema[] };

/** Every key a scenario's model: section may set, from the schema users' editors get: a path and the types it takes. */
function modelKeys(node: JsonSchema, path: readonly string[]): Array<{ path: readonly string[]; types: readonly string[] }> {
  if (node.properties !== undefined) return Object.entries(node.properties).flatMap(([key, child]) => modelKeys(child, [...path, key]));
  const alternatives = node.anyOf ?? node.oneOf ?? [node];
  const types = alternatives.flatMap((a) => (a.type === undefined ? [] : typeof a.type === 'string' ? [a.type] : [...a.type]));
  return [{ path, types }];
}

/**
 * The "invalid new keys give positioned errors", held for every key the model has and every key added
 * later: each set, in turn, to a value of a type it never takes must be reported at that value's line and column
 * under its own key path, with the usage exit code, and not crash the loader.
 */
describe('model: section, every key given a value of the wrong type', () => {
  const schema = scenarioJsonSchema() as { properties: { model: JsonSchema } };
  const keys = modelKeys(schema.properties.model, ['model']);

  test('the schema walk finds the model keys (a wrong walk would hold nothing)', () => {
    const names = keys.map((k) => k.path.join('.'));
    for (const known of ['model.registry.egress', 'model.p2p.stepChunks', 'model.node.spread.nic', 'model.build.commit', 'model.rollout.releases', 'model.topologies']) assert.ok(names.includes(known), `${known} missing from ${names.length} keys`);
    assert.ok(keys.length >= 75, `only ${keys.length} model keys found`);
  });

  test('each is reported at its value, under its key path', async () => {
    const base = await readFile(join(ROOT, 'scenarios/quickstart.yaml'), 'utf8');
    const wrong: string[] = [];
    await inTempDir('shipbench-model-keys-', async (dir) => {
      for (const [i, key] of keys.entries()) {
        // A boolean where the key takes none, else a string of no unit; neither parses as a number, list or object.
        const value = key.types.includes('boolean') ? 'not-a-flag' : true;
        const doc = parseDocument(base);
        doc.setIn(key.path, value);
        const text = String(doc);
        const lines = new LineCounter();
        const at = parseDocument(text, { lineCounter: lines }).getIn(key.path, true) as { range: [number, number, number] };
        const { line, col } = lines.linePos(at.range[0]);
        const file = join(dir, `key-${i}.yaml`);
        await writeFile(file, text);
        try {
          await loadResolvedScenario(file);
          wrong.push(`${key.path.join('.')}: ${JSON.stringify(value)} loaded`);
        } catch (error) {
          if (!(error instanceof ShipbenchError) || error.exitCode !== ExitCode.usage) {
            wrong.push(`${key.path.join('.')}: ${error instanceof Error ? error.stack : String(error)}`);
            continue;
          }
          const found = error.problems.map((p) => `${p.location.line}:${p.location.col} ${p.keyPath}`);
          if (!found.includes(`${line}:${col} ${key.path.join('.')}`)) wrong.push(`${key.path.join('.')}: expected at ${line}:${col}, got ${found.join('; ')}`);
        }
      }
    });
    assert.deepEqual(wrong, []);
  });
});
