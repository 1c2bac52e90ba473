/**
 * RFC 4180 CSV. Cells that a spreadsheet would run as a formula are prefixed with an apostrophe:
 * names and file names come from imported files and must not execute. Spreadsheets also read the
 * fullwidth signs (＝ ＋ － ＠) as formula signs, and skip leading spaces and quotes before one.
 */
export type CsvCell = string | number | boolean | null | undefined;

const FORMULA_START = /^(?:[\t\r]|[\s"']*[=+\-@\uFF1D\uFF0B\uFF0D\uFF20])/;

export function csvCell(value: CsvCell): string {
  if (value === null || value === undefined) return '';
  let text = String(value);
  if (typeof value === 'string' && FORMULA_START.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function toCsv(header: readonly string[], rows: readonly (readonly CsvCell[])[]): string {
  return [header, ...rows].map((row) => row.map(csvCell).join(',')).join('\r\n') + '\r\n';
}
