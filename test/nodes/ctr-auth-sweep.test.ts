import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { runCli } from '../e2e/run-cli.ts';

/** A PID that just ended: a process that ran and exited. */
function deadPid(): number {
  const child = spawnSync('sh', ['-c', 'echo $$']);
  return Number(child.stdout.toString().trim());
}

test('`doctor --cleanup` removes the registry credentials a SIGKILLed containerd pull left in $TMPDIR, and lists them; a live owner\'s stay', async () => {
  const stale = await mkdtemp(join(tmpdir(), `shipbench-ctr-auth-${deadPid()}-`));
  const live = await mkdtemp(join(tmpdir(), `shipbench-ctr-auth-${process.pid}-`));
  try {
    await mkdir(join(stale, '127.0.0.1:5000'));
    await writeFile(join(stale, '127.0.0.1:5000', 'hosts.toml'), '[host."http://127.0.0.1:5000".header]\nAuthorization = "Basic ZGVwbG95ZXI6c2VjcmV0"\n', { mode: 0o600 });
    const result = await runCli(['doctor', '--cleanup'], { timeoutMs: 120_000 });
    assert.ok(!existsSync(stale), `${stale} is still there:\n${result.stdout}\n${result.stderr}`);
    assert.match(result.stdout, new RegExp(`^│ directory +│ ${stale.replace(/[.]/g, '\\.')} +│ \\d+`, 'm'));
    assert.ok(existsSync(live), 'a live owner\'s credentials are not touched');
  } finally {
    await rm(stale, { recursive: true, force: true });
    await rm(live, { recursive: true, force: true });
  }
});
