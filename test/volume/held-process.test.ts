import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { HeldProcess, HeldProcesses } from '../../src/volume/held-process.ts';

const env = { ...process.env, LC_ALL: 'C' };

describe('a process forked ahead and released into its command', () => {
  it('runs the command as itself: its PID, its words as given, its output', async () => {
    const held = new HeldProcess(env);
    const pid = held.pid;
    // Quotes, spaces and a dollar sign reach the command as they are: the shell evaluates only its quoting.
    const out = await held.run('/bin/sh', ['-c', 'echo "$$" && printf "%s|" "$@"', 'sh', "it's", 'two words', '$HOME']);
    assert.equal(out.exitCode, 0);
    const [first, second] = out.stdout.split('\n');
    // Exec, not a child of the shell: the released command keeps the PID forked ahead.
    assert.equal(Number(first), pid);
    assert.equal(second, "it's|two words|$HOME|");
    assert.equal(out.cancelled, false);
  });

  it('hands back the command exit code and its standard error', async () => {
    const out = await new HeldProcess(env).run('/bin/sh', ['-c', 'echo no such module >&2; exit 5']);
    assert.equal(out.exitCode, 5);
    assert.equal(out.stderr.trim(), 'no such module');
  });

  it('ends the command when the caller aborts', async () => {
    const abort = new AbortController();
    const running = new HeldProcess(env).run('/bin/sleep', ['30'], abort.signal);
    setTimeout(() => abort.abort(), 50);
    const out = await running;
    assert.equal(out.cancelled, true);
    assert.equal(out.signal, 'SIGTERM');
  });

  it('runs one command, and refuses a word its one line cannot carry', async () => {
    assert.equal(HeldProcess.carries('/bin/echo', ['a\nb']), false);
    const held = new HeldProcess(env);
    await assert.rejects(held.run('/bin/echo', ['a\nb']), /newline/);
    await held.run('/bin/true', []);
    await assert.rejects(held.run('/bin/true', []), /one command/);
  });

  it('lets an unreleased shell go: it reads the end of its input and exits', async () => {
    const pool = new HeldProcesses(['node-1', 'node-2'], env);
    const taken = pool.take('node-1')!;
    assert.equal(pool.take('node-1'), undefined);
    assert.equal(await taken.close(), 125);
    pool.close();
    assert.equal(pool.take('node-2'), undefined);
  });
});
