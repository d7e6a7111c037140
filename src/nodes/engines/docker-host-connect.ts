import type Dockerode from 'dockerode';
import { ShipbenchError } from '../../core/errors.ts';
import type { ResolvedDockerHost } from '../../scenario/resolved-fleet-engines.ts';
import { describeDockerHost, dockerClientFor } from './docker-endpoint.ts';

/** How long a `fleet.hosts` engine may take to answer its first ping: an SSH handshake on a loaded link included. */
export const DOCKER_HOST_PING_MS = 20_000;

/**
 * A client for `fleet.hosts[index]` whose engine has answered a ping: an unknown SSH host key, a refused TLS
 * certificate or an engine that is down or silent is a clear error (exit 2) naming the entry, within `timeoutMs`.
 */
export async function connectDockerHost(host: ResolvedDockerHost, index: number, timeoutMs = DOCKER_HOST_PING_MS): Promise<{ docker: Dockerode; endpoint: string }> {
  const { docker, refusal } = await dockerClientFor(host);
  const endpoint = describeDockerHost(host);
  try {
    // dockerode's ping takes an abortSignal, which its types do not list.
    const ping = docker.ping.bind(docker) as unknown as (options: { abortSignal: AbortSignal }) => Promise<unknown>;
    await ping({ abortSignal: AbortSignal.timeout(timeoutMs) });
  } catch (error) {
    const refused = refusal();
    if (refused !== undefined) throw new ShipbenchError('docker-host-unverified', `fleet.hosts[${index}] ${endpoint}: refused to connect: ${refused}`);
    const why = error instanceof Error && (error.name === 'AbortError' || error.name === 'TimeoutError') ? `no answer within ${timeoutMs / 1000} s` : error instanceof Error ? error.message : String(error);
    throw new ShipbenchError('docker-host-unreachable', `fleet.hosts[${index}] ${endpoint}: no Docker Engine answers there (${why})`, {
      hint: 'is the daemon running, and may this user reach it (socket permissions, TLS files, ssh key)?',
    });
  }
  return { docker, endpoint };
}
