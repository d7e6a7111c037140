import type { ResolvedRelease } from '../scenario/model-resolved.ts';
import type { RolloutStage } from '../scenario/resolved.ts';
import { leadingCanaryStages, rolloutWaves } from '../scenario/rollout-waves.ts';
import { AdmissionQueue } from './admission-queue.ts';
import type { FleetLayout } from './fleet-layout.ts';
import type { RolloutClock, StepRollout } from './rollout-gate.ts';

export interface ReleaseRolloutInput {
  readonly layout: FleetLayout;
  readonly stages: readonly RolloutStage[];
  /** Most nodes pulling at once over the fleet (fleet.rollout.maxConcurrent). */
  readonly maxConcurrent: number;
  readonly releases: readonly ResolvedRelease[];
  /** Most deployments rolling at once in each data centre. */
  readonly perDatacentre: number;
  /** A container's start (model.node.start), the application's warm-up after it, the readiness probe's period. */
  readonly containerStartSeconds: number;
  readonly warmupSeconds: number;
  readonly readinessPeriodSeconds: number;
  /** After each canary stage's pods are ready, how long scap's check waits before the next stage (model.rollout.canaryWait). */
  readonly canaryWaitSeconds: number;
}

/** One release in one data centre: a Kubernetes Deployment's rolling update. */
interface Deployment {
  readonly release: number;
  readonly dc: number;
  /** The node each new pod lands on, in the order the update creates them. */
  readonly pods: Int32Array;
  /** Pods not yet ready at once: maxSurge + maxUnavailable (the update's window). */
  readonly window: number;
  next: number;
  inFlight: number;
  ready: number;
  /** When helm started it (its first pods), and when its last pod was ready. */
  startedAt: number;
  endedAt: number;
}

const COLD = 0;
const PULLING = 1;
const HELD = 2;

/**
 * The image side's rollout as Kubernetes runs it (scap deploys helm releases: at most `perDatacentre` of them
 * at once in each cluster). Each release rolls its pods over its data centre's nodes: at most surge +
 * unavailable new pods not yet ready at once, a new one as each is ready. A pod's node pulls the image when the
 * first new pod lands on it (at most `maxConcurrent` nodes pulling over the fleet); later pods on that node find
 * the image there. A pod is ready when a readiness probe finds its application up (containerCreated). The canary
 * stages (fleet.rollout.stages) pull their nodes first, as the canary releases do (all pods at once: Recreate);
 * once a stage's canary pods are ready, scap checks it (canaryWait) before the next stage, then the releases roll.
 *
 * Pods are placed round-robin over the data centre's nodes, each release going on where the one before ended:
 * a release spreads over distinct nodes and every node gets pods when the releases have as many as it has nodes,
 * as the scheduler's spreading and least-allocated scoring do.
 */
export class ReleaseRollout implements StepRollout {
  endSeconds = 0;
  /** Whether a pod waited for its update's window, or a release for its data centre's slots. */
  private waited = false;
  private readonly state: Uint8Array;
  /** Per node: the pods that wait for the node's image, as pairs (deployment, when the pod came to the node). */
  private readonly waiting: Array<number[] | undefined>;
  private readonly deployments: Deployment[] = [];
  private readonly queues: number[][];
  private readonly heads: number[];
  private readonly rolling: number[];
  /** Nodes pulling, at most maxConcurrent over the fleet. */
  private readonly pulls: AdmissionQueue;
  private readonly waves: number[][];
  private wave = 0;
  private waveLeft = 0;
  /** When the open canary wave opened: its pods came to their nodes then. */
  private waveOpenedAt = 0;

  constructor(
    private readonly input: ReleaseRolloutInput,
    private readonly clock: RolloutClock,
    startPull: (node: number) => void,
  ) {
    const { layout } = input;
    const n = layout.names.length;
    this.pulls = new AdmissionQueue(input.maxConcurrent, startPull);
    this.state = new Uint8Array(n);
    this.waiting = new Array<number[] | undefined>(n);
    const nodesIn = layout.datacentres.map(() => [] as number[]);
    for (let i = 0; i < n; i++) nodesIn[layout.datacentreOf[i]!]!.push(i);
    this.queues = nodesIn.map(() => []);
    nodesIn.forEach((nodes, dc) => {
      let cursor = 0;
      for (const [r, release] of input.releases.entries()) {
        const replicas = release.replicas[dc]!;
        const pods = new Int32Array(replicas);
        for (let k = 0; k < replicas; k++) pods[k] = nodes[(cursor + k) % nodes.length]!;
        cursor = (cursor + replicas) % nodes.length;
        this.queues[dc]!.push(this.deployments.length);
        this.deployments.push({ release: r, dc, pods, window: Math.min(replicas, release.surge[dc]! + release.unavailable[dc]!), next: 0, inFlight: 0, ready: 0, startedAt: 0, endedAt: 0 });
      }
    });
    this.heads = this.queues.map(() => 0);
    this.rolling = this.queues.map(() => 0);
    // The canary stages' waves.
    this.waves = rolloutWaves(Array.from({ length: n }, (_, i) => i), input.stages).slice(0, leadingCanaryStages(input.stages));
  }

