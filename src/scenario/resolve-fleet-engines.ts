import { statSync } from 'node:fs';
import { homedir } from 'node:os';
import { isAbsolute, join, dirname } from 'node:path';
import { parseBitsPerSecond, parseBytes, parseBytesPerSecond } from '../core/units.ts';
import type { BackendKind, ResolvedDockerHost, ResolvedFleetEngines, ResolvedNodeDisk } from './resolved-fleet-engines.ts';
import type { ScenarioInput } from './schema.ts';

type FleetInput = NonNullable<ScenarioInput['fleet']>;

/** Same shape as resolve.ts's SemanticProblem (not imported: resolve.ts imports this file). */
interface SemanticProblem {
  readonly path: ReadonlyArray<string | number>;
  readonly message: string;
  readonly hint: string;
}

export function backendsOf(fleet: FleetInput | undefined): BackendKind[] {
  const b = fleet?.backend ?? 'virtual';
  return Array.isArray(b) ? b : [b];
}

/** Relative certificate and key paths are relative to the scenario file, like every path a scenario names. */
function fromScenario(sourceFile: string, path: string): string {
  return isAbsolute(path) ? path : join(dirname(sourceFile), path);
}

export function resolveFleetEngines(fleet: FleetInput | undefined, sourceFile: string): ResolvedFleetEngines {
  const hosts: ResolvedDockerHost[] = (fleet?.hosts ?? []).map((h) => {
    if ('socket' in h) return { kind: 'socket', socketPath: h.socket };
    if ('tcp' in h) {
      const tls = h.tls === undefined ? undefined : { caFile: fromScenario(sourceFile, h.tls.ca), certFile: fromScenario(sourceFile, h.tls.cert), keyFile: fromScenario(sourceFile, h.tls.key) };
      return { kind: 'tcp', url: h.tcp, tls };
    }
    return {
      kind: 'ssh',
      url: h.ssh,
      privateKeyFile: h.key === undefined ? undefined : fromScenario(sourceFile, h.key),
      knownHostsFile: h.knownHosts === undefined ? join(homedir(), '.ssh', 'known_hosts') : fromScenario(sourceFile, h.knownHosts),
    };
  });
  return {
    backends: backendsOf(fleet),
    isolation: fleet?.isolation ?? 'none',
    registryEgressBitsPerSecond: fleet?.registryEgress === undefined ? undefined : parseBitsPerSecond(fleet.registryEgress),
    hosts,
  };
}

export function resolveNodeDisk(fleet: FleetInput | undefined): ResolvedNodeDisk {
  const disk = fleet?.node?.disk;
  return {
    writeBytesPerSecond: disk?.write === undefined ? undefined : parseBytesPerSecond(disk.write),
    readBytesPerSecond: disk?.read === undefined ? undefined : parseBytesPerSecond(disk.read),
    iops: disk?.iops,
    sizeBytes: disk?.size === undefined ? undefined : parseBytes(disk.size),
    own: disk?.own ?? false,
  };
}

/**
 * The files `fleet.hosts` names (TLS certificates and keys, SSH keys) must be readable regular files: found
 * at load time, with the key's position, not as a stack trace once the run has generated and pushed.
 */
export function fleetHostFileProblems(fleet: FleetInput | undefined, sourceFile: string): SemanticProblem[] {
  const problems: SemanticProblem[] = [];
  const check = (path: ReadonlyArray<string | number>, file: string, what: string) => {
    const full = fromScenario(sourceFile, file);
    try {
      if (!statSync(full).isFile()) problems.push({ path, message: `${what} ${full} is not a regular file`, hint: 'name the file itself' });
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      problems.push({
        path,
        message: code === 'ENOENT' ? `${what} ${full} does not exist` : `cannot read ${what} ${full} (${code ?? String(error)})`,
        hint: 'relative paths are relative to the scenario file; fix the path or create the file',
      });
    }
  };
  (fleet?.hosts ?? []).forEach((h, i) => {
    if ('tcp' in h && h.tls !== undefined) {
      check(['fleet', 'hosts', i, 'tls', 'ca'], h.tls.ca, 'the CA certificate');
      check(['fleet', 'hosts', i, 'tls', 'cert'], h.tls.cert, 'the client certificate');
      check(['fleet', 'hosts', i, 'tls', 'key'], h.tls.key, 'the client key');
    }
    if ('ssh' in h && h.key !== undefined) check(['fleet', 'hosts', i, 'key'], h.key, 'the SSH private key');
    if ('ssh' in h && h.knownHosts !== undefined) check(['fleet', 'hosts', i, 'knownHosts'], h.knownHosts, 'the known_hosts file');
  });
  return problems;
}

