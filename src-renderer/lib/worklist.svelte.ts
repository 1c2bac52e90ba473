import type { StudyStatus } from '@shared/domain/study';
import type { StudyRow } from '@shared/ipc/contract';
import { flagCounts, isOverdue, triageIndex, triageOrder, type TriageCase } from '@shared/metrics/triage-priority';
import { call, errorMessage } from './api';
import { app } from './app-state.svelte';
import { clock } from './clock.svelte';
import { models } from './models.svelte';
import { scoreOf, studyFlagState } from './study-score';

/** Rows per request while loading the whole list; a few requests keep each message small. */
const CHUNK_SIZE = 5000;
/** Until settings arrive, the server's default. */
const DEFAULT_AGING_MINUTES = 120;

export type SortKey =
  | 'priority'
  | 'probability'
  | 'patient'
  | 'accession'
  | 'studyDate'
  | 'waiting'
  | 'modality'
  | 'status'
  | 'label'
  | 'model';
export type SortDirection = 'asc' | 'desc';

/**
 * The status shown in the worklist: "flagged" is a new study the model flags at the threshold in
 * force; "not applicable" also covers a study the active version says it does not apply to.
 */
export type RowStatus = 'flagged' | StudyStatus;

/** Study date as YYYY-MM-DD (DICOM writes YYYYMMDD); the import date when the study has none. */
export function displayDate(row: StudyRow): string {
  const date = row.studyDate;
  if (date && /^\d{8}$/.test(date)) return `${date.slice(0, 4)}-${date.slice(4, 6)}-${date.slice(6, 8)}`;
  return date ?? row.importedAt.slice(0, 10);
}

function sortText(row: StudyRow, key: SortKey): string {
  switch (key) {
    case 'patient':
      return row.patientName ?? row.patientId ?? row.fileName;
    case 'accession':
      return row.accessionNumber ?? '';
    case 'studyDate':
      return displayDate(row);
    case 'modality':
      return `${row.modality ?? ''} ${row.viewPosition ?? ''}`;
    case 'label':
      return row.label ?? '';
    case 'model':
      return models.nameOf(row.modelVersionId) ?? '';
    default:
      return '';
  }
}

const collator = new Intl.Collator('en', { numeric: true, sensitivity: 'base' });
const STATUS_RANK: Record<RowStatus, number> = { flagged: 0, new: 1, read: 2, not_applicable: 3 };

/**
 * Every study, loaded once (in chunks) and then sorted, filtered and flagged in the page, so a
 * threshold change redraws the list without a round trip. Lives outside the component so the
 * viewer can step through the same order and coming back keeps filters and scroll.
 */
class Worklist {
  rows = $state.raw<StudyRow[]>([]);
  loaded = $state(false);
  loading = $state(false);
  /** Rows received so far while a (re)load runs, for the progress text. */
  received = $state(0);
  error = $state<string | null>(null);
  actionError = $state<string | null>(null);

  search = $state('');
  flaggedOnly = $state(false);
  unreadOnly = $state(false);
  dateFrom = $state('');
  dateTo = $state('');
  sortKey = $state<SortKey>('priority');
  sortDirection = $state<SortDirection>('desc');
  selectedId = $state<number | null>(null);

  /** Counts the loads that replaced the rows, so the table can keep its place across one. */
  revision = $state(0);

  private generation = 0;
  /** A refresh asked for while a load runs: one more load follows it. */
  private refreshPending = false;

  get agingLimitMinutes(): number {
    return models.settings?.agingLimitMinutes ?? DEFAULT_AGING_MINUTES;
  }

  /** Parsed once per load: the priority sort runs on every threshold change. */
  private readonly cases = $derived(this.rows.map(triageCase));

  /** Sorted once per load, so a threshold change only regroups the list (linear time). */
  private readonly triageIndex = $derived(triageIndex(this.cases));

  private readonly sorted = $derived.by((): StudyRow[] => {
    const rows = this.rows;
    if (this.sortKey === 'priority') {
      return triageOrder(this.cases, models.threshold, clock.now, this.agingLimitMinutes, this.triageIndex).map((i) => rows[i]!);
    }
    const sign = this.sortDirection === 'asc' ? 1 : -1;
    const key = this.sortKey;
    const threshold = models.threshold;
    const indexed = rows.map((row, i) => ({ row, i, text: sortText(row, key) }));
    indexed.sort((a, b) => {
      let byKey: number;
      if (key === 'probability') {
        // Studies without a score (not scored yet, or not applicable) stay last either way: they have no low score.
        const [pa, pb] = [scoreOf(a.row).probability, scoreOf(b.row).probability];
        if ((pa === null) !== (pb === null)) return pa === null ? 1 : -1;
        byKey = (pa ?? 0) - (pb ?? 0);
      }
      else if (key === 'waiting') byKey = Date.parse(b.row.importedAt) - Date.parse(a.row.importedAt);
      else if (key === 'status') byKey = STATUS_RANK[rowStatus(a.row, threshold)] - STATUS_RANK[rowStatus(b.row, threshold)];
      else byKey = collator.compare(a.text, b.text);
      return sign * byKey || a.i - b.i;
    });
    return indexed.map((entry) => entry.row);
  });

