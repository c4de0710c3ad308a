/**
 * The bench's results as files: every table of the run in `latest.json`, and a chart (`latest.svg`)
 * of the end-to-end tables, req/s and CPU per request by client and concurrency, one panel each,
 * drawn as plain SVG (no charting dependency for two bar charts). `--peers` writes `peers.json` and
 * `peers.svg` instead, leaving the main run's files alone.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type PrintedTable, printedTables } from './stats.js';

const number = (text: string | undefined): number => Number((text ?? '').replaceAll(',', ''));
const escape = (text: string): string => text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');

const BAR_WIDTH = 360;

/** One horizontal bar chart: a label and a value per bar, scaled to the largest. */
function panel(
  title: string,
  bars: readonly { label: string; value: number }[],
  unit: string,
  top: number,
  labelWidth: number,
): { svg: string; height: number } {
  const rowHeight = 22;
  const max = Math.max(...bars.map((b) => b.value), 1);
  const parts = [`<text x="10" y="${top + 16}" font-weight="bold">${escape(title)}</text>`];
  bars.forEach((bar, i) => {
    const y = top + 28 + i * rowHeight;
    const width = Math.max(1, (bar.value / max) * BAR_WIDTH);
    parts.push(
      `<text x="10" y="${y + 15}">${escape(bar.label)}</text>`,
      `<rect x="${labelWidth}" y="${y + 3}" width="${width.toFixed(1)}" height="${rowHeight - 6}" fill="#4a78b5"/>`,
      `<text x="${labelWidth + width + 6}" y="${y + 15}">${escape(bar.value.toLocaleString('en-US', { maximumFractionDigits: 1 }))} ${unit}</text>`,
    );
  });
  return { svg: parts.join('\n'), height: 36 + bars.length * rowHeight };
}

/** The chart of the end-to-end tables (those with a `req/s` and a `CPU µs/req` column). */
function chart(tables: readonly PrintedTable[], subtitle: string): string {
  const endToEnd = tables.filter((t) => t.title !== undefined && t.headers.includes('req/s') && t.headers.includes('CPU µs/req'));
  const panels: string[] = [];
  // Wide enough for the longest client name at 12 px (about 6.6 px a character).
  const labelWidth = Math.ceil(20 + 6.6 * Math.max(0, ...endToEnd.flatMap((t) => t.rows.map((row) => (row[0] ?? '').length))));
  let top = 40;
  for (const [column, unit] of [
    ['req/s', 'req/s'],
    ['CPU µs/req', 'µs'],
  ] as const) {
    for (const table of endToEnd) {
      const at = table.headers.indexOf(column);
      const drawn = panel(
        `${column}: ${table.title ?? ''}`,
        table.rows.map((row) => ({ label: row[0] ?? '', value: number(row[at]) })),
        unit,
        top,
        labelWidth,
      );
      panels.push(drawn.svg);
      top += drawn.height + 12;
    }
  }
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${labelWidth + BAR_WIDTH + 130}" height="${top + 10}" font-family="sans-serif" font-size="12">`,
    '<rect width="100%" height="100%" fill="white"/>',
    `<text x="10" y="22" font-size="15" font-weight="bold">Switchboard bench (${escape(subtitle)})</text>`,
    ...panels,
    '</svg>',
    '',
  ].join('\n');
}

/** Writes `<name>.json` and `<name>.svg` (`latest.json` and `latest.svg` by default) into `folder`; returns their paths. */
export function writeResults(
  folder: string,
  run: { readonly node: string; readonly quick: boolean; readonly rounds: number; readonly durationMs: number; readonly warmupMs: number },
  name = 'latest',
): { json: string; svg: string } {
  mkdirSync(folder, { recursive: true });
  const json = join(folder, `${name}.json`);
  const svg = join(folder, `${name}.svg`);
  const date = new Date().toISOString();
  writeFileSync(json, `${JSON.stringify({ date, ...run, tables: printedTables }, null, 2)}\n`);
  writeFileSync(
    svg,
    chart(
      printedTables,
      `${date.slice(0, 10)}, Node ${run.node}${run.quick ? ', --quick' : ''}; medians of ${run.rounds} interleaved rounds`,
    ),
  );
  return { json, svg };
}
