import type { DatasetSplit, ImageFormat, Label } from '@shared/domain/study';

const SPLIT_TEXT: Record<DatasetSplit, string> = { train: 'training', val: 'validation', test: 'test' };
const FORMAT_TEXT: Record<ImageFormat, string> = { png: 'PNG', jpeg: 'JPEG', dicom: 'DICOM' };

const pad = (n: number) => String(n).padStart(2, '0');

/** Local date and time as YYYY-MM-DD HH:MM (HH:MM:SS where order within a minute matters): unambiguous whatever the locale. */
export function formatDateTime(iso: string, withSeconds = false): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return (
    `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ` +
    `${pad(date.getHours())}:${pad(date.getMinutes())}${withSeconds ? `:${pad(date.getSeconds())}` : ''}`
  );
}

/** Built once: toLocaleString builds a formatter per call, and the counts redraw on every slider step. */
const counter = new Intl.NumberFormat('en-US');

export function formatCount(n: number): string {
  return counter.format(n);
}

/** "1 study", "2,345 studies". */
export function countOf(n: number, singular: string, pluralForm = `${singular}s`): string {
  return `${formatCount(n)} ${n === 1 ? singular : pluralForm}`;
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 ** 2) return `${(n / 1024).toFixed(0)} KB`;
  return `${(n / 1024 ** 2).toFixed(1)} MB`;
}

/** Ground truth as shown in the worklist; an em dash when the import could not tell. */
export function labelText(label: Label | null): string {
  return label ?? '—';
}

export function splitText(split: DatasetSplit | null): string {
  return split === null ? '—' : SPLIT_TEXT[split];
}

export function formatText(format: ImageFormat): string {
  return FORMAT_TEXT[format];
}

/**
 * A probability as a percentage with one decimal: "73.4 %"; an em dash when not scored. A score
 * that would round to 100.0 % or 0.0 % reads "> 99.9 %" or "< 0.1 %": a model is never certain, and
 * the screen must not say it is. Exports keep the raw number.
 */
export function formatProbability(p: number | null): string {
  if (p === null) return '—';
  const percent = p * 100;
  if (percent >= 99.95) return '> 99.9 %';
  if (percent < 0.05) return '< 0.1 %';
  return `${percent.toFixed(1)} %`;
}

/** The difference between two rates in percentage points: "+1.6 pts", "−0.4 pts". */
export function formatPointsDelta(d: number): string {
  return `${d >= 0 ? '+' : '−'}${Math.abs(d * 100).toFixed(1)} pts`;
}

/** A threshold as it is typed and stored: two decimals. */
export function formatThreshold(t: number | null): string {
  return t === null ? '—' : t.toFixed(2);
}

/** A rate as a whole percentage; "n/a" when it is undefined (nothing called positive or negative). */
export function formatRate(r: number | null): string {
  return r === null ? 'n/a' : `${(r * 100).toFixed(1)} %`;
}

/** A rate's confidence interval as "86.5–98.3 %". */
export function formatInterval(interval: { low: number; high: number }): string {
  return `${(interval.low * 100).toFixed(1)}–${(interval.high * 100).toFixed(1)} %`;
}

/** Time waiting as "45 min", "3 h 05 m", "2 d 4 h": short enough for a narrow column. */
export function formatWaiting(ms: number): string {
  const minutes = Math.max(0, Math.floor(ms / 60_000));
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours} h ${pad(minutes % 60)} m`;
  return `${Math.floor(hours / 24)} d ${hours % 24} h`;
}

/** A time left or taken, rounded as a person says it: "45 s", "12 min", "1.5 h"; a dash when unknown. */
export function formatDuration(seconds: number | null): string {
  if (seconds === null) return '–';
  if (seconds < 90) return `${Math.round(seconds)} s`;
  if (seconds < 5400) return `${Math.round(seconds / 60)} min`;
  return `${(seconds / 3600).toFixed(1)} h`;
}
