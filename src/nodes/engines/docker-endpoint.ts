import { readFileSync } from 'node:fs';
import type Dockerode from 'dockerode';
import type { ResolvedDockerHost } from '../../scenario/resolved-fleet-engines.ts';

/**
 * dockerode, loaded when a run first needs Docker: with its ssh and grpc dependencies it adds about 0.1 s
 * to the start of every command, and most commands (generate, check, report) never talk to Docker.
 */
export async function loadDockerode(): Promise<typeof Dockerode> {
  return (await import('dockerode')).default;
}

/** A Docker Engine API client for one `fleet.hosts` entry (unix socket, tcp with or without TLS, ssh). */
export async function dockerClientFor(host: ResolvedDockerHost): Promise<Dockerode> {
  const Dockerode = await loadDockerode();
  switch (host.kind) {
    case 'socket':
      return new Dockerode({ socketPath: host.socketPath });
    case 'tcp': {
      const url = new URL(host.url);
      const tls = host.tls;
      return new Dockerode({
        host: url.hostname,
        port: Number(url.port || (tls === undefined ? 2375 : 2376)),
        protocol: tls === undefined ? 'http' : 'https',
        ...(tls === undefined ? {} : { ca: readFileSync(tls.caFile), cert: readFileSync(tls.certFile), key: readFileSync(tls.keyFile) }),
      });
    }
    case 'ssh': {
      const url = new URL(host.url);
      return new Dockerode({
        protocol: 'ssh',
        host: url.hostname,
        port: Number(url.port || 22),
        ...(url.username === '' ? {} : { username: decodeURIComponent(url.username) }),
        ...(host.privateKeyFile === undefined ? {} : { sshOptions: { privateKey: readFileSync(host.privateKeyFile) } }),
      });
    }
  }
}

/** How results name the host. */
export function describeDockerHost(host: ResolvedDockerHost): string {
  return host.kind === 'socket' ? `unix://${host.socketPath}` : host.url;
}
