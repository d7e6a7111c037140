import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { runResultsSchema } from '../../src/report/results.ts';
import { CLI_BIN, REPO_ROOT } from './run-cli.ts';

const run = promisify(execFile);
const TINY = join(REPO_ROOT, 'fixtures/scenarios/valid/tiny-run.yaml');

describe('run --mechanism volume: Ctrl-C', { timeout: 300_000 }, () => {
  let work: string;
  before(async () => {
    work = await mkdtemp(join(tmpdir(), 'shipbench-run-volume-'));
  });
  after(async () => {
    await rm(work, { recursive: true, force: true });
  });

  it('stops every rsync daemon, keeps what was measured, says interrupted, exit 130', async () => {
    const scenario = join(work, 'long.yaml');
    await writeFile(scenario, (await readFile(TINY, 'utf8')).replace('measure: { repeat: 2, warmup: 1 }', 'measure: { repeat: 20 }'));
    const out = join(work, 'out');
    const child = spawn(process.execPath, [CLI_BIN, 'run', scenario, '--out', out, '--mechanism', 'volume'], { cwd: work, stdio: ['ignore', 'pipe', 'pipe'] });
    let text = '';
    const exited = new Promise<number>((resolve) => child.on('exit', (code) => resolve(code ?? -1)));
    const underway = new Promise<void>((resolve) => {
      child.stderr.on('data', (d: Buffer) => {
        text += d.toString();
        if (/volume initial repeat 1:/.test(text)) resolve();
      });
    });
    await Promise.race([underway, exited.then((code) => assert.fail(`run exited (${code}) before the volume rollout got going:\n${text}`))]);
    child.kill('SIGINT');
    assert.equal(await exited, 130, text);
    const results = runResultsSchema.parse(JSON.parse(await readFile(join(out, 'results.json'), 'utf8')));
    assert.equal(results.status, 'interrupted');
    assert.ok(results.steps.length >= 2 && results.steps.every((s) => s.strategy === 'volume'));
    assert.equal(results.phases.length, 0, 'the image side (registry, push) did not run');
    const { stdout } = await run('pgrep', ['-f', `rsync --daemon --no-detach --config=${out}`]).catch(() => ({ stdout: '' }));
    assert.equal(stdout.trim(), '', 'no rsync daemon of this run is left');
    await assert.rejects(stat(join(out, '.volume')));
  });
});
