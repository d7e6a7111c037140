import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createContentSynthesizer } from '../../src/content/content-synthesizer.ts';
import type { ContentTree } from '../../src/content/content-tree.ts';
import { applyDeployStep } from '../../src/content/deploy-step.ts';
import type { FileEntry } from '../../src/content/file-entry.ts';
import { readCdb, writeCdb } from '../../src/content/l10n/cdb-format.ts';
import { cdbPathOf } from '../../src/content/l10n/l10n-cache-entries.ts';
import { cdbFromUpstreamJson, parseUpstream } from '../../src/content/l10n/upstream-json.ts';
import { buildInitialTree } from '../../src/content/tree-builder.ts';
import { runPeer } from '../support/peer-tools.ts';
import { smallScenario } from '../support/scenarios.ts';

const scenario = smallScenario({
  content: { preset: 'mediawiki-multiversion', scale: 0.002, versions: 2 },
  deploy: ['initial', 'l10n', 'train'],
});

function bytesOf(entry: FileEntry): Buffer {
  const out = Buffer.alloc(entry.bytes);
  createContentSynthesizer(scenario.seed).fill(entry, out);
  return out;
}

/** Every (upstream JSON, CDB) pair of a tree. */
function pairs(tree: ContentTree): Array<{ json: FileEntry; cdb: FileEntry }> {
  const byPath = new Map(tree.files.map((f) => [f.path, f]));
  return tree.files.flatMap((json) => {
    const cdbPath = json.kind === 'json' ? cdbPathOf(json.path) : undefined;
    const cdb = cdbPath === undefined ? undefined : byPath.get(cdbPath);
    return cdb === undefined ? [] : [{ json, cdb }];
  });
}

