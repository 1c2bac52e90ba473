import type { DatasetSplit, ImageFormat, Label, StudyStatus } from '@shared/domain/study';

const STATUS_TEXT: Record<StudyStatus, string> = { new: 'new', read: 'read', not_applicable: 'not applicable' };
const SPLIT_TEXT: Record<DatasetSplit, string> = { train: 'training', val: 'validation', test: 'test' };
const FORMAT_TEXT: Record<ImageFormat, string> = { png: 'PNG', jpeg: 'JPEG', dicom: 'DICOM' };

const pad = (n: number) => String(n).padStart(2, '0');

/** Local date and time as YYYY-MM-DD HH:MM: unambiguous whatever the locale. */
export function formatDateTime(iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return (
    `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ` +
    `${pad(date.getHours())}:${pad(date.getMinutes())}`
  );
}

export function formatCount(n: number): string {
  return n.toLocaleString('en-US');
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

export function statusText(status: StudyStatus): string {
  return STATUS_TEXT[status];
}

export function splitText(split: DatasetSplit | null): string {
  return split === null ? '—' : SPLIT_TEXT[split];
}

export function formatText(format: ImageFormat): string {
  return FORMAT_TEXT[format];
}
