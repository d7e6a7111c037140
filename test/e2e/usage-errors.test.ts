import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { REPO_ROOT, runCli } from './run-cli.ts';

const SCENARIO = join(REPO_ROOT, 'scenarios/quickstart.yaml');

/**
 * Every command's usage errors stop before the command runs: exit 2, the problem said once, no stack trace,
 * and nothing written (not in the working directory, not under --out). Each case runs in an empty working
 * directory, so any file a command writes shows up.
 */
const cases: ReadonlyArray<{ args: string[]; says: RegExp }> = [
  { args: [], says: /name a command/ },
  { args: ['frobnicate'], says: /Unknown argument: frobnicate/ },
  { args: ['run', SCENARIO, '--mechanism', 'rsync', '--out', 'out'], says: /mechanism.*"rsync"/s },
  { args: ['run', SCENARIO, '--outt', 'out'], says: /Unknown argument: outt/ },
  { args: ['run', '--out', 'out'], says: /Not enough non-option arguments/ },
  { args: ['simulate', '--out', 'out'], says: /Not enough non-option arguments/ },
  { args: ['simulate', SCENARIO, '--out', 'out', '--calibrat', 'x.json'], says: /Unknown argument: calibrat/ },
  { args: ['report', '--out', 'out'], says: /Not enough non-option arguments/ },
  { args: ['report', 'results.json', '--format', 'pdf', '--out', 'out'], says: /format.*"pdf"/s },
  { args: ['compare', 'a.json'], says: /Not enough non-option arguments: got 1, need at least 2/ },
  { args: ['compare', 'a.json', 'b.json', '--format', 'pdf'], says: /format.*"pdf"/s },
  { args: ['compare', 'a.json', 'b.json', '--test', 'anova'], says: /test.*"anova"/s },
  { args: ['compare', 'a.json', 'b.json', '--alpha', 'x'], says: /--alpha takes a number/ },
  { args: ['generate', '--out', 'out'], says: /Not enough non-option arguments/ },
  { args: ['generate', SCENARIO, '--out', 'out', '--workers', 'many'], says: /--workers takes a number/ },
  { args: ['generate', SCENARIO, '--out', 'out', '--workers', '0'], says: /--workers takes a whole number of at least 1/ },
  { args: ['inspect'], says: /Not enough non-option arguments/ },
  { args: ['inspect', SCENARIO, 'extra', '--out', 'out'], says: /Unknown argument: extra/ },
  { args: ['check', '--out', 'out'], says: /Not enough non-option arguments/ },
  { args: ['check', SCENARIO, '--out', 'out', '--gzip-level', 'best'], says: /--gzip-level takes a number/ },
  { args: ['check', SCENARIO, '--out', 'out', '--budget', 'b.yaml'], says: /Unknown argument: budget/ },
  { args: ['validate'], says: /Not enough non-option arguments/ },
  { args: ['validate', SCENARIO, '--strict'], says: /Unknown argument: strict/ },
  { args: ['schema', 'extra', '--out', 'schema.json'], says: /Unknown argument: extra/ },
  { args: ['doctor', '--fix'], says: /Unknown argument: fix/ },
];

describe('usage errors stop the command', { concurrency: 2 }, () => {
  for (const { args, says } of cases) {
    test(`shipbench ${args.map((a) => a.replace(REPO_ROOT, '')).join(' ') || '(nothing)'}`, async () => {
      const cwd = await mkdtemp(join(tmpdir(), 'shipbench-usage-'));
      try {
        // A command that ran anyway (a whole benchmark, a generate) would outlast this: it fails, not hangs.
        const { code, stdout, stderr } = await runCli(args, { cwd, timeoutMs: 30_000 });
        assert.equal(code, 2, `exit code; stderr:\n${stderr}`);
        assert.match(stderr, says);
        assert.match(stderr, /^shipbench: /m);
        assert.doesNotMatch(stderr, /^\s+at /m, 'a stack trace');
        assert.doesNotMatch(stderr, /internal error/);
        assert.equal(stdout, '');
        assert.deepEqual(await readdir(cwd), [], 'files written');
      } finally {
        await rm(cwd, { recursive: true, force: true });
      }
    });
  }
});
