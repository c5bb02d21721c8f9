/** A CSV cell: undefined and null are written empty, which the files connector reads as absent. */
export type CsvCell = string | number | boolean | null | undefined;

/** One RFC 4180 line, newline included: cells with a comma, quote or line break are quoted. */
export function toCsvRow(cells: readonly CsvCell[]): string {
  return `${cells.map(toCsvCell).join(",")}\n`;
}

function toCsvCell(cell: CsvCell): string {
  if (cell === undefined || cell === null) return "";
  const text = String(cell);
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}
