import { performance } from 'node:perf_hooks';
import type Dockerode from 'dockerode';
import type { NodeStepSample } from '../../metrics/samples.ts';
import type { DistributionClient } from '../../registry/distribution-client.ts';
import type { RegistryCredentials } from '../../registry/registry-auth.ts';
import type { DeployContext, NodeBackend } from '../node-backend.ts';
import { INTERRUPTED } from '../virtual-node.ts';
import { type DockerProgressMessage, dockerLayerTimings, dockerManifestDoneMs } from './docker-pull-progress.ts';
import type { EngineDaemon } from './engine-daemon.ts';
import { type EngineHostResources, EngineNodeMeter } from './engine-node-meter.ts';
import { type ManifestLayerDescriptor, manifestLayers } from './manifest-layers.ts';

export interface DockerNodeOptions {
  readonly name: string;
  readonly docker: Dockerode;
  /** How this node's engine names the registry in references, e.g. `10.253.7.2:5000` or `127.0.0.1:41234`. */
  readonly registryHost: string;
  /** The harness's own client to the registry: it reads manifests to name the layers the engine reports. */
  readonly registry: DistributionClient;
  readonly auth: RegistryCredentials | undefined;
  /** Repositories shipbench pushed live under this prefix; a reset removes exactly those images. */
  readonly repositoryPrefix: string;
  readonly endpoint: string;
  readonly resources: EngineHostResources;
  /** The daemon when shipbench started it (emulated hosts); undefined for a remote host. */
  readonly daemon: EngineDaemon | undefined;
}

/**
 * A node that is a real Docker Engine: it pulls by reference from the scenario's registry, and its
 * progress messages become the same per-layer samples virtual nodes emit. Images stay between deploy
 * steps (the previous one too, like a kubelet's GC); `reset()` removes them, so each repeat starts cold.
 */
export class DockerNode implements NodeBackend {
  readonly name: string;
  readonly kind = 'docker' as const;
  readonly endpoint: string;
  private bytes = 0;
  private held: string[] = [];

  constructor(private readonly options: DockerNodeOptions) {
    this.name = options.name;
    this.endpoint = options.endpoint;
  }

  get bytesDown(): number {
    return this.bytes;
  }

  get retries(): number {
    return 0; // the engine retries inside its pull and does not report it
  }

  /** `docker image inspect` of a pulled image; rejects when the engine does not hold it. */
  async inspect(repository: string, tag: string): Promise<Dockerode.ImageInspectInfo> {
    return this.options.docker.getImage(this.reference(repository, tag)).inspect();
  }

  /** The pid of the daemon shipbench started (emulated hosts); -1 for a remote host. */
  daemonPid(): number {
    return this.options.daemon?.pid ?? -1;
  }

  reference(repository: string, tag: string): string {
    return `${this.options.registryHost}/${repository}:${tag}`;
  }

  async reset(): Promise<void> {
    const prefix = `${this.options.registryHost}/${this.options.repositoryPrefix}`;
    const images = await this.options.docker.listImages();
    for (const image of images) {
      if ((image.RepoTags ?? []).some((t) => t.startsWith(prefix))) await this.options.docker.getImage(image.Id).remove({ force: true });
    }
    this.held = [];
  }

  async close(): Promise<void> {
    // The engine's connection is per request; the daemon itself belongs to the fleet's teardown.
  }

  async deploy(context: DeployContext): Promise<NodeStepSample> {
    const { repository, tag } = context;
    const identity = { node: this.name, backend: 'docker' as const, host: this.endpoint };
    // The harness reads the manifest before the clock starts: it names the layers, it is not the node's work.
    let layers: ManifestLayerDescriptor[];
    try {
      layers = (await manifestLayers(this.options.registry, repository, tag)).layers;
    } catch (e) {
      return new EngineNodeMeter(this.options.resources, identity, context).finish(performance.now(), undefined, [], `cannot read the manifest of ${repository}:${tag}: ${e instanceof Error ? e.message : String(e)}`);
    }
    const meter = new EngineNodeMeter(this.options.resources, identity, context);
    const messages: DockerProgressMessage[] = [];
    const ref = this.reference(repository, tag);
    let error: string | undefined;
    let endMs = performance.now();
    const lastCurrent = new Map<string, number>();
    try {
      const auth = this.options.auth;
      // The run's interruption closes the pull's connection: the engine cancels the pull, the node ends now.
      context.signal?.throwIfAborted();
      const abort = context.signal === undefined ? {} : { abortSignal: context.signal };
      const stream = await this.options.docker.pull(ref, auth === undefined ? abort : { ...abort, authconfig: { username: auth.username, password: auth.password, serveraddress: this.options.registryHost } });
      await new Promise<void>((resolve, reject) => {
        this.options.docker.modem.followProgress(
          stream,
          (err: Error | null) => (err === null ? resolve() : reject(err)),
          (m: DockerProgressMessage) => {
            messages.push({ ...m, atMs: performance.now() });
            if (m.status === 'Downloading' && m.id !== undefined && m.progressDetail?.current !== undefined) {
              const delta = m.progressDetail.current - (lastCurrent.get(m.id) ?? 0);
              lastCurrent.set(m.id, m.progressDetail.current);
              if (delta > 0) context.onBytes?.(delta);
            }
          },
        );
      });
      endMs = performance.now();
      context.signal?.throwIfAborted();
      // The stream can end without an error when the daemon dies; the image must really be there.
      await this.options.docker.getImage(ref).inspect();
      this.held.push(ref);
      await this.collectGarbage();
    } catch (e) {
      endMs = performance.now();
      error = context.signal?.aborted === true ? INTERRUPTED : await this.failure(e);
    }
    const timings = dockerLayerTimings(messages, layers);
    const sample = await meter.finish(endMs, dockerManifestDoneMs(messages), timings, error);
    this.bytes += sample.bytesDownloaded;
    return sample;
  }

  /** Why a pull failed; a broken stream is often the first sign of a dead daemon: its exit gets a moment to be seen. */
  private async failure(e: unknown): Promise<string> {
    await this.options.daemon?.waitForExit(500);
    const died = this.options.daemon?.exitReason();
    return `${died === undefined ? '' : `${died}: `}${e instanceof Error ? e.message : String(e)}`;
  }

  /** Keeps the current and the previous image, as a node's image GC would between deploys. */
  private async collectGarbage(): Promise<void> {
    while (this.held.length > 2) {
      const old = this.held.shift() as string;
      await this.options.docker.getImage(old).remove({ force: true }).catch(() => undefined);
    }
  }
}
