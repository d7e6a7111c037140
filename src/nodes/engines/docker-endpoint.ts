import { readFileSync } from 'node:fs';
import type Dockerode from 'dockerode';
import { ShipbenchError } from '../../core/errors.ts';
import type { ResolvedDockerHost } from '../../scenario/resolved-fleet-engines.ts';
import { isEncryptedPrivateKey } from './ssh-identity.ts';
import { keyBlobType, knownHostsName, verifyHostKey } from './ssh-known-hosts.ts';

/**
 * dockerode, loaded when a run first needs Docker: with its ssh and grpc dependencies it adds about 0.1 s
 * to the start of every command, and most commands (generate, check, report) never talk to Docker.
 */
export async function loadDockerode(): Promise<typeof Dockerode> {
  return (await import('dockerode')).default;
}

export interface DockerHostClient {
  readonly docker: Dockerode;
  /** Why the last connection was refused on our side (an SSH host key not known), for the error message. */
  refusal(): string | undefined;
}

/**
 * A Docker Engine API client for one `fleet.hosts` entry (unix socket, tcp with or without TLS, ssh). Keys
 * are read into memory and handed to TLS or SSH in-process: never to a child process, never in argv.
 */
export async function dockerClientFor(host: ResolvedDockerHost): Promise<DockerHostClient> {
  const Dockerode = await loadDockerode();
  switch (host.kind) {
    case 'socket':
      return { docker: new Dockerode({ socketPath: host.socketPath }), refusal: () => undefined };
    case 'tcp': {
      const url = new URL(host.url);
      const tls = host.tls;
      const docker = new Dockerode({
        host: url.hostname,
        port: Number(url.port || (tls === undefined ? 2375 : 2376)),
        protocol: tls === undefined ? 'http' : 'https',
        ...(tls === undefined ? {} : { ca: readFileSync(tls.caFile), cert: readFileSync(tls.certFile), key: readFileSync(tls.keyFile) }),
      });
      return { docker, refusal: () => undefined };
    }
    case 'ssh':
      return sshClient(Dockerode, host);
  }
}

function sshClient(DockerodeClass: typeof Dockerode, host: Extract<ResolvedDockerHost, { kind: 'ssh' }>): DockerHostClient {
  const url = new URL(host.url);
  const hostname = url.hostname.replace(/^\[(.*)\]$/, '$1');
  const port = Number(url.port || 22);
  const knownHosts = readKnownHosts(host.knownHostsFile, host.url);
  let privateKey: Buffer | undefined;
  if (host.privateKeyFile !== undefined) {
    privateKey = readFileSync(host.privateKeyFile);
    if (isEncryptedPrivateKey(privateKey.toString('latin1'))) {
      throw new ShipbenchError('ssh-key-encrypted', `${host.url}: the key ${host.privateKeyFile} is protected by a passphrase, and shipbench never asks for one`, {
        hint: `load it into ssh-agent (ssh-add ${host.privateKeyFile}) and drop key: from the host entry; shipbench then uses SSH_AUTH_SOCK`,
      });
    }
  } else if (process.env.SSH_AUTH_SOCK === undefined) {
    throw new ShipbenchError('ssh-no-identity', `${host.url}: no key: the host entry names none and no ssh-agent runs (SSH_AUTH_SOCK is not set)`, {
      hint: 'add key: PATH to the host entry, or start ssh-agent and ssh-add your key',
    });
  }
  let refusal: string | undefined;
  const hostVerifier = (key: Buffer): boolean => {
    const verdict = verifyHostKey(knownHosts, hostname, port, key);
    if (verdict.kind === 'known') return true;
    const name = knownHostsName(hostname, port);
    refusal = {
      unknown: `its ${keyBlobType(key)} host key is not in ${host.knownHostsFile}${verdict.kind === 'unknown' && verdict.knownTypes.length > 0 ? ` (which lists only ${verdict.knownTypes.join(', ')} keys for ${name})` : ''}; check its fingerprint, then add it (ssh-keyscan -p ${port} ${hostname} >> ${host.knownHostsFile}, or ssh to it once)`,
      changed: `its host key differs from the one for ${name} in ${host.knownHostsFile}: someone may be intercepting the connection, or the host was reinstalled (then remove the old line)`,
      revoked: `its host key is marked @revoked in ${host.knownHostsFile}`,
    }[verdict.kind];
    return false;
  };
  const docker = new DockerodeClass({
    protocol: 'ssh',
    host: hostname,
    port,
    ...(url.username === '' ? {} : { username: decodeURIComponent(url.username) }),
    sshOptions: privateKey === undefined ? { agent: process.env.SSH_AUTH_SOCK, hostVerifier } : { privateKey, hostVerifier },
  });
  return { docker, refusal: () => refusal };
}

function readKnownHosts(file: string, url: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    throw new ShipbenchError('ssh-known-hosts-missing', `${url}: cannot read the known_hosts file ${file} (${(error as NodeJS.ErrnoException).code ?? String(error)}), so the host cannot be verified`, {
      hint: 'name one with knownHosts: PATH in the host entry, or ssh to the host once to record its key',
    });
  }
}

/** How results name the host. */
export function describeDockerHost(host: ResolvedDockerHost): string {
  return host.kind === 'socket' ? `unix://${host.socketPath}` : host.url;
}
