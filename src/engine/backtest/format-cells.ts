/** Cell formatters shared by the backtest reports; NaN (nothing to score) prints as n/a. */

export function fixed(value: number, digits: number): string {
  return Number.isNaN(value) ? "n/a" : value.toFixed(digits);
}

export function percent(value: number): string {
  return Number.isNaN(value) ? "n/a" : `${(value * 100).toFixed(1)} %`;
}

/** RFC 4180 quoting: only cells holding a quote, comma or line break are quoted. */
export function csvCell(text: string): string {
  return /[",\n\r]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}
