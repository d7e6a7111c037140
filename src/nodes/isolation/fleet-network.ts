import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { newOwnerTag } from '../../core/owner-tag.ts';
import type { TeardownRegistry } from '../../core/teardown-registry.ts';
import { hostCommand } from './host-command.ts';
import { sweepLeftovers } from './leftover-sweep.ts';
import { shapeEgress } from './tbf-shaping.ts';

/** One emulated host's network: its namespace, the address the others reach it on, and its link on the bridge. */
export interface NetnsEndpoint {
  /** `ip netns` name; the namespace file is `/run/netns/<name>`. */
  readonly netns: string;
  readonly netnsPath: string;
  readonly address: string;
  /** The host-side end of its veth pair, on the bridge: traffic towards the namespace leaves through it. */
  readonly hostLink: string;
  /** The namespace's end, inside it. */
  readonly innerLink: string;
}

export interface FleetNetwork {
  /** The owner tag (core/owner-tag.ts) in every name this network's pieces carry. */
  readonly id: string;
  readonly bridge: string;
  /** The bridge's own address: the harness (push, probes) reaches every namespace through it. */
  readonly bridgeAddress: string;
  readonly registry: NetnsEndpoint;
  readonly nodes: ReadonlyMap<string, NetnsEndpoint>;
}

export interface FleetNetworkOptions {
  readonly nodeNames: readonly string[];
  /** Each node's NIC, both directions; unlimited when undefined. */
  readonly nicBitsPerSecond: number | undefined;
  /** What the registry can send in total; unlimited when undefined. */
  readonly registryEgressBitsPerSecond: number | undefined;
  readonly teardown: TeardownRegistry;
}

const NETNS_DIR = '/run/netns';
/** A private range used only inside namespaces this run creates; nothing routes it anywhere else. */
const SUBNET_PREFIX = '10.253';

/**
 * One network namespace per node and one for the registry, each joined to a private bridge by a veth pair;
 * every node NIC is shaped with tbf in both directions, the registry's egress on its own link. Every piece
 * is recorded in the teardown registry as soon as it exists.
 */
export async function createFleetNetwork(options: FleetNetworkOptions): Promise<FleetNetwork> {
  const { teardown } = options;
  if (options.nodeNames.length > 240) throw new Error('netns isolation supports at most 240 nodes (one /24)');
  // A dead run's namespaces, links and cgroups go first; ours carry our PID in their names.
  await sweepLeftovers();
  const id = newOwnerTag();
  const subnet = `${SUBNET_PREFIX}.${freeSubnetOctet()}`;
  const bridge = `sb${id}br`;
  // `ip netns add` mounts /run/netns on itself the first time; undo that too when we were first.
  const netnsDirMounted = isMountpoint(NETNS_DIR);
  if (!netnsDirMounted) {
    teardown.add(`${NETNS_DIR} bookkeeping mount`, async () => {
      if (isMountpoint(NETNS_DIR) && readdirSync(NETNS_DIR).length === 0) await hostCommand('umount', [NETNS_DIR]);
    });
  }
  await hostCommand('ip', ['link', 'add', bridge, 'type', 'bridge']);
  teardown.add(`bridge ${bridge}`, () => hostCommand('ip', ['link', 'del', bridge]).then(() => undefined));
  await hostCommand('ip', ['addr', 'add', `${subnet}.1/24`, 'dev', bridge]);
  await hostCommand('ip', ['link', 'set', bridge, 'up']);

  const endpoint = async (label: string, linkName: string, address: string): Promise<NetnsEndpoint> => {
    const netns = `shipbench-${id}-${label}`;
    await hostCommand('ip', ['netns', 'add', netns]);
    teardown.add(`network namespace ${netns}`, () => hostCommand('ip', ['netns', 'del', netns]).then(() => undefined));
    const innerLink = `${linkName}i`;
    await hostCommand('ip', ['link', 'add', linkName, 'type', 'veth', 'peer', 'name', innerLink]);
    // Deleting one end deletes the pair; a namespace that is gone already took its end along.
    teardown.add(`veth ${linkName}`, async () => {
      if (existsSync(`/sys/class/net/${linkName}`)) await hostCommand('ip', ['link', 'del', linkName]);
    });
    await hostCommand('ip', ['link', 'set', innerLink, 'netns', netns]);
    await hostCommand('ip', ['link', 'set', linkName, 'master', bridge, 'up']);
    await hostCommand('ip', ['-n', netns, 'addr', 'add', `${address}/24`, 'dev', innerLink]);
    await hostCommand('ip', ['-n', netns, 'link', 'set', innerLink, 'up']);
    await hostCommand('ip', ['-n', netns, 'link', 'set', 'lo', 'up']);
    return { netns, netnsPath: `${NETNS_DIR}/${netns}`, address, hostLink: linkName, innerLink };
  };

  const registry = await endpoint('registry', `sb${id}r`, `${subnet}.2`);
  if (options.registryEgressBitsPerSecond !== undefined) await shapeEgress(registry.innerLink, registry.netns, options.registryEgressBitsPerSecond);
  const nodes = new Map<string, NetnsEndpoint>();
  for (const [i, name] of options.nodeNames.entries()) {
    const node = await endpoint(name, `sb${id}n${i}`, `${subnet}.${10 + i}`);
    if (options.nicBitsPerSecond !== undefined) {
      await shapeEgress(node.hostLink, undefined, options.nicBitsPerSecond); // downloads: bridge -> node
      await shapeEgress(node.innerLink, node.netns, options.nicBitsPerSecond); // uploads: node -> bridge
    }
    nodes.set(name, node);
  }
  return { id, bridge, bridgeAddress: `${subnet}.1`, registry, nodes };
}

/** Bytes that went from the bridge into the namespace so far (the host-side link's transmit counter). */
export function bytesIntoNamespace(endpoint: NetnsEndpoint): number {
  return Number(readFileSync(`/sys/class/net/${endpoint.hostLink}/statistics/tx_bytes`, 'utf8').trim());
}

function isMountpoint(path: string): boolean {
  return readFileSync('/proc/self/mountinfo', 'utf8').split('\n').some((line) => line.split(' ')[4] === path);
}

/** A third octet no address on this host uses yet, so concurrent runs get separate subnets. */
function freeSubnetOctet(): number {
  const used = new Set<number>();
  for (const line of readFileSync('/proc/net/fib_trie', 'utf8').split('\n')) {
    const m = /(\d+)\.(\d+)\.(\d+)\.\d+/.exec(line);
    if (m !== null && `${m[1]}.${m[2]}` === SUBNET_PREFIX) used.add(Number(m[3]));
  }
  for (let tries = 0; tries < 1000; tries++) {
    const octet = 1 + Math.floor(Math.random() * 250);
    if (!used.has(octet)) return octet;
  }
  throw new Error(`no free /24 left in ${SUBNET_PREFIX}.0.0/16`);
}
