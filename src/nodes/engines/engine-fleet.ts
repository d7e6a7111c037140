import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { engineStateDir, sweepLeftovers } from '../isolation/leftover-sweep.ts';
import { createNodeDisk, nodeDisksDirName, type NodeDisk } from '../isolation/node-disk.ts';
import type { NodeBackend } from '../node-backend.ts';
import type { EngineFleetOptions, LocalEngineSite } from './local-engine-site.ts';
import { startContainerdNode } from './containerd-local-node.ts';
import { connectDockerHost } from './docker-host-connect.ts';
import { startDockerNode } from './docker-local-node.ts';
import { DockerNode } from './docker-node.ts';

export type { EngineFleetOptions, EngineRegistryAccess } from './local-engine-site.ts';

/** Engines shipbench starts per node, by backend kind: adding one is a file and a line here. */
const LOCAL_ENGINES: { readonly [K in EngineFleetOptions['backend']]: (site: LocalEngineSite) => Promise<NodeBackend> } = {
  docker: startDockerNode,
  containerd: startContainerdNode,
};

/**
 * The nodes of one engine backend: remote Docker hosts as listed in `fleet.hosts`, or one daemon per node
 * started here (inside its namespace, on its own disk, in its blkio cgroup, with netns isolation). Every
 * resource is in the teardown registry before this returns or throws.
 */
export async function startEngineFleet(options: EngineFleetOptions): Promise<NodeBackend[]> {
  const { scenario } = options;
  if (scenario.fleet.hosts.length > 0) return connectDockerHosts(options);
  // What a killed run left (daemons, their mounts and state dirs) goes before we start more.
  await sweepLeftovers();
  // Sockets live under a short /tmp path: a unix socket path is limited to 108 bytes.
  const shortDir = await engineStateDir();
  options.teardown.add(`engine state ${shortDir}`, () => rm(shortDir, { recursive: true, force: true }));
  return Promise.all(options.nodeNames.map((name, i) => startLocalNode(options, name, join(shortDir, String(i)))));
}

async function startLocalNode(options: EngineFleetOptions, name: string, stateDir: string): Promise<NodeBackend> {
  const { scenario, teardown, network } = options;
  await mkdir(stateDir, { recursive: true });
  const endpoint = network?.nodes.get(name);
  let disk: NodeDisk | undefined;
  let dataDir = join(options.workDir, 'nodes', name);
  if (endpoint !== undefined && network !== undefined) {
    const disks = join(options.workDir, nodeDisksDirName(network.id));
    await mkdir(disks, { recursive: true });
    const limits = scenario.fleet.node.disk;
    disk = await createNodeDisk({
      imageFile: join(disks, `${name}.img`),
      mountpoint: join(disks, name),
      sizeBytes: scenario.fleet.node.disk.sizeBytes ?? options.diskBytesPerNode,
      limits: { readBytesPerSecond: limits.readBytesPerSecond, writeBytesPerSecond: limits.writeBytesPerSecond, readIops: limits.iops, writeIops: limits.iops },
      cgroupName: `shipbench-${network.id}/${options.backend}-${name}`,
      teardown,
    });
    dataDir = disk.mountpoint;
  }
  await mkdir(dataDir, { recursive: true });
  const resources = { network: endpoint, disk };
  const place = { netnsPath: endpoint?.netnsPath, cgroupDir: disk?.cgroupDir };
  const where = endpoint === undefined ? 'host network' : `netns ${endpoint.netns} ${endpoint.address}`;
  return LOCAL_ENGINES[options.backend]({ options, name, stateDir, dataDir, place, where, resources });
}

async function connectDockerHosts(options: EngineFleetOptions): Promise<NodeBackend[]> {
  const { scenario } = options;
  return Promise.all(
    scenario.fleet.hosts.map(async (host, i) => {
      const { docker, endpoint } = await connectDockerHost(host, i);
      return new DockerNode({
        name: options.nodeNames[i] as string,
        docker,
        registryHost: options.registry.hostForNodes,
        registry: options.registry.client,
        auth: options.registry.auth,
        repositoryPrefix: scenario.image.repository,
        endpoint,
        resources: { network: undefined, disk: undefined },
        daemon: undefined,
      });
    }),
  );
}
