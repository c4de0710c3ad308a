/**
 * Prints finished OpenTelemetry spans as an indented tree with durations and a waterfall bar,
 * the way a tracing dashboard would show them: one line per span, each wait on its own line.
 */
import { SpanKind } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';

const BAR_WIDTH = 32;
const LABEL_WIDTH = 64;

function ms([seconds, nanos]: readonly [number, number]): number {
  return seconds * 1000 + nanos / 1e6;
}

function formatMs(value: number): string {
  return value >= 1000 ? `${(value / 1000).toFixed(2)} s` : `${value.toFixed(1)} ms`;
}

interface Row {
  readonly label: string;
  readonly start: number;
  readonly duration: number;
}

function label(span: ReadableSpan): string {
  const outcome = span.attributes['http.response.status_code'] ?? span.attributes['error.type'];
  const arrow = outcome === undefined ? '' : ` → ${String(outcome)}`;
  // An attempt's route is its parent's name already: say which attempt it was and what came back.
  if (span.kind === SpanKind.CLIENT)
    return `${String(span.attributes['http.request.method'] ?? '')} attempt ${String(span.attributes['switchboard.attempt'] ?? '?')}${arrow}`;
  const attempts = Number(span.attributes['switchboard.attempts'] ?? 1);
  return `${span.name}${arrow}${attempts > 1 ? ` (${attempts} attempts)` : ''}`;
}

function waitRows(span: ReadableSpan): Row[] {
  return span.events
    .filter((event) => event.name === 'switchboard.wait')
    .map((event) => {
      const duration = Number(event.attributes?.['switchboard.wait.duration_ms'] ?? 0);
      return { label: `⏸ wait: ${String(event.attributes?.['switchboard.wait.reason'] ?? '?')}`, start: ms(event.time), duration };
    });
}

function bar(row: Row, origin: number, total: number): string {
  const offset = Math.min(BAR_WIDTH - 1, Math.floor(((row.start - origin) / total) * BAR_WIDTH));
  const length = Math.max(1, Math.min(BAR_WIDTH - offset, Math.round((row.duration / total) * BAR_WIDTH)));
  return `${' '.repeat(offset)}${'█'.repeat(length)}`.padEnd(BAR_WIDTH);
}

/** The trace of `spans` (all from one trace, one root) as lines of text. */
export function traceTree(spans: readonly ReadableSpan[]): string[] {
  const ids = new Set(spans.map((s) => s.spanContext().spanId));
  const children = new Map<string | undefined, ReadableSpan[]>();
  for (const span of spans) {
    const parent = span.parentSpanContext?.spanId;
    const key = parent !== undefined && ids.has(parent) ? parent : undefined;
    children.set(key, [...(children.get(key) ?? []), span]);
  }
  for (const list of children.values()) list.sort((a, b) => ms(a.startTime) - ms(b.startTime));
  const roots = children.get(undefined) ?? [];
  const origin = Math.min(...spans.map((s) => ms(s.startTime)));
  const total = Math.max(1, Math.max(...spans.map((s) => ms(s.endTime))) - origin);

  const lines: string[] = [];
  const line = (prefix: string, row: Row): void => {
    const text = `${prefix}${row.label}`;
    lines.push(
      `${text.length > LABEL_WIDTH ? `${text.slice(0, LABEL_WIDTH - 1)}…` : text.padEnd(LABEL_WIDTH)} ${formatMs(row.duration).padStart(9)} |${bar(row, origin, total)}|`,
    );
  };
  const walk = (span: ReadableSpan, indent: string, isLast: boolean, isRoot: boolean): void => {
    line(isRoot ? '' : `${indent}${isLast ? '└─ ' : '├─ '}`, {
      label: label(span),
      start: ms(span.startTime),
      duration: ms(span.endTime) - ms(span.startTime),
    });
    const childIndent = isRoot ? '' : `${indent}${isLast ? '   ' : '│  '}`;
    // Attempts and waits in the order they happened.
    const items: ({ span: ReadableSpan; start: number } | { row: Row; start: number })[] = [
      ...(children.get(span.spanContext().spanId) ?? []).map((child) => ({ span: child, start: ms(child.startTime) })),
      ...waitRows(span).map((row) => ({ row, start: row.start })),
    ].sort((a, b) => a.start - b.start);
    items.forEach((item, i) => {
      const last = i === items.length - 1;
      if ('span' in item) walk(item.span, childIndent, last, false);
      else line(`${childIndent}${last ? '└─ ' : '├─ '}`, item.row);
    });
  };
  roots.forEach((root, i) => walk(root, '', i === roots.length - 1, true));
  return lines;
}
