/** The typed arrays the fluid model keeps its per-id and per-resource state in. */
type GrowableArray = Int32Array<ArrayBuffer> | Float64Array<ArrayBuffer> | Uint8Array<ArrayBuffer>;

/**
 * A copy of `from`, of its own kind, with room for at least `atLeast` entries (doubling, so growing one by one
 * stays cheap); the rest 0.
 */
export function grown<T extends GrowableArray>(from: T, atLeast: number): T {
  const to = new (from.constructor as new (length: number) => T)(Math.max(atLeast, from.length * 2));
  to.set(from);
  return to;
}
