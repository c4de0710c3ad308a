/** Small statistics and table printing for the benchmarks. */

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** Nearest-rank percentile of a sample (p in 0..100). */
export function percentile(values: Float64Array | readonly number[], p: number): number {
  const sorted = Float64Array.from(values).sort();
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] as number;
}

export function fmt(value: number, digits = 0): string {
  return Number.isFinite(value) ? value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits }) : '-';
}

/** The smallest and largest of `values`, formatted as `min–max`. */
export function fmtRange(values: readonly number[], digits = 0): string {
  return `${fmt(Math.min(...values), digits)}–${fmt(Math.max(...values), digits)}`;
}

/** A table the bench printed, kept for bench/results/latest.json. */
export interface PrintedTable {
  /** What the table measures, when the caller said. */
  readonly title: string | undefined;
  readonly headers: readonly string[];
  readonly rows: readonly (readonly string[])[];
}

/** Every table printed in this run, in order. */
export const printedTables: PrintedTable[] = [];

export function printTable(headers: readonly string[], rows: readonly (readonly string[])[], title?: string): void {
  printedTables.push({ title, headers, rows });
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    `| ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join(' | ')} |`;
  console.log(line(headers));
  console.log(`|${widths.map((w, i) => (i === 0 ? '-'.repeat(w + 2) : `${'-'.repeat(w + 1)}:`)).join('|')}|`);
  for (const row of rows) console.log(line(row));
}
