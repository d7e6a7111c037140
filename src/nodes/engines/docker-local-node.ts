import { join } from 'node:path';
import type { NodeBackend } from '../node-backend.ts';
import { loadDockerode } from './docker-endpoint.ts';
import { DockerNode } from './docker-node.ts';
import type { LocalEngineSite } from './local-engine-site.ts';
import { startEngineDaemon } from './engine-daemon.ts';

/** A dockerd of its own for one node, in the node's namespace and on its disk when isolated. */
export async function startDockerNode(site: LocalEngineSite): Promise<NodeBackend> {
  const { options, name, stateDir, dataDir, place, where, resources } = site;
  const { scenario, teardown } = options;
  const socketPath = join(stateDir, 'docker.sock');
  const Dockerode = await loadDockerode();
  const docker = new Dockerode({ socketPath });
  const daemon = await startEngineDaemon({
    label: `dockerd of ${name}`,
    command: 'dockerd',
    args: [
      '--data-root', join(dataDir, 'docker'),
      '--exec-root', join(stateDir, 'exec'),
      '--pidfile', join(stateDir, 'dockerd.pid'),
      '-H', `unix://${socketPath}`,
      // The node's engine must not touch the host's networking: no bridge, no iptables rules.
      '--bridge=none', '--iptables=false', '--ip-forward=false', '--ip-masq=false',
      '--insecure-registry', options.registry.hostForNodes,
      '--max-concurrent-downloads', String(scenario.fleet.node.maxConcurrentDownloads),
    ],
    logFile: join(stateDir, 'dockerd.log'),
    ...place,
    childPidFiles: [join(stateDir, 'exec', 'containerd', 'containerd.pid')],
    ready: async () => (await docker.ping(), true),
    teardown,
  });
  return new DockerNode({
    name,
    docker,
    registryHost: options.registry.hostForNodes,
    registry: options.registry.client,
    auth: options.registry.auth,
    repositoryPrefix: scenario.image.repository,
    endpoint: `dockerd pid ${daemon.pid}, ${where}`,
    resources,
    daemon,
  });
}
