export type Theme = 'dark' | 'light';

const STORAGE_KEY = 'cxr-triage.preferences';

interface Stored {
  theme?: Theme;
  heatmapOpacity?: number;
  advanceAfterRead?: boolean;
}

function readStored(): Stored {
  try {
    const value: unknown = JSON.parse(localStorage.getItem(STORAGE_KEY) ?? '{}');
    return typeof value === 'object' && value !== null ? (value as Stored) : {};
  } catch {
    return {};
  }
}

/**
 * Per-person display choices. Theme and heatmap opacity persist; privacy mode deliberately does
 * not, so a restarted window never hides names from a reader who did not ask for it (and the
 * heatmap starts hidden so the reader sees the plain image first).
 */
class Preferences {
  theme = $state<Theme>('dark');
  privacy = $state(false);
  heatmapShown = $state(false);
  heatmapOpacity = $state(0.45);
  /** After marking a study read, open the next unread one (flagged first): on unless the reader turns it off. */
  advanceAfterRead = $state(true);

  constructor() {
    const stored = readStored();
    if (stored.theme === 'light' || stored.theme === 'dark') this.theme = stored.theme;
    if (typeof stored.heatmapOpacity === 'number') this.heatmapOpacity = Math.min(1, Math.max(0.05, stored.heatmapOpacity));
    if (typeof stored.advanceAfterRead === 'boolean') this.advanceAfterRead = stored.advanceAfterRead;
    this.applyTheme();
  }

  toggleTheme(): void {
    this.theme = this.theme === 'dark' ? 'light' : 'dark';
    this.applyTheme();
    this.save();
  }

  setHeatmapOpacity(value: number): void {
    this.heatmapOpacity = value;
    this.save();
  }

  setAdvanceAfterRead(value: boolean): void {
    this.advanceAfterRead = value;
    this.save();
  }

  private applyTheme(): void {
    document.documentElement.dataset.theme = this.theme;
  }

  private save(): void {
    const stored: Stored = { theme: this.theme, heatmapOpacity: this.heatmapOpacity, advanceAfterRead: this.advanceAfterRead };
    localStorage.setItem(STORAGE_KEY, JSON.stringify(stored));
  }
}

export const preferences = new Preferences();
