/**
 * scap's pre-pull at the start of a deploy (kubernetes.py `pull_image_on_nodes`: an ssh job over the k8s nodes
 * running `mediawiki-image-download TAG`, `batch` at a time, before the canaries' helm deploy): the nodes pull
 * the image, the next starting as one ends, and the rollout begins after the last (`done`). It stands in for the
 * rollout while it runs: the nodes' pulls report to it.
 */
export class PrePullPhase {
  /** Whether a node waited for the batch. */
  heldBack = false;
  private next = 0;
  private running = 0;
  private left: number;

  constructor(
    private readonly nodes: readonly number[],
    private readonly batch: number,
    private readonly startPull: (node: number) => void,
    private readonly held: (node: number) => void,
    private readonly done: () => void,
  ) {
    this.left = nodes.length;
  }

  begin(): void {
    if (this.left === 0) return this.done();
    this.admit();
  }

  imageReady(node: number): void {
    this.held(node);
  }

  nodeDone(): void {
    this.running--;
    if (--this.left === 0) return this.done();
    this.admit();
  }

  private admit(): void {
    const starting: number[] = [];
    while (this.running < this.batch && this.next < this.nodes.length) {
      this.running++;
      starting.push(this.nodes[this.next++]!);
    }
    if (this.next < this.nodes.length) this.heldBack = true;
    for (const node of starting) this.startPull(node);
  }
}
