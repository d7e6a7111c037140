import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type EmbeddedRegistry, startEmbeddedRegistry } from '../../src/registry/embedded-registry.ts';
import { htpasswdFile } from '../support/registry-process.ts';
import { type CliResult, REPO_ROOT, runCli } from './run-cli.ts';

const USER = 'deployer';
const PASSWORD = 'Tr0ub4dor&3-never-on-disk';
const TINY = join(REPO_ROOT, 'fixtures/scenarios/valid/tiny-run.yaml');

/** Every form of the password that would give it away. */
const FORMS = [PASSWORD, encodeURIComponent(PASSWORD), Buffer.from(`${USER}:${PASSWORD}`).toString('base64')];

/** Every regular file under `dir`, recursively. */
async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) out.push(join(entry.parentPath, entry.name));
  }
  return out;
}

async function assertNoSecretIn(dirs: readonly string[], outputs: readonly CliResult[]): Promise<number> {
  let scanned = 0;
  for (const dir of dirs) {
    for (const file of await filesUnder(dir)) {
      const bytes = await readFile(file);
      for (const form of FORMS) assert.ok(!bytes.includes(form), `${file} holds the password (${form === PASSWORD ? 'plain' : 'encoded'})`);
      scanned++;
    }
  }
  for (const { stdout, stderr } of outputs) for (const form of FORMS) assert.ok(!`${stdout}\n${stderr}`.includes(form), `the output holds the password:\n${stdout}\n${stderr}`);
  return scanned;
}

describe('a registry password never reaches a file, a log or an error', { timeout: 600_000 }, () => {
  let work: string;
  let registry: EmbeddedRegistry;
  before(async () => {
    work = await mkdtemp(join(tmpdir(), 'shipbench-secrets-'));
    const file = await htpasswdFile(work, USER, PASSWORD);
    registry = await startEmbeddedRegistry({ auth: { htpasswd: { file } } });
  });
  after(async () => {
    await registry?.stop();
    await rm(work, { recursive: true, force: true });
  });

  it('run with registry.auth, then report and check of its results: every output file, stdout and stderr are free of it', async () => {
    const scenario = join(work, 'auth.yaml');
    // One measured repeat of a 5 MiB tree: every pull, push, report and check still carries the credentials, whatever the size.
    const tiny = (await readFile(TINY, 'utf8')).replace('measure: { repeat: 2, warmup: 1 }', 'measure: { repeat: 1, warmup: 0 }').replace('scale: 0.0013', 'scale: 0.0005');
    assert.match(tiny, /scale: 0\.0005/);
    await writeFile(scenario, `${tiny}registry: { url: "${registry.url}", auth: { username: ${USER}, password: "${PASSWORD}" } }\n`);
    const out = join(work, 'run');
    const runs: CliResult[] = [];
    const run = await runCli(['run', scenario, '--out', out, '--mechanism', 'image'], { cwd: work, timeoutMs: 400_000 });
    runs.push(run);
    assert.equal(run.code, 0, run.stderr);
    const results = JSON.parse(await readFile(join(out, 'results.json'), 'utf8')) as { samples: unknown[]; scenario: { registry: { auth: { username: string; password: string } } } };
    assert.ok(results.samples.length > 0, 'the nodes pulled with the credentials');
    assert.deepEqual(results.scenario.registry.auth, { username: USER, password: '***' }, 'the user stays, the password is masked');
    runs.push(await runCli(['report', join(out, 'results.json'), '--out', join(work, 'rerendered')], { cwd: work }));
    const check = join(work, 'check');
    await mkdir(check);
    runs.push(
      await runCli(['check', join(out, 'results.json'), '--budgets', join(REPO_ROOT, 'fixtures/budgets/valid/results.yaml'), '--markdown', join(check, 'c.md'), '--junit', join(check, 'j.xml'), '--json', join(check, 'c.json')], { cwd: work }),
    );
    const scanned = await assertNoSecretIn([out, join(work, 'rerendered'), check], runs);
    assert.ok(scanned >= 8, `${scanned} files scanned`);
  });

  it('a user:password@ URL: simulate\'s results, and run\'s error against a wrong password, show neither', async () => {
    const url = new URL(registry.url);
    const scenario = join(work, 'url.yaml');
    await writeFile(scenario, `${await readFile(TINY, 'utf8')}registry: { url: "http://${USER}:${encodeURIComponent(PASSWORD)}@${url.host}" }\n`);
    const sim = await runCli(['simulate', scenario, '--out', join(work, 'sim')], { cwd: work });
    assert.equal(sim.code, 0, sim.stderr);
    const results = JSON.parse(await readFile(join(work, 'sim', 'results.json'), 'utf8')) as { registry: { url: string } };
    assert.equal(results.registry.url, `http://${url.host}`);
    // A wrong password in the URL: refused before anything is generated, and the error names no password.
    const wrong = join(work, 'wrong.yaml');
    await writeFile(wrong, `${await readFile(TINY, 'utf8')}registry: { url: "http://${USER}:wrong-${encodeURIComponent(PASSWORD)}@${url.host}" }\n`);
    const refused = await runCli(['run', wrong, '--out', join(work, 'refused'), '--mechanism', 'image'], { cwd: work, timeoutMs: 120_000 });
    assert.equal(refused.code, 2, refused.stderr);
    assert.match(refused.stderr, /refused user "deployer"/);
    await assertNoSecretIn([join(work, 'sim'), join(work, 'refused')], [sim, refused]);
  });
});
