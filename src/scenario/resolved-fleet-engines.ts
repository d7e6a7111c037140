/** The resolved form of fleet-engines-schema.ts: backends, isolation, remote hosts, node disk limits. */

export type BackendKind = 'virtual' | 'docker' | 'containerd';
export type IsolationKind = 'none' | 'netns';

export type ResolvedDockerHost =
  | { readonly kind: 'socket'; readonly socketPath: string }
  | { readonly kind: 'tcp'; readonly url: string; readonly tls: { readonly caFile: string; readonly certFile: string; readonly keyFile: string } | undefined }
  | {
      readonly kind: 'ssh';
      readonly url: string;
      /** undefined: ssh-agent (SSH_AUTH_SOCK) signs. */
      readonly privateKeyFile: string | undefined;
      /** The host's key must be listed here (OpenSSH format); ~/.ssh/known_hosts by default. */
      readonly knownHostsFile: string;
    };

export interface ResolvedFleetEngines {
  /** Every backend the step runs on, in order; more than one compares them (fidelity). */
  readonly backends: readonly BackendKind[];
  readonly isolation: IsolationKind;
  readonly registryEgressBitsPerSecond: number | undefined;
  /** Remote Docker Engines, one node each; empty when shipbench starts its own. */
  readonly hosts: readonly ResolvedDockerHost[];
}

export interface ResolvedNodeDisk {
  readonly writeBytesPerSecond: number | undefined;
  readonly readBytesPerSecond: number | undefined;
  /** Applies to reads and writes, each. */
  readonly iops: number | undefined;
  /** Emulated hosts' disk size; undefined: sized from the images. */
  readonly sizeBytes: number | undefined;
  /**
   * Virtual nodes each on an ext4 file system of their own (a loop device), as emulated hosts are, rather than
   * in directories of the harness's file system (`fleet.node.disk.own`).
   */
  readonly own: boolean;
}
