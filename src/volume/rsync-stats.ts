import type { RsyncStats } from '../metrics/volume-sample.ts';

/** The `--stats` lines we read, by the label rsync 3.x prints. */
const FIELDS: ReadonlyArray<readonly [keyof RsyncStats, string]> = [
  ['filesTransferred', 'Number of regular files transferred'],
  ['filesCreated', 'Number of created files'],
  ['filesDeleted', 'Number of deleted files'],
  ['totalFileBytes', 'Total file size'],
  ['transferredFileBytes', 'Total transferred file size'],
  ['literalBytes', 'Literal data'],
  ['matchedBytes', 'Matched data'],
  ['bytesSent', 'Total bytes sent'],
  ['bytesReceived', 'Total bytes received'],
];

/**
 * The counters of `rsync --stats` output (numbers may carry thousands separators: `100,231`). A field rsync
 * left out (older versions omit created/deleted counts) reads 0; output with none of them is refused, since
 * it means the run printed no stats at all.
 */
export function parseRsyncStats(output: string): RsyncStats {
  const stats = Object.fromEntries(FIELDS.map(([key]) => [key, 0])) as Record<keyof RsyncStats, number>;
  let found = 0;
  for (const [key, label] of FIELDS) {
    const match = new RegExp(`^${label}:\\s*([\\d,.]+)`, 'm').exec(output);
    if (match === null) continue;
    stats[key] = Number((match[1] as string).replace(/[,.]/g, ''));
    found++;
  }
  if (found === 0) throw new Error(`rsync printed no --stats counters:\n${output.slice(-2000)}`);
  return stats;
}
