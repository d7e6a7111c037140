import { AdmissionQueue } from './admission-queue.ts';

/**
 * scap's pre-pull at the start of a deploy (kubernetes.py `pull_image_on_nodes`: an ssh job over the k8s nodes
 * running `mediawiki-image-download TAG`, `batch` at a time, before the canaries' helm deploy): the nodes pull
 * the image, the next starting as one ends, and the rollout begins after the last (`done`). It stands in for the
 * rollout while it runs: the nodes' pulls report to it.
 */
export class PrePullPhase {
  private readonly pulls: AdmissionQueue;
  private left: number;

  constructor(
    private readonly nodes: readonly number[],
    batch: number,
    startPull: (node: number) => void,
    private readonly held: (node: number) => void,
    private readonly done: () => void,
  ) {
    this.pulls = new AdmissionQueue(batch, startPull);
    this.left = nodes.length;
  }

  /** Whether a node waited for the batch. */
  get heldBack(): boolean {
    return this.pulls.heldBack;
  }

  begin(): void {
    if (this.left === 0) return this.done();
    this.pulls.add(...this.nodes);
  }

  imageReady(node: number): void {
    this.held(node);
  }

  nodeDone(): void {
    if (--this.left === 0) return this.done();
    this.pulls.ended();
  }
}