describe('l10n cache: upstream JSON and the CDB built from it', { timeout: 300_000 }, () => {
  let work: string;
  before(async () => {
    work = await mkdtemp(join(tmpdir(), 'shipbench-l10n-'));
  });
  after(async () => {
    await rm(work, { recursive: true, force: true });
  });

  it('writes CDB files byte for byte as tinycdb does, and reads them back', async () => {
    const records: Array<[Buffer, Buffer]> = [];
    for (let i = 0; i < 2000; i++) records.push([Buffer.from(`messages:key-${(i * 7919) % 10007}`), Buffer.from(`s:${4 + String(i).length}:"hé${i}";`)]);
    const input = Buffer.concat([...records.map(([k, v]) => Buffer.concat([Buffer.from(`+${k.length},${v.length}:`), k, Buffer.from('->'), v, Buffer.from('\n')])), Buffer.from('\n')]);
    await writeFile(join(work, 'input'), input);
    // tinycdb reads its input from stdin: a shell redirect keeps runPeer's loud missing-tool error.
    await runPeer('sh', ['-c', `command -v cdb >/dev/null || exit 127; cdb -c "${join(work, 'theirs.cdb')}" < "${join(work, 'input')}"`]).catch(async (e: Error) => {
      await runPeer('cdb', ['-h']);
      throw e;
    });
    const ours = writeCdb(records);
    assert.ok(ours.equals(await readFile(join(work, 'theirs.cdb'))), 'same bytes as tinycdb');
    await writeFile(join(work, 'ours.cdb'), ours);
    assert.equal((await runPeer('cdb', ['-q', join(work, 'ours.cdb'), 'messages:key-0'])).stdout, 's:5:"hé0";');
    assert.equal(readCdb(ours, Buffer.from('messages:key-7919'))?.toString(), 's:5:"hé1";');
    assert.equal(readCdb(ours, Buffer.from('messages:absent')), undefined);
  });

  it('carries each language\'s upstream JSON beside its CDB; each CDB is what a node builds from that JSON', () => {
    const initial = buildInitialTree(scenario);
    const l10nStep = applyDeployStep(scenario, initial, scenario.deploy[1] as (typeof scenario.deploy)[number], 1);
    const train = applyDeployStep(scenario, l10nStep, scenario.deploy[2] as (typeof scenario.deploy)[number], 2);
    // A pair a step left as it was is the same entries, so the same bytes (a file's bytes are a function of its
    // entry and the seed): each distinct pair is built and compared once, in the first tree that has it.
    const judged = new Set<string>();
    for (const [name, tree] of [['initial', initial], ['l10n', l10nStep], ['train', train]] as const) {
      const found = pairs(tree);
      const cdbCount = tree.files.filter((f) => f.kind === 'cdb').length;
      assert.ok(found.length > 0 && found.length === cdbCount, `${name}: every CDB has its upstream JSON`);
      const fresh = found.filter(({ json, cdb }) => {
        const identity = JSON.stringify([json, cdb]);
        return !judged.has(identity) && judged.add(identity) !== undefined;
      });
      assert.ok(fresh.length > 0, `${name}: the step brought pairs of its own`);
      for (const { json, cdb } of fresh) {
        const jsonBytes = bytesOf(json);
        assert.ok(jsonBytes.toString('utf8').endsWith('}\n'));
        const records = parseUpstream(jsonBytes);
        assert.ok(records.length > 100 && records.every(([k, v]) => /^messages:/.test(k.toString()) && /^s:\d+:".*";$/s.test(v.toString())), `${json.path}: records`);
        const built = cdbFromUpstreamJson(jsonBytes);
        assert.equal(built.length, cdb.bytes, `${cdb.path}: planned size`);
        assert.ok(built.equals(bytesOf(cdb)), `${name} ${cdb.path}: the content model's CDB is the one built from its JSON`);
        const [key, value] = records[records.length >> 1] as [Buffer, Buffer];
        assert.ok(readCdb(built, key)?.equals(value));
      }
    }
    // The l10n step changed every JSON of the newest branch, keeping most records (about 80% matchable).
    for (const { json } of pairs(l10nStep).filter((p) => p.json.version === '1.45.0-wmf.2')) {
      const before = initial.files.find((f) => f.path === json.path) as FileEntry;
      assert.notEqual(before.contentKey, json.contentKey);
      const old = new Set(parseUpstream(bytesOf(before)).map(([k, v]) => `${k.toString()}=${v.toString()}`));
      const now = parseUpstream(bytesOf(json));
      const kept = now.filter(([k, v]) => old.has(`${k.toString()}=${v.toString()}`)).length / now.length;
      assert.ok(kept > 0.7 && kept < 0.9, `${json.path}: ${kept} of the records kept`);
    }
  });

  it('reads upstream JSON as JSON.parse does: escapes, surrogate pairs, whitespace, a repeated key', () => {
    const text = '{ "a\\u00e9": "s:3:\\"x\\\\y\\";",\n\t"b": "\\ud83d\\ude00 \\/ \\n\\t",  "c":"plain", "a\\u00e9" : "last" ,"": "" }\n';
    const viaJsonParse = Object.entries(JSON.parse(text) as Record<string, string>).map(([k, v]) => [k, v]);
    const ours = parseUpstream(Buffer.from(text)).map(([k, v]) => [k.toString('utf8'), v.toString('utf8')]);
    assert.deepEqual(ours, viaJsonParse);
    assert.equal(ours.length, 4);
    assert.throws(() => parseUpstream(Buffer.from('{"a": 1}')), /value of "a" is not a string/);
    assert.throws(() => parseUpstream(Buffer.from('["a"]')), /holds one object/);
    assert.throws(() => parseUpstream(Buffer.from('{"a": "b"} x')), /unexpected bytes/);
  });

  it('gives the same bytes for the same seed, others for another', () => {
    const { json, cdb } = pairs(buildInitialTree(scenario))[0] as { json: FileEntry; cdb: FileEntry };
    assert.ok(bytesOf(json).equals(bytesOf(json)));
    assert.ok(bytesOf(cdb).equals(bytesOf(cdb)));
    const other = Buffer.alloc(json.bytes);
    createContentSynthesizer(8).fill(json, other);
    assert.ok(!other.equals(bytesOf(json)));
  });
});
