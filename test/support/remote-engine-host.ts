import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type Dockerode from 'dockerode';
import type { TeardownRegistry } from '../../src/core/teardown-registry.ts';
import { type EngineDaemon, startEngineDaemon } from '../../src/nodes/engines/engine-daemon.ts';
import { hostCommand } from '../../src/nodes/isolation/host-command.ts';
import { runPeer } from './peer-tools.ts';

/**
 * "Remote machines" on this one: a network namespace joined to the host by a veth pair with a private /30
 * (10.252.x.y, used nowhere else and routed nowhere), a Docker Engine inside it, reached over TCP with mutual
 * TLS or over SSH (a real sshd in the namespace). Every piece is in the caller's teardown registry the moment
 * it exists, and every process is stopped by its PID.
 */

const NETNS_DIR = '/run/netns';
const SUBNET_PREFIX = '10.252';

export interface RemoteNamespace {
  readonly netns: string;
  readonly netnsPath: string;
  /** The host's end of the veth pair: what the namespace reaches this machine (the registry) on. */
  readonly hostAddress: string;
  /** The namespace's address: the "remote machine". */
  readonly address: string;
  readonly hostLink: string;
}

export async function createRemoteNamespace(label: string, teardown: TeardownRegistry): Promise<RemoteNamespace> {
  const id = randomBytes(2).toString('hex');
  const base = freeSlash30();
  const netns = `shipbench-remote-${label}-${id}`;
  const hostLink = `rm${id}${label.slice(0, 3)}`;
  // `ip netns add` mounts /run/netns on itself the first time; undo that too when we were first.
  if (!isMountpoint(NETNS_DIR)) {
    teardown.add(`${NETNS_DIR} bookkeeping mount`, async () => {
      if (isMountpoint(NETNS_DIR) && readdirSync(NETNS_DIR).length === 0) await hostCommand('umount', [NETNS_DIR]);
    });
  }
  await hostCommand('ip', ['netns', 'add', netns]);
  // Undone last: every process started in it must be gone by then (sshd's session children too), or it is a leak.
  teardown.add(`network namespace ${netns}`, async () => {
    const left = (await hostCommand('ip', ['netns', 'pids', netns])).split(/\s+/).filter(Boolean).map(Number);
    for (const pid of left) process.kill(pid, 'SIGKILL');
    await hostCommand('ip', ['netns', 'del', netns]);
    if (left.length > 0) throw new Error(`processes were left in ${netns} (killed now): ${left.join(', ')}`);
  });
  await hostCommand('ip', ['link', 'add', hostLink, 'type', 'veth', 'peer', 'name', `${hostLink}i`]);
  teardown.add(`veth ${hostLink}`, async () => {
    if (existsSync(`/sys/class/net/${hostLink}`)) await hostCommand('ip', ['link', 'del', hostLink]);
  });
  const hostAddress = `${SUBNET_PREFIX}.${base.third}.${base.fourth + 1}`;
  const address = `${SUBNET_PREFIX}.${base.third}.${base.fourth + 2}`;
  await hostCommand('ip', ['link', 'set', `${hostLink}i`, 'netns', netns]);
  await hostCommand('ip', ['addr', 'add', `${hostAddress}/30`, 'dev', hostLink]);
  await hostCommand('ip', ['link', 'set', hostLink, 'up']);
  await hostCommand('ip', ['-n', netns, 'addr', 'add', `${address}/30`, 'dev', `${hostLink}i`]);
  await hostCommand('ip', ['-n', netns, 'link', 'set', `${hostLink}i`, 'up']);
  await hostCommand('ip', ['-n', netns, 'link', 'set', 'lo', 'up']);
  return { netns, netnsPath: `${NETNS_DIR}/${netns}`, hostAddress, address, hostLink };
}

export interface RemoteDockerd {
  readonly daemon: EngineDaemon;
  /** dockerd's managed containerd writes its pid here; stop() ends it too. */
  readonly containerdPidFile: string;
  /** The unix socket, when it listens on one (the SSH host: `docker system dial-stdio` dials it). */
  readonly socketPath: string;
  readonly stateDir: string;
}

/**
 * dockerd inside `ns`, listening where `listen` says, trusting the registry on `insecureRegistry` over plain
 * http. Its state lives under a short /tmp/sbe-* dir (unix socket paths are limited to 108 bytes; the
 * leftover check in host-leftovers.ts looks for engines there).
 */
