/** A transfer given to the fluid network (fluid-network.ts startFlow): what it crosses, how much, and whom to call. */
export interface FlowSpec {
  readonly bytes: number;
  /** Resource ids (from addResource); unlimited resources are simply left out. Read when the flow starts (as are the weights), never after. */
  readonly resources: readonly number[];
  /**
   * Per resource (parallel to `resources`), what one byte per second of this flow uses of it; 1 if unset.
   * A disk shared by reads and writes of different speeds is one device: capacity 1 (all of its time),
   * a write weighs 1/writeRate and a read 1/readRate.
   */
  readonly weights?: readonly number[] | undefined;
  /** Most this one flow may reach on its own, bytes per second (a TCP stream's ceiling). */
  readonly capBytesPerSecond?: number | undefined;
  /** Meters this flow's rate and bytes count towards. */
  readonly meters?: readonly number[];
  /** What binds the flow when its own cap does (a TCP stream's ceiling, one request's work on one core). */
  readonly capKind?: string;
  /**
   * Work no node waits for (write-back behind a node's writes): it takes its share of the capacities it
   * crosses, but its own flow-time is not blamed on them (a step's bottleneck is what held the pulls), and it
   * never joins a bottleneck group (whose blame counts every member).
   */
  readonly background?: boolean;
  /**
   * After its first `milestoneBytes`, `onMilestone` runs and the flow goes on at its rate: a transfer whose
   * first part matters on its own (a P2P chunk's first piece, after which the node relays it) costs no
   * re-share there.
   */
  readonly milestoneBytes?: number | undefined;
  onMilestone?(): void;
  /** Called on the spec (a class may implement FlowSpec with methods, and so make no closures per flow). */
  onDone(): void;
}

/** The meters of a flow that counts towards none (one list for all of them). */
export const NO_METERS: readonly number[] = [];
