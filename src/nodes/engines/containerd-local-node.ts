import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import type { NodeBackend } from '../node-backend.ts';
import { ContainerdNode } from './containerd-node.ts';
import type { LocalEngineSite } from './local-engine-site.ts';
import { type EngineDaemon, startEngineDaemon } from './engine-daemon.ts';

/** A containerd of its own for one node, in the node's namespace and on its disk when isolated. */
export async function startContainerdNode(site: LocalEngineSite): Promise<NodeBackend> {
  const { options, name, stateDir, dataDir, place, where, resources } = site;
  const { scenario, teardown, network } = options;
  const endpoint = network?.nodes.get(name);
  const socket = join(stateDir, 'containerd.sock');
  const config = join(stateDir, 'containerd.toml');
  await writeFile(config, containerdConfig(join(dataDir, 'containerd'), join(stateDir, 'state'), socket));
  const daemon: EngineDaemon = await startEngineDaemon({
    label: `containerd of ${name}`,
    command: 'containerd',
    args: ['--config', config],
    logFile: join(stateDir, 'containerd.log'),
    ...place,
    ready: async () => (await execa('ctr', ['-a', socket, 'version'], { timeout: 5_000 }), true),
    teardown,
  });
  return new ContainerdNode({
    name,
    socket,
    netnsPath: endpoint?.netnsPath,
    registryHost: options.registry.hostForNodes,
    plainHttp: options.registry.plainHttp,
    maxConcurrentDownloads: scenario.fleet.node.maxConcurrentDownloads,
    registry: options.registry.client,
    auth: options.registry.auth,
    endpoint: `containerd pid ${daemon.pid}, ${where}`,
    resources,
    daemon,
  });
}

/** A containerd of its own for one node: no CRI (no kubelet here), its own root, state and socket. */
export function containerdConfig(root: string, state: string, socket: string): string {
  return [
    'version = 2',
    `root = ${JSON.stringify(root)}`,
    `state = ${JSON.stringify(state)}`,
    'disabled_plugins = ["io.containerd.grpc.v1.cri"]',
    '[grpc]',
    `  address = ${JSON.stringify(socket)}`,
    '[ttrpc]',
    `  address = ${JSON.stringify(`${socket}.ttrpc`)}`,
    '[debug]',
    '  address = ""',
    '[metrics]',
    '  address = ""',
    '',
  ].join('\n');
}

