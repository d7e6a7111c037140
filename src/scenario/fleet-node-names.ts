/** node-1..node-N, zero-padded so they sort: built once per run, for every mechanism and backend. */
export function fleetNodeNames(count: number): string[] {
  return Array.from({ length: count }, (_, i) => `node-${String(i + 1).padStart(String(count).length, '0')}`);
}
