import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { appendFile, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import Dockerode from 'dockerode';
import { processAlive } from '../../src/core/process-alive.ts';
import { TeardownRegistry } from '../../src/core/teardown-registry.ts';
import { chainIds } from '../../src/nodes/chain-id.ts';
import { dockerClientFor } from '../../src/nodes/engines/docker-endpoint.ts';
import { manifestLayers } from '../../src/nodes/engines/manifest-layers.ts';
import { DistributionClient } from '../../src/registry/distribution-client.ts';
import { startEmbeddedRegistry } from '../../src/registry/embedded-registry.ts';
import { runResultsSchema } from '../../src/report/results.ts';
import { CLI_BIN } from '../e2e/run-cli.ts';
import { runPeer } from '../support/peer-tools.ts';
import { addedSince, snapshotHost } from '../support/host-leftovers.ts';
import { addToAgent, createRemoteNamespace, makeTlsFiles, type RemoteNamespace, startRemoteDockerd, startRemoteSshd, startSshAgent } from '../support/remote-engine-host.ts';

/**
 * `fleet.hosts` for real: a "remote machine" is a network namespace reached over a veth pair, running a
 * Docker Engine that listens on TCP with mutual TLS, or an OpenSSH server in front of one. `shipbench run`
 * (the real CLI) deploys one step of a tiny scenario to it through a registry on the host end of the pair;
 * the engine must have pulled exactly the manifest's layers, no key material may show in any argv, output
 * or file of the run, and afterwards nothing of the remote machine may be left.
 */

const isRoot = process.getuid?.() === 0;
const REPOSITORY = 'shipbench/remote';

/** One initial step of a tiny tree in a few layers: the cheapest real pull that still has several layers. */
function scenarioYaml(registryUrl: string, hosts: string): string {
  return [
    'name: remote-engines',
    'seed: 5',
    'content: { preset: mediawiki-multiversion, scale: 0.001 }',
    `image: { strategies: [per-component], repository: ${REPOSITORY} }`,
    'deploy: [initial]',
    'measure: { repeat: 1, warmup: 0 }',
    `registry: { url: ${registryUrl} }`,
    'fleet:',
    '  backend: docker',
    '  hosts:',
    hosts,
    '',
  ].join('\n');
}

interface RunOutcome {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  /** Every argv seen on the machine while the run went, by polling /proc (children come and go fast). */
  readonly argvs: ReadonlySet<string>;
}

/** `shipbench run` as a user starts it, watching every process's argv meanwhile. */
async function runWatchingArgv(args: readonly string[], cwd: string): Promise<RunOutcome> {
  const argvs = new Set<string>();
  const child = spawn(process.execPath, [CLI_BIN, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number>((resolve) => child.once('exit', (code) => resolve(code ?? -1)));
  let done = false;
  void exited.then(() => (done = true));
  const timer = setTimeout(() => child.kill('SIGTERM'), 240_000);
  while (!done) {
    for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
      try {
        argvs.add(readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' '));
      } catch {
        // gone meanwhile
      }
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  clearTimeout(timer);
  return { code: await exited, stdout, stderr, argvs };
}

/** The secret lines of a PEM private key (its base64 body), long enough not to match by chance. */
function keyMaterial(pemFile: string): string[] {
  return readFileSync(pemFile, 'utf8').split('\n').filter((l) => l.length >= 20 && !l.startsWith('-----'));
}

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
}

async function assertNoKeyMaterial(keyFiles: readonly string[], run: RunOutcome, outDirs: readonly string[]): Promise<void> {
  const secrets = keyFiles.flatMap(keyMaterial);
  assert.ok(secrets.length > 0);
  assert.ok([...run.argvs].some((a) => a.includes(CLI_BIN) && a.includes(' run ')), 'the argv watch saw the run itself');
  const outputs: [string, string][] = [['stdout', run.stdout], ['stderr', run.stderr], ...[...run.argvs].map((a): [string, string] => [`argv ${a.slice(0, 80)}`, a])];
  for (const file of (await Promise.all(outDirs.map(filesUnder))).flat()) {
    if ((await stat(file)).size < 64 * 1024 * 1024) outputs.push([file, await readFile(file, 'latin1')]);
  }
  for (const [where, text] of outputs) {
    for (const secret of secrets) assert.ok(!text.includes(secret), `key material in ${where}`);
  }
}

/**
 * The step's layers reached the remote engine: the sample names exactly the manifest's layers, each downloaded
 * (the engine was cold); independently of shipbench's accounting, the engine holds the image by the registry's
 * manifest digest with exactly the manifest's layers (ChainIDs of its unpacked layers), and the namespace's
 * link carried at least the layer bytes in.
 */
async function assertPulledManifestLayers(check: { registryUrl: string; outDir: string; host: string; engine: Dockerode; linkBytesIn: number }): Promise<void> {
  const client = new DistributionClient({ baseUrl: check.registryUrl, auth: undefined });
  try {
    const results = runResultsSchema.parse(JSON.parse(await readFile(join(check.outDir, 'results.json'), 'utf8')));
    assert.equal(results.status, 'completed');
    const samples = results.samples.filter((s) => s.strategy === 'per-component');
    assert.equal(samples.length, 1, 'one node, one step, one repeat');
    const [sample] = samples;
    assert.ok(sample !== undefined);
    assert.equal(sample.error, undefined, sample.error);
    assert.equal(sample.host, check.host);
    assert.equal(sample.backend, 'docker');
    assert.deepEqual(results.engines?.nodes.map((n) => n.endpoint), [check.host]);
    const repository = `${REPOSITORY}/per-component`;
    const { layers, chains } = await manifestLayers(client, repository, sample.step);
    const layerBytes = layers.reduce((n, l) => n + l.size, 0);
    assert.ok(layers.length > 1, 'the tiny image still has several layers');
    assert.deepEqual(sample.layers.map((l) => [l.digest, l.bytes]), layers.map((l) => [l.digest, l.size]));
    assert.ok(sample.layers.every((l) => l.downloadSeconds > 0), 'every layer was downloaded (the engine was cold)');
    assert.equal(sample.bytesDownloaded, layerBytes);

    const registryHost = new URL(check.registryUrl).host;
    const manifestDigest = (await client.getManifest(repository, sample.step)).digest;
    const image = await check.engine.getImage(`${registryHost}/${repository}:${sample.step}`).inspect();
    assert.ok(image.RepoDigests.includes(`${registryHost}/${repository}@${manifestDigest}`), `${JSON.stringify(image.RepoDigests)} has ${manifestDigest}`);
    assert.deepEqual(chainIds(image.RootFS.Layers ?? []), chains, 'the engine unpacked exactly the manifest\'s layers');
    assert.ok(check.linkBytesIn >= layerBytes, `${check.linkBytesIn} bytes went into the namespace, less than the ${layerBytes} layer bytes`);
  } finally {
    await client.close();
  }
}

function bytesIntoNamespace(ns: RemoteNamespace): number {
  return Number(readFileSync(`/sys/class/net/${ns.hostLink}/statistics/tx_bytes`, 'utf8'));
}

/** Nothing of the remote machine outlives the test: processes by PID, the namespace, its link, mounts. */
function assertGone(ns: RemoteNamespace, pids: readonly number[], workDir: string, before: ReturnType<typeof snapshotHost>): void {
  for (const pid of pids) assert.ok(!processAlive(pid), `pid ${pid} is still running`);
  assert.ok(!existsSync(ns.netnsPath), `${ns.netns} is gone`);
  assert.ok(!existsSync(`/sys/class/net/${ns.hostLink}`), `${ns.hostLink} is gone`);
  const after = snapshotHost(workDir);
  const added = addedSince(before, after);
  assert.deepEqual({ mounts: added.mounts, engineProcesses: added.engineProcesses }, { mounts: undefined, engineProcesses: undefined });
  assert.ok(!after.namespaces.includes(ns.netns));
}

/** The machine's "remote host" plus a registry on the host end of its link, torn down in `finally`. */
async function withRemoteHost(label: string, body: (ns: RemoteNamespace, registryUrl: string, workDir: string, teardown: TeardownRegistry, pids: number[]) => Promise<void>): Promise<void> {
  const workDir = await mkdtemp(join(tmpdir(), `shipbench-remote-${label}-`));
  const before = snapshotHost(workDir);
  const teardown = new TeardownRegistry();
  const pids: number[] = [];
  let ns: RemoteNamespace | undefined;
  try {
    ns = await createRemoteNamespace(label, teardown);
    // The remote engine reaches the registry on the host end of the pair: loopback is not the remote's.
    const registry = await startEmbeddedRegistry({ host: ns.hostAddress });
    pids.push(registry.pid);
    teardown.add('registry', () => registry.stop());
    await body(ns, registry.url, workDir, teardown, pids);
  } finally {
    const failures = await teardown.teardown();
    await rm(workDir, { recursive: true, force: true });
    assert.deepEqual(failures, []);
  }
  assert.ok(ns !== undefined);
  assertGone(ns, pids, workDir, before);
}

describe('fleet.hosts: remote Docker Engines for real', { skip: isRoot ? false : 'needs root (network namespaces, dockerd, sshd)' }, () => {
  // Both runs start here, so the second finds the first's generated layers in its cache (same seed, same bytes).
  let cwd: string;
  before(async () => {
    cwd = await mkdtemp(join(tmpdir(), 'shipbench-remote-cwd-'));
  });
  after(() => rm(cwd, { recursive: true, force: true }));

  test('over TCP with mutual TLS: the engine pulls the step\'s layers; no key material anywhere; nothing left', async () => {
    await withRemoteHost('tls', async (ns, registryUrl, workDir, teardown, pids) => {
      const tls = await makeTlsFiles(join(workDir, 'certs'), ns.address);
      const tcp = `tcp://${ns.address}:2376`;
      const engine = await startRemoteDockerd({
        ns,
        listen: { tcp, tls: { ca: tls.ca, cert: tls.serverCert, key: tls.serverKey } },
        insecureRegistry: new URL(registryUrl).host,
        probe: () => new Dockerode({ host: ns.address, port: 2376, protocol: 'https', ca: readFileSync(tls.ca), cert: readFileSync(tls.clientCert), key: readFileSync(tls.clientKey) }),
        teardown,
      });
      pids.push(engine.daemon.pid);
      // Without a client certificate the engine refuses: it really is the mutual-TLS setup.
      await assert.rejects(new Dockerode({ host: ns.address, port: 2376, protocol: 'https', ca: readFileSync(tls.ca) }).ping());
      const scenario = join(workDir, 'remote-tls.yaml');
      // Relative paths: relative to the scenario file.
      await writeFile(scenario, scenarioYaml(registryUrl, `    - tcp: ${tcp}\n      tls: { ca: certs/ca.pem, cert: certs/client.pem, key: certs/client-key.pem }`));
      const out = join(workDir, 'out');
      const linkBytesBefore = bytesIntoNamespace(ns);
      const run = await runWatchingArgv(['run', scenario, '--out', out, '--mechanism', 'image'], cwd);
      assert.equal(run.code, 0, run.stderr);
      const engineClient = new Dockerode({ host: ns.address, port: 2376, protocol: 'https', ca: readFileSync(tls.ca), cert: readFileSync(tls.clientCert), key: readFileSync(tls.clientKey) });
      await assertPulledManifestLayers({ registryUrl, outDir: out, host: tcp, engine: engineClient, linkBytesIn: bytesIntoNamespace(ns) - linkBytesBefore });
      await assertNoKeyMaterial([tls.clientKey, tls.serverKey], run, [out, cwd]);
      const containerdPid = Number(readFileSync(engine.containerdPidFile, 'utf8'));
      if (containerdPid > 1) pids.push(containerdPid);
    });
  });

  test('over SSH (OpenSSH in the namespace): the engine pulls the step\'s layers; no key material anywhere; nothing left', async () => {
    await withRemoteHost('ssh', async (ns, registryUrl, workDir, teardown, pids) => {
      const engine = await startRemoteDockerd({ ns, listen: 'unix', insecureRegistry: new URL(registryUrl).host, probe: (socketPath) => new Dockerode({ socketPath }), teardown });
      pids.push(engine.daemon.pid);
      const sshd = await startRemoteSshd({ ns, dir: join(workDir, 'ssh'), dockerSocket: engine.socketPath, teardown });
      pids.push(sshd.daemon.pid);
      const url = `ssh://root@${ns.address}`;
      const scenario = join(workDir, 'remote-ssh.yaml');
      await writeFile(scenario, scenarioYaml(registryUrl, `    - ssh: ${url}\n      key: ssh/client_ed25519\n      knownHosts: ssh/known_hosts`));
      const out = join(workDir, 'out');
      const linkBytesBefore = bytesIntoNamespace(ns);
      const run = await runWatchingArgv(['run', scenario, '--out', out, '--mechanism', 'image'], cwd);
      assert.equal(run.code, 0, `${run.stderr}\nsshd log:\n${sshd.daemon.logTail()}`);
      const engineClient = (await dockerClientFor({ kind: 'ssh', url, privateKeyFile: sshd.identityFile, knownHostsFile: sshd.knownHostsFile })).docker;
      await assertPulledManifestLayers({ registryUrl, outDir: out, host: url, engine: engineClient, linkBytesIn: bytesIntoNamespace(ns) - linkBytesBefore });
      await assertNoKeyMaterial([sshd.identityFile], run, [out, cwd]);
      // It went through sshd: the server logged the key's login.
      assert.match(readFileSync(sshd.daemon.logFile, 'utf8'), /Accepted publickey for root/);

      // A host whose key is not the recorded one gets no API call (nor the registry credentials a pull sends).
      const impostor = join(workDir, 'ssh', 'impostor_known_hosts');
      await writeFile(impostor, `${ns.address} ${readFileSync(`${sshd.identityFile}.pub`, 'utf8').split(' ').slice(0, 2).join(' ')}\n`);
      const host = { kind: 'ssh' as const, url, privateKeyFile: sshd.identityFile, knownHostsFile: impostor };
      const unverified = await dockerClientFor(host);
      await assert.rejects(unverified.docker.ping());
      assert.match(unverified.refusal() ?? '', /host key differs from the one for 10\.252\.\S+ in .*impostor_known_hosts: someone may be intercepting/);

      // A passphrase-protected key: shipbench refuses to read it and signs through ssh-agent instead.
      const agent = await startSshAgent(join(workDir, 'agent'), teardown);
      pids.push(agent.pid);
      const encrypted = join(workDir, 'ssh', 'agent_ed25519');
      const passphrase = randomBytes(12).toString('hex');
      await writeFile(`${encrypted}.passphrase`, passphrase, { mode: 0o600 });
      // The test makes the key as a user would, once (the passphrase is in ssh-keygen's argv here, not shipbench's).
      await runPeer('ssh-keygen', ['-q', '-t', 'ed25519', '-N', passphrase, '-C', 'shipbench agent key', '-f', encrypted]);
      await appendFile(sshd.authorizedKeysFile, readFileSync(`${encrypted}.pub`));
      await assert.rejects(dockerClientFor({ ...host, privateKeyFile: encrypted, knownHostsFile: sshd.knownHostsFile }), /protected by a passphrase, and shipbench never asks for one/);
      await addToAgent(agent, encrypted, `${encrypted}.passphrase`);
      const saved = process.env.SSH_AUTH_SOCK;
      process.env.SSH_AUTH_SOCK = agent.socket;
      try {
        const viaAgent = await dockerClientFor({ ...host, privateKeyFile: undefined, knownHostsFile: sshd.knownHostsFile });
        assert.equal((await viaAgent.docker.ping()).toString(), 'OK');
      } finally {
        if (saved === undefined) delete process.env.SSH_AUTH_SOCK;
        else process.env.SSH_AUTH_SOCK = saved;
      }
      assert.match(readFileSync(sshd.daemon.logFile, 'utf8'), /Accepted publickey for root .* ED25519 SHA256:\S+$/m);
      const containerdPid = Number(readFileSync(engine.containerdPidFile, 'utf8'));
      if (containerdPid > 1) pids.push(containerdPid);
    });
  });
});
