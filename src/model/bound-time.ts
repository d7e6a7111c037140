/**
 * Flow-seconds bound by each kind of capacity (`registry egress`, `node nic`, a flow's own cap), summed as the
 * fluid model settles flows. Kinds are small ids and the sums a typed array: a Map keyed by the kind's name was
 * looked up and written at every settle, one of the model's most frequent writes (P2P: several per event).
 */
export class BoundTime {
  private readonly ids = new Map<string, number>();
  private readonly names: string[] = [];
  private seconds = new Float64Array(8);
  /** Kinds in the order they were first blamed: the order the map view lists them in. */
  private readonly blamed: number[] = [];
  private blamedFlags = new Uint8Array(8);

  /** The id of a kind of capacity, made on first use. */
  kind(name: string): number {
    const known = this.ids.get(name);
    if (known !== undefined) return known;
    const id = this.names.length;
    this.ids.set(name, id);
    this.names.push(name);
    if (id >= this.seconds.length) {
      const seconds = new Float64Array(2 * this.seconds.length);
      seconds.set(this.seconds);
      this.seconds = seconds;
      const flags = new Uint8Array(2 * this.blamedFlags.length);
      flags.set(this.blamedFlags);
      this.blamedFlags = flags;
    }
    return id;
  }

  add(kind: number, seconds: number): void {
    if (this.blamedFlags[kind] === 0) {
      this.blamedFlags[kind] = 1;
      this.blamed.push(kind);
    }
    this.seconds[kind]! += seconds;
  }

  /** Seconds by kind name, in the order the kinds were first blamed. */
  asMap(): Map<string, number> {
    return new Map(this.blamed.map((k) => [this.names[k]!, this.seconds[k]!]));
  }
}
