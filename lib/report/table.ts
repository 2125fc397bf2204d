import stringWidth from 'string-width';

/**
 * A plain-text table: columns padded to their widest cell, numbers right-aligned. Widths are
 * terminal columns, not characters: a Chinese character takes two, so category and shop names
 * in Chinese line up with the rest.
 */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((title, column) => Math.max(stringWidth(title), ...rows.map((row) => stringWidth(row[column] ?? ''))));
  const isNumeric = (cell: string) => /^[\d,.]+$/.test(cell);
  const pad = (cell: string, column: number) => {
    const fill = ' '.repeat(Math.max(0, (widths[column] ?? 0) - stringWidth(cell)));
    return isNumeric(cell) ? fill + cell : cell + fill;
  };
  const line = (cells: string[]) => cells.map(pad).join('  ').trimEnd();
  return [line(header), widths.map((width) => '-'.repeat(width)).join('  '), ...rows.map(line)].join('\n');
}
