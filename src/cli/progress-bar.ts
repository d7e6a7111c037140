/** `[#######.......]` for a share 0..1 of work done. */
export function progressBar(done: number, total: number, width = 24): string {
  const share = total <= 0 ? 1 : Math.min(1, Math.max(0, done / total));
  const filled = Math.round(share * width);
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}]`;
}
