import type { StudyRow } from '@shared/ipc/contract';
import { call, errorMessage } from './api';
import { app } from './app-state.svelte';

const PAGE_SIZE = 500;
const SEARCH_DELAY_MS = 250;

/**
 * The worklist's rows and search. Lives outside the component so opening a study and coming
 * back keeps the search, the loaded pages and the scroll position.
 */
class Worklist {
  /** What is typed in the search box. */
  search = $state('');
  rows = $state.raw<StudyRow[]>([]);
  total = $state(0);
  /** The search the shown rows answer; lags `search` while a query is pending. */
  shownSearch = $state('');
  loaded = $state(false);
  loading = $state(false);
  loadingMore = $state(false);
  /** Why the last search or refresh failed; the list shows it instead of stale rows. */
  error = $state<string | null>(null);
  loadMoreError = $state<string | null>(null);

  /** Bumped by every new query, so an answer to an older one is dropped. */
  private generation = 0;
  private searchTimer: ReturnType<typeof setTimeout> | undefined;

  get hasMore(): boolean {
    return this.rows.length < this.total;
  }

  ensureLoaded(): void {
    if (!this.loaded && !this.loading) void this.reload();
  }

  setSearch(text: string): void {
    this.search = text;
    clearTimeout(this.searchTimer);
    this.searchTimer = setTimeout(() => void this.reload(), SEARCH_DELAY_MS);
  }

  clearSearch(): void {
    this.search = '';
    clearTimeout(this.searchTimer);
    void this.reload();
  }

  async reload(): Promise<void> {
    clearTimeout(this.searchTimer);
    const generation = ++this.generation;
    const search = this.search.trim();
    this.loading = true;
    this.loadingMore = false;
    this.loadMoreError = null;
    try {
      const page = await call('listStudies', { search: search || undefined, limit: PAGE_SIZE, offset: 0 });
      if (generation !== this.generation) return;
      this.rows = page.rows;
      this.total = page.total;
      this.shownSearch = search;
      this.loaded = true;
      this.error = null;
      if (!search) app.studyCount = page.total;
    } catch (error) {
      if (generation !== this.generation) return;
      this.error = errorMessage(error);
    } finally {
      if (generation === this.generation) this.loading = false;
    }
  }

  async loadMore(): Promise<void> {
    if (this.loadingMore || !this.hasMore) return;
    const generation = this.generation;
    this.loadingMore = true;
    this.loadMoreError = null;
    try {
      const page = await call('listStudies', {
        search: this.shownSearch || undefined,
        limit: PAGE_SIZE,
        offset: this.rows.length,
      });
      if (generation !== this.generation) return;
      this.rows = [...this.rows, ...page.rows];
      this.total = page.total;
    } catch (error) {
      if (generation !== this.generation) return;
      this.loadMoreError = errorMessage(error);
    } finally {
      if (generation === this.generation) this.loadingMore = false;
    }
  }
}

export const worklist = new Worklist();