  /** The rows on screen, in order. */
  readonly view = $derived.by((): StudyRow[] => {
    const needle = this.search.trim().toLowerCase();
    const { flaggedOnly, unreadOnly, dateFrom, dateTo } = this;
    const threshold = flaggedOnly ? models.threshold : null;
    if (!needle && !flaggedOnly && !unreadOnly && !dateFrom && !dateTo) return this.sorted;
    return this.sorted.filter((row) => {
      // The same set the threshold panel counts as flagged: read or not.
      if (flaggedOnly && studyFlagState(row, threshold) !== 'flagged') return false;
      if (unreadOnly && row.status !== 'new') return false;
      if (dateFrom || dateTo) {
        const date = displayDate(row);
        if ((dateFrom && date < dateFrom) || (dateTo && date > dateTo)) return false;
      }
      if (!needle) return true;
      return [row.patientId, row.patientName, row.fileName, row.accessionNumber].some((v) => v?.toLowerCase().includes(needle));
    });
  });

  /** Collected once per load, not on every threshold change. */
  private readonly scores = $derived(this.rows.map(scoreOf));

  /** Each flag state's count among every study in the worklist (the filters do not change them). */
  readonly counts = $derived(flagCounts(this.scores, models.threshold));

  readonly filtered = $derived(
    this.search.trim() !== '' || this.flaggedOnly || this.unreadOnly || this.dateFrom !== '' || this.dateTo !== '',
  );

  ensureLoaded(): void {
    if (!this.loaded && !this.loading) void this.reload();
  }

  async reload(): Promise<void> {
    const generation = ++this.generation;
    this.loading = true;
    this.received = 0;
    try {
      const rows: StudyRow[] = [];
      let total = Infinity;
      while (rows.length < total) {
        const page = await call('listStudies', { limit: CHUNK_SIZE, offset: rows.length });
        if (generation !== this.generation) return;
        total = page.total;
        rows.push(...page.rows);
        this.received = rows.length;
        if (page.rows.length === 0) break;
      }
      this.rows = rows;
      this.revision++;
      this.loaded = true;
      this.error = null;
      app.studyCount = rows.length;
    } catch (error) {
      if (generation === this.generation) this.error = errorMessage(error);
    } finally {
      if (generation === this.generation) {
        this.loading = false;
        if (this.refreshPending) this.refresh();
      }
    }
  }

  /**
   * Reloads for news from elsewhere (studies arriving). Unlike reload it never restarts a load in
   * flight: arrivals every few seconds would otherwise keep a long list from ever finishing.
   */
  refresh(): void {
    this.refreshPending = this.loading;
    if (!this.loading) void this.reload();
  }

  clearFilters(): void {
    this.search = '';
    this.flaggedOnly = false;
    this.unreadOnly = false;
    this.dateFrom = '';
    this.dateTo = '';
  }

  /** Clicking the sorted column flips its direction; another column starts with its natural direction. */
  sortBy(key: SortKey): void {
    if (this.sortKey === key && key !== 'priority') {
      this.sortDirection = this.sortDirection === 'asc' ? 'desc' : 'asc';
    } else {
      this.sortKey = key;
      this.sortDirection = key === 'probability' || key === 'studyDate' || key === 'waiting' ? 'desc' : 'asc';
    }
  }

  /**
   * The list's order when the reader opened a study from it. Previous/next in the viewer walk this
   * snapshot, so marking a study read (which sinks it) or a threshold change never reshuffles the
   * studies still to come.
   */
  readingOrder = $state.raw<number[]>([]);

  open(studyId: number): void {
    this.readingOrder = this.view.map((row) => row.id);
    this.selectedId = studyId;
    app.openStudy(studyId);
  }

  /** The study `delta` places away from `studyId` in the reading order, or null at either end. */
  neighbour(studyId: number, delta: number): number | null {
    const index = this.readingOrder.indexOf(studyId);
    if (index < 0) return null;
    return this.readingOrder[index + delta] ?? null;
  }

  find(studyId: number): StudyRow | undefined {
    return this.rows.find((row) => row.id === studyId);
  }

  /** True once saved; a not-applicable study keeps that status and records only when it was read. */
  async setStatus(studyId: number, status: 'new' | 'read'): Promise<boolean> {
    try {
      const saved = await call('setStudyStatus', { studyId, status });
      const readAt = status === 'read' ? new Date().toISOString() : null;
      this.rows = this.rows.map((row) => (row.id === studyId ? { ...row, status: saved.status, readAt } : row));
      this.actionError = null;
      return true;
    } catch (error) {
      this.actionError = errorMessage(error);
      return false;
    }
  }
}

function triageCase(row: StudyRow): TriageCase {
  return { ...scoreOf(row), waitingSince: Date.parse(row.importedAt), unread: row.status === 'new' };
}

export function rowStatus(row: StudyRow, threshold: number | null): RowStatus {
  const state = studyFlagState(row, threshold);
  if (state === 'not_applicable') return 'not_applicable';
  return row.status === 'new' && state === 'flagged' ? 'flagged' : row.status;
}

export function rowOverdue(row: StudyRow, now: number, agingLimitMinutes: number): boolean {
  return isOverdue(triageCase(row), now, agingLimitMinutes);
}

export const worklist = new Worklist();
