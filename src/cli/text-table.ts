import Table from 'cli-table3';

/** A plain table for the terminal: no colours (they garble logs and pipes), numbers right-aligned. */
export function textTable(head: string[], rows: Array<Array<string | number>>, rightAligned: number[] = []): string {
  const table = new Table({
    head,
    style: { head: [], border: [], compact: true },
    colAligns: head.map((_, i) => (rightAligned.includes(i) ? 'right' : 'left')),
  });
  for (const row of rows) table.push(row.map(String));
  return table.toString();
}
