import type { MechanismKind } from '../harness/mechanism.ts';
import type { ResolvedScenario } from '../scenario/resolved.ts';

/**
 * `run` pings every `fleet.hosts` engine before generating anything: a host that is down, silent or not
 * verified (unknown SSH host key, refused certificate) costs a clear error (exit 2) in seconds, not after
 * minutes of generating and pushing. Only the image side deploys to engines.
 */
export async function assertDockerHostsReachable(scenario: ResolvedScenario, kinds: readonly MechanismKind[]): Promise<void> {
  if (!kinds.includes('image') || scenario.fleet.hosts.length === 0) return;
  // Loaded on demand: dockerode and ssh2 only for runs that name remote hosts.
  const { connectDockerHost } = await import('../nodes/engines/docker-host-connect.ts');
  await Promise.all(scenario.fleet.hosts.map((host, i) => connectDockerHost(host, i)));
}
