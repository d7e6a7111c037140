import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { ShipbenchError } from '../../core/errors.ts';
import type { TeardownRegistry } from '../../core/teardown-registry.ts';
import type { DistributionClient } from '../../registry/distribution-client.ts';
import type { RegistryCredentials } from '../../registry/registry-auth.ts';
import type { ResolvedScenario } from '../../scenario/resolved.ts';
import type { FleetNetwork } from '../isolation/fleet-network.ts';
import { engineStateDir, sweepLeftovers } from '../isolation/leftover-sweep.ts';
import { createNodeDisk, nodeDisksDirName, type NodeDisk } from '../isolation/node-disk.ts';
import type { NodeBackend } from '../node-backend.ts';
import { ContainerdNode } from './containerd-node.ts';
import { describeDockerHost, dockerClientFor, loadDockerode } from './docker-endpoint.ts';
import { DockerNode } from './docker-node.ts';
import { type EngineDaemon, startEngineDaemon } from './engine-daemon.ts';

export interface EngineRegistryAccess {
  /** The harness's client (manifests, to name layers). */
  readonly client: DistributionClient;
  /** `host:port` as the nodes' engines reach the registry. */
  readonly hostForNodes: string;
  readonly plainHttp: boolean;
  readonly auth: RegistryCredentials | undefined;
}

export interface EngineFleetOptions {
  readonly scenario: ResolvedScenario;
  readonly backend: 'docker' | 'containerd';
  readonly nodeNames: readonly string[];
  /** Node disk images and data roots go under here. */
  readonly workDir: string;
  /** Emulated hosts' namespaces; undefined runs the engines in the host's own network. */
  readonly network: FleetNetwork | undefined;
  readonly registry: EngineRegistryAccess;
  /** Size of each emulated host's own disk (netns isolation). */
  readonly diskBytesPerNode: number;
  readonly teardown: TeardownRegistry;
}

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
  if (options.backend === 'docker') {
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

async function connectDockerHosts(options: EngineFleetOptions): Promise<NodeBackend[]> {
  const { scenario } = options;
  return Promise.all(
    scenario.fleet.hosts.map(async (host, i) => {
      const { docker, refusal } = await dockerClientFor(host);
      const endpoint = describeDockerHost(host);
      try {
        await docker.ping();
      } catch (error) {
        const refused = refusal();
        if (refused !== undefined) throw new ShipbenchError('docker-host-unverified', `fleet.hosts[${i}] ${endpoint}: refused to connect: ${refused}`);
        throw new ShipbenchError('docker-host-unreachable', `fleet.hosts[${i}] ${endpoint}: no Docker Engine answers there (${error instanceof Error ? error.message : String(error)})`, {
          hint: 'is the daemon running, and may this user reach it (socket permissions, TLS files, ssh key)?',
        });
      }
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