/** Cross-key checks of the engine keys, each blamed on the key to change. */
export function fleetEngineProblems(fleet: FleetInput | undefined): SemanticProblem[] {
  const problems: SemanticProblem[] = [];
  const backends = backendsOf(fleet);
  const engines = [...new Set(backends.filter((b) => b !== 'virtual'))];
  const isolation = fleet?.isolation ?? 'none';
  backends.forEach((b, i) => {
    if (backends.indexOf(b) !== i) problems.push({ path: ['fleet', 'backend', i], message: `backend ${b} is listed twice`, hint: 'list each backend once' });
  });
  if (fleet?.hosts !== undefined) {
    if (backends.some((b) => b !== 'docker')) {
      problems.push({ path: ['fleet', 'hosts'], message: `fleet.hosts are Docker Engines, but the backend is ${backends.join(', ')}`, hint: 'set fleet.backend: docker' });
    }
    if (fleet.nodes !== undefined && fleet.nodes !== fleet.hosts.length) {
      problems.push({ path: ['fleet', 'nodes'], message: `fleet.nodes is ${fleet.nodes} but fleet.hosts lists ${fleet.hosts.length} hosts (each host is a node)`, hint: 'drop fleet.nodes, or make it match' });
    }
    if (isolation === 'netns') {
      problems.push({ path: ['fleet', 'isolation'], message: 'netns isolation emulates hosts on this machine; it cannot apply to remote fleet.hosts', hint: 'drop fleet.isolation, or drop fleet.hosts' });
    }
  }
  // Beside engines, virtual nodes stay in-process and emulate their NIC and disk limits themselves: the
  // comparison of emulation with real runtimes. Alone, there is nothing to isolate.
  if (isolation === 'netns' && engines.length === 0) {
    problems.push({ path: ['fleet', 'isolation'], message: 'virtual nodes run inside shipbench and cannot each have a network namespace', hint: 'use fleet.backend: docker or containerd (or a list with them) for netns, or drop fleet.isolation' });
  }
  const disk = fleet?.node?.disk;
  if (isolation !== 'netns' && engines.length > 0 && fleet?.hosts === undefined) {
    if (fleet?.node?.nic !== undefined) problems.push({ path: ['fleet', 'node', 'nic'], message: `a NIC limit on ${engines.join(', ')} nodes needs each node in its own network namespace`, hint: 'set fleet.isolation: netns (as root)' });
    for (const key of ['write', 'read', 'iops'] as const) {
      if (disk?.[key] !== undefined) problems.push({ path: ['fleet', 'node', 'disk', key], message: `a disk limit on ${engines.join(', ')} nodes needs each node on its own disk`, hint: 'set fleet.isolation: netns (as root)' });
    }
    if (disk?.own === true) problems.push({ path: ['fleet', 'node', 'disk', 'own'], message: `${engines.join(', ')} nodes get a disk of their own as emulated hosts only`, hint: 'set fleet.isolation: netns (as root): every emulated host has its own disk' });
  }
  if (fleet?.hosts !== undefined) {
    if (fleet.node?.nic !== undefined) problems.push({ path: ['fleet', 'node', 'nic'], message: 'shipbench cannot shape the NIC of a remote host', hint: 'drop fleet.node.nic for fleet.hosts' });
    for (const key of ['write', 'read', 'iops', 'size'] as const) {
      if (disk?.[key] !== undefined) problems.push({ path: ['fleet', 'node', 'disk', key], message: 'shipbench cannot limit the disk of a remote host', hint: 'drop fleet.node.disk for fleet.hosts' });
    }
    if (disk?.own === true) problems.push({ path: ['fleet', 'node', 'disk', 'own'], message: 'shipbench cannot give a remote host a disk', hint: 'drop fleet.node.disk.own for fleet.hosts' });
  }
  if (backends.includes('virtual')) {
    for (const key of ['read', 'iops'] as const) {
      if (disk?.[key] !== undefined) problems.push({ path: ['fleet', 'node', 'disk', key], message: `virtual nodes limit only what they write; a ${key} limit needs a real disk per node`, hint: 'use fleet.backend: docker or containerd with fleet.isolation: netns' });
    }
  }
  if (fleet?.registryEgress !== undefined && isolation !== 'netns') {
    problems.push({ path: ['fleet', 'registryEgress'], message: 'shaping the registry needs it in its own network namespace', hint: 'set fleet.isolation: netns' });
  }
  // Image GC thresholds are shares of the disk size: virtual nodes then have a size (for the GC, not enforced).
  const gcThresholds = fleet?.node?.imageGC !== undefined && !('keepLast' in fleet.node.imageGC);
  if (disk?.size !== undefined && isolation !== 'netns' && disk.own !== true && !gcThresholds) {
    problems.push({ path: ['fleet', 'node', 'disk', 'size'], message: 'only emulated hosts (netns isolation) and virtual nodes with own: true get a disk of their own', hint: 'set fleet.isolation: netns, or fleet.node.disk.own: true, or fleet.node.imageGC thresholds (they are shares of this size), or drop size' });
  }
  return problems;
}
