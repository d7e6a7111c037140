import { readFileSync } from 'node:fs';
import Dockerode from 'dockerode';
import type { ResolvedDockerHost } from '../../scenario/resolved-fleet-engines.ts';

/** A Docker Engine API client for one `fleet.hosts` entry (unix socket, tcp with or without TLS, ssh). */
export function dockerClientFor(host: ResolvedDockerHost): Dockerode {
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