export async function startRemoteDockerd(options: {
  readonly ns: RemoteNamespace;
  readonly listen: { readonly tcp: string; readonly tls: { readonly ca: string; readonly cert: string; readonly key: string } } | 'unix';
  readonly insecureRegistry: string;
  readonly probe: (socketPath: string) => Dockerode;
  readonly teardown: TeardownRegistry;
}): Promise<RemoteDockerd> {
  const { ns, listen, teardown } = options;
  const stateDir = await mkdtemp(join(tmpdir(), 'sbe-remote-'));
  teardown.add(`remote engine state ${stateDir}`, () => rm(stateDir, { recursive: true, force: true }));
  const socketPath = join(stateDir, 'docker.sock');
  // An empty config file: the machine's /etc/docker/daemon.json is not this engine's.
  const configFile = join(stateDir, 'daemon.json');
  await writeFile(configFile, '{}\n');
  await mkdir(join(stateDir, 'exec'));
  const endpointArgs = listen === 'unix'
    ? ['-H', `unix://${socketPath}`]
    : ['--tlsverify', '--tlscacert', listen.tls.ca, '--tlscert', listen.tls.cert, '--tlskey', listen.tls.key, '-H', listen.tcp];
  const probe = options.probe(socketPath);
  const containerdPidFile = join(stateDir, 'exec', 'containerd', 'containerd.pid');
  const daemon = await startEngineDaemon({
    label: `remote dockerd in ${ns.netns}`,
    command: 'dockerd',
    args: [
      '--config-file', configFile,
      '--data-root', join(stateDir, 'root'),
      '--exec-root', join(stateDir, 'exec'),
      '--pidfile', join(stateDir, 'dockerd.pid'),
      ...endpointArgs,
      '--iptables=false', '--bridge=none', '--ip-forward=false', '--ip-masq=false',
      '--insecure-registry', options.insecureRegistry,
    ],
    logFile: join(stateDir, 'dockerd.log'),
    netnsPath: ns.netnsPath,
    cgroupDir: undefined,
    childPidFiles: [containerdPidFile],
    ready: async () => (await probe.ping(), true),
    teardown,
  });
  return { daemon, containerdPidFile, socketPath, stateDir };
}

export interface TlsFiles {
  readonly ca: string;
  readonly serverCert: string;
  readonly serverKey: string;
  readonly clientCert: string;
  readonly clientKey: string;
}

/** A CA, a server certificate for `serverAddress` (IP SAN) and a client certificate, P-256, valid 2 days. */
export async function makeTlsFiles(dir: string, serverAddress: string): Promise<TlsFiles> {
  await mkdir(dir, { recursive: true });
  const f = (name: string) => join(dir, name);
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  await runPeer('openssl', ['req', '-x509', ...ec, '-sha256', '-days', '2', '-subj', '/CN=shipbench test CA', '-keyout', f('ca-key.pem'), '-out', f('ca.pem')]);
  const issue = async (name: string, subject: string, extensions: string) => {
    await writeFile(f(`${name}.ext`), extensions);
    await runPeer('openssl', ['req', '-new', ...ec, '-subj', subject, '-keyout', f(`${name}-key.pem`), '-out', f(`${name}.csr`)]);
    await runPeer('openssl', ['x509', '-req', '-sha256', '-days', '2', '-in', f(`${name}.csr`), '-CA', f('ca.pem'), '-CAkey', f('ca-key.pem'), '-CAcreateserial', '-extfile', f(`${name}.ext`), '-out', f(`${name}.pem`)]);
  };
  await issue('server', `/CN=${serverAddress}`, `subjectAltName=IP:${serverAddress}\nextendedKeyUsage=serverAuth\n`);
  await issue('client', '/CN=shipbench', 'extendedKeyUsage=clientAuth\n');
  return { ca: f('ca.pem'), serverCert: f('server.pem'), serverKey: f('server-key.pem'), clientCert: f('client.pem'), clientKey: f('client-key.pem') };
}

export interface RemoteSshd {
  readonly daemon: EngineDaemon;
  /** The private key whose public half sshd authorizes (for root). */
  readonly identityFile: string;
  readonly authorizedKeysFile: string;
  /** A known_hosts file listing this sshd's host key under its address. */
  readonly knownHostsFile: string;
  readonly port: number;
}

/**
 * A real OpenSSH server in `ns` on `ns.address:22`, with its own config, host key and authorized key, all in
 * `dir` (the machine's sshd config and ~/.ssh are never read or touched). Sessions get DOCKER_HOST pointing
 * at `dockerSocket`, so `docker system dial-stdio` (what dockerode runs over SSH) reaches the namespace's
 * engine, as `ssh://user@host` does with a real remote Docker host.
 */