  get heldBack(): boolean {
    return this.waited || this.pulls.heldBack;
  }

  begin(): void {
    this.openWave();
  }

  imageReady(node: number): void {
    this.state[node] = HELD;
    const waiting = this.waiting[node];
    if (waiting === undefined) return;
    this.waiting[node] = undefined;
    for (let k = 0; k < waiting.length; k += 2) this.containerCreated(waiting[k]!, waiting[k + 1]!);
  }

  nodeDone(): void {
    this.pulls.ended();
    // While a canary wave is open only its nodes pull. Its last pull done, its pods run and pass their readiness
    // probes, then scap's check of the stage waits before the next one.
    if (this.wave < this.waves.length && --this.waveLeft === 0) {
      this.wave++;
      const ready = this.readyAt(this.clock.now, this.waveOpenedAt);
      this.endSeconds = Math.max(this.endSeconds, ready);
      this.clock.at(ready + this.input.canaryWaitSeconds, () => this.openWave());
    }
  }

  /** The next canary wave's nodes pull; after the last one, the releases roll. */
  private openWave(): void {
    const wave = this.waves[this.wave];
    if (wave === undefined) {
      this.queues.forEach((_, dc) => this.startDeployments(dc));
      return;
    }
    this.waveLeft = wave.length;
    this.waveOpenedAt = this.clock.now;
    for (const node of wave) this.requestPull(node);
  }

  private startDeployments(dc: number): void {
    const queue = this.queues[dc]!;
    while (this.rolling[dc]! < this.input.perDatacentre && this.heads[dc]! < queue.length) {
      this.rolling[dc]!++;
      const d = queue[this.heads[dc]!++]!;
      this.deployments[d]!.startedAt = this.clock.now;
      this.pump(d);
    }
    if (this.heads[dc]! < queue.length) this.waited = true;
  }

  /** Creates the deployment's next pods while its window has room. */
  private pump(d: number): void {
    const deployment = this.deployments[d]!;
    while (deployment.inFlight < deployment.window && deployment.next < deployment.pods.length) {
      const node = deployment.pods[deployment.next++]!;
      deployment.inFlight++;
      if (this.state[node] === HELD) this.containerCreated(d, this.clock.now);
      else {
        (this.waiting[node] ??= []).push(d, this.clock.now);
        if (this.state[node] === COLD) this.requestPull(node);
      }
    }
    if (deployment.next < deployment.pods.length) this.waited = true;
  }

  /**
   * The pod's containers are created now, on a node that holds the image; the pod came to the node at `arrived`.
   * kubelet probes readiness as the containers run (its status sync triggers a probe), then every period
   * from when the pod came to the node (its probe worker's ticker). The application answers `warmup` after it
   * runs: at the first probe then, or at that triggered one when it needs no warm-up.
   */
  private containerCreated(d: number, arrived: number): void {
    this.clock.at(this.readyAt(this.clock.now, arrived), () => this.podReady(d));
  }

  /** When a pod that came to its node at `arrived`, its containers created at `created`, passes its readiness probe. */
  private readyAt(created: number, arrived: number): number {
    const { containerStartSeconds, warmupSeconds, readinessPeriodSeconds: period } = this.input;
    const answers = created + containerStartSeconds + warmupSeconds;
    return warmupSeconds <= 0 || period <= 0 ? answers : arrived + period * Math.ceil((answers - arrived) / period - 1e-9);
  }

  private podReady(d: number): void {
    const deployment = this.deployments[d]!;
    deployment.inFlight--;
    deployment.ready++;
    this.endSeconds = Math.max(this.endSeconds, this.clock.now);
    if (deployment.ready < deployment.pods.length) return this.pump(d);
    deployment.endedAt = this.clock.now;
    this.rolling[deployment.dc]!--;
    this.startDeployments(deployment.dc);
  }

  /** Each release's rollout in each data centre, from helm's start of it to its last pod ready. */
  releaseSeconds(): Array<{ release: string; datacentre: string; seconds: number }> {
    return this.deployments.map((d) => ({ release: this.input.releases[d.release]!.name, datacentre: this.input.layout.datacentres[d.dc]!.name, seconds: d.endedAt - d.startedAt }));
  }

  private requestPull(node: number): void {
    this.state[node] = PULLING;
    this.pulls.add(node);
  }
}
