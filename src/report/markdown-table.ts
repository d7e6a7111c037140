/** A GitHub/Phabricator-flavoured Markdown table; pipes in cells are escaped so columns never shift. */
export function markdownTable(head: readonly string[], rows: ReadonlyArray<readonly string[]>, rightAligned: readonly number[] = []): string {
  const escape = (cell: string) => cell.replace(/\|/g, '\\|').replace(/\n/g, ' ');
  const line = (cells: readonly string[]) => `| ${cells.map(escape).join(' | ')} |`;
  const rule = head.map((_, i) => (rightAligned.includes(i) ? '---:' : '---'));
  return [line(head), `|${rule.map((r) => ` ${r} `).join('|')}|`, ...rows.map(line)].join('\n');
}