export async function startRemoteSshd(options: { readonly ns: RemoteNamespace; readonly dir: string; readonly dockerSocket: string; readonly teardown: TeardownRegistry }): Promise<RemoteSshd> {
  const { ns, dir, teardown } = options;
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const hostKey = join(dir, 'host_ed25519');
  const identityFile = join(dir, 'client_ed25519');
  await runPeer('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'shipbench test host', '-f', hostKey]);
  await runPeer('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'shipbench test client', '-f', identityFile]);
  const authorizedKeys = join(dir, 'authorized_keys');
  await writeFile(authorizedKeys, readFileSync(`${identityFile}.pub`), { mode: 0o600 });
  const knownHostsFile = join(dir, 'known_hosts');
  const [type, key] = readFileSync(`${hostKey}.pub`, 'utf8').split(' ');
  await writeFile(knownHostsFile, `${ns.address} ${type} ${key}\n`);
  // sshd needs its privilege separation directory; Debian's init script makes it, and no init runs here.
  if (!existsSync('/run/sshd')) {
    await mkdir('/run/sshd', { mode: 0o755 });
    teardown.add('/run/sshd', () => rm('/run/sshd', { recursive: true, force: true }));
  }
  const port = 22;
  const config = join(dir, 'sshd_config');
  await writeFile(config, [
    `ListenAddress ${ns.address}:${port}`,
    `HostKey ${hostKey}`,
    `AuthorizedKeysFile ${authorizedKeys}`,
    `PidFile ${join(dir, 'sshd.pid')}`,
    'PermitRootLogin prohibit-password',
    'PubkeyAuthentication yes',
    'PasswordAuthentication no',
    'KbdInteractiveAuthentication no',
    'UsePAM no',
    // The temp dir's owner and modes are the test's, not a home directory's.
    'StrictModes no',
    'LogLevel VERBOSE',
    `SetEnv DOCKER_HOST=unix://${options.dockerSocket}`,
    '',
  ].join('\n'));
  const daemon = await startEngineDaemon({
    label: `sshd in ${ns.netns}`,
    command: '/usr/sbin/sshd',
    args: ['-D', '-e', '-f', config],
    logFile: join(dir, 'sshd.log'),
    netnsPath: ns.netnsPath,
    cgroupDir: undefined,
    ready: () => canConnect(ns.address, port),
    teardown,
  });
  return { daemon, identityFile, authorizedKeysFile: authorizedKeys, knownHostsFile, port };
}

function canConnect(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });
}

function isMountpoint(path: string): boolean {
  return readFileSync('/proc/self/mountinfo', 'utf8').split('\n').some((line) => line.split(' ')[4] === path);
}

/** A /30 in 10.252.0.0/16 that no address on this host falls in yet. */
function freeSlash30(): { third: number; fourth: number } {
  const used = new Set<string>();
  for (const line of readFileSync('/proc/net/fib_trie', 'utf8').split('\n')) {
    const m = /(\d+)\.(\d+)\.(\d+)\.(\d+)/.exec(line);
    if (m !== null && `${m[1]}.${m[2]}` === SUBNET_PREFIX) used.add(`${m[3]}.${Math.floor(Number(m[4]) / 4)}`);
  }
  for (let tries = 0; tries < 1000; tries++) {
    const third = Math.floor(Math.random() * 256);
    const quarter = Math.floor(Math.random() * 64);
    if (!used.has(`${third}.${quarter}`)) return { third, fourth: quarter * 4 };
  }
  throw new Error(`no free /30 left in ${SUBNET_PREFIX}.0.0/16`);
}

export interface SshAgent {
  readonly socket: string;
  readonly pid: number;
}

/** An ssh-agent of the test's own (`-D`: foreground, so it is our child and stops by PID). */
export async function startSshAgent(dir: string, teardown: TeardownRegistry): Promise<SshAgent> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const socket = join(dir, 'agent.sock');
  const daemon = await startEngineDaemon({
    label: 'ssh-agent',
    command: 'ssh-agent',
    args: ['-D', '-a', socket],
    logFile: join(dir, 'agent.log'),
    netnsPath: undefined,
    cgroupDir: undefined,
    ready: async () => existsSync(socket),
    teardown,
  });
  return { socket, pid: daemon.pid };
}

/** `ssh-add KEY`, the passphrase coming from a file through SSH_ASKPASS (never an argument). */
export async function addToAgent(agent: SshAgent, keyFile: string, passphraseFile: string): Promise<void> {
  const askpass = `${keyFile}.askpass`;
  await writeFile(askpass, `#!/bin/sh\nexec cat '${passphraseFile}'\n`, { mode: 0o700 });
  const { execa } = await import('execa');
  await execa('ssh-add', [keyFile], { stdin: 'ignore', env: { SSH_AUTH_SOCK: agent.socket, SSH_ASKPASS: askpass, SSH_ASKPASS_REQUIRE: 'force', DISPLAY: ':0' }, timeout: 30_000 });
}
