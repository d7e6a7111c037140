import { z } from 'zod';

/**
 * The `fleet` keys of real container engines (kept apart from schema.ts, which hooks them in): which
 * backends the nodes are, emulated hosts in network namespaces, remote Docker hosts, per-node disk limits.
 * The unit-field factories come from schema.ts, so this file does not import it back.
 */

export const BACKEND_KINDS = ['virtual', 'docker', 'containerd'] as const;
export const ISOLATION_KINDS = ['none', 'netns'] as const;

interface UnitFields {
  readonly bitRate: () => z.ZodType<string | number>;
  readonly byteRate: () => z.ZodType<string | number>;
  readonly size: () => z.ZodType<string | number>;
}

const backendKind = z.enum(BACKEND_KINDS, { error: `expected a backend: ${BACKEND_KINDS.join(', ')}` });

const dockerHostInput = z.union(
  [
    z.strictObject({ socket: z.string().min(1).meta({ description: 'path of a Docker Engine unix socket, e.g. /run/docker.sock' }) }),
    z.strictObject({
      tcp: z.string().regex(/^tcp:\/\/[^/@]+:\d+\/?$/, 'expected tcp://HOST:PORT (no user or password: TLS certificates authenticate)'),
      tls: z.strictObject({ ca: z.string().min(1), cert: z.string().min(1), key: z.string().min(1) }).optional()
        .meta({ description: 'PEM files for mutual TLS (the Docker daemon\'s --tlsverify setup)' }),
    }),
    z.strictObject({
      // No password in the URL: it would end up in results.json and process listings; keys or ssh-agent only.
      ssh: z.string().regex(/^ssh:\/\/([^@/:]+@)?[^/@]+(:\d+)?\/?$/, 'expected ssh://USER@HOST[:PORT] (no password: use key: or ssh-agent)'),
      key: z.string().min(1).optional().meta({ description: 'private key file without a passphrase; ssh-agent (SSH_AUTH_SOCK) otherwise' }),
      knownHosts: z.string().min(1).optional().meta({ description: 'OpenSSH known_hosts file that must list the host\'s key; ~/.ssh/known_hosts by default' }),
    }),
  ],
  { error: 'expected a Docker endpoint: { socket: /run/docker.sock }, { tcp: tcp://host:2376, tls: { ca, cert, key } } or { ssh: ssh://user@host }' },
);

/** Keys spread into `fleet`. */
export function fleetEngineFields(units: UnitFields) {
  return {
    backend: z.union([backendKind, z.array(backendKind).min(1, 'name at least one backend')], {
      error: `expected a backend (${BACKEND_KINDS.join(', ')}) or a list of them to compare`,
    }).optional().meta({ description: 'what a node is: virtual (in-process), docker (a Docker Engine) or containerd; a list runs each and compares' }),
    isolation: z.enum(ISOLATION_KINDS, { error: `expected ${ISOLATION_KINDS.join(' or ')}` }).optional()
      .meta({ description: 'netns: each node an emulated host (own network namespace, shaped NIC, own loop-device disk); needs root' }),
    registryEgress: units.bitRate().optional().meta({ description: 'shape what the registry sends in total (netns isolation)' }),
    hosts: z.array(dockerHostInput).min(1, 'name at least one host').optional()
      .meta({ description: 'real Docker Engines to drive, one node each' }),
  };
}

/** `fleet.node.disk`. */
export function nodeDiskInput(units: UnitFields) {
  const iops = z.number({ error: 'expected a number of operations per second' }).int('IOPS must be a whole number').min(1, 'IOPS must be at least 1');
  return z.strictObject({
    write: units.byteRate().optional(),
    read: units.byteRate().optional().meta({ description: 'read limit (docker/containerd nodes: cgroup blkio on the node disk)' }),
    iops: iops.optional().meta({ description: 'read and write operations per second, each (docker/containerd nodes)' }),
    size: units.size().optional().meta({ description: 'size of each emulated host\'s own disk (netns isolation, or own); sized from the images by default' }),
    own: z.boolean({ error: 'expected true or false' }).optional()
      .meta({ description: 'virtual nodes: each on a disk of its own (ext4 on a loop device, as emulated hosts have) instead of the harness\'s file system; needs root' }),
  });
}
