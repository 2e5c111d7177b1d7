import { stringify } from 'csv-stringify/sync';

/**
 * Rows as CSV text, one line each ending in `\n`, the header line first when asked (its names
 * are `columns`). csv-stringify quotes a cell holding a comma, a quote or a line break, and
 * `escape_formulas` puts `'` before one a spreadsheet would run as a formula (`=`, `+`, `-`,
 * `@`, ...). Dates are written as ISO 8601 and booleans as true/false, as the JSON answers
 * give them (csv-stringify's own defaults are epoch milliseconds and 1/empty).
 */
export function toCsv(rows: object[], columns: string[], { header }: { header: boolean }): string {
  return stringify(rows, {
    columns,
    header,
    escape_formulas: true,
    cast: { date: (d) => d.toISOString(), boolean: (b) => String(b) },
  });
}
