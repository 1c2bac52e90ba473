import type { ResponseOf } from '@shared/ipc/contract';
import { call, errorMessage } from './api';

export type AppInfo = ResponseOf<'app.info'>;
export type Screen = 'worklist' | 'audit' | 'model' | 'dicom-node' | 'fine-tune' | 'training';

/** What the whole window shares: facts about the application, the screen shown and which study is open. */
class AppState {
  info = $state<AppInfo | null>(null);
  /** Set when the application itself cannot be reached; the window then shows only this. */
  startupError = $state<string | null>(null);
  studyCount = $state(0);
  screen = $state<Screen>('worklist');
  openStudyId = $state<number | null>(null);
  /** The study last opened, so the worklist can put focus back on its row. */
  lastOpenedStudyId = $state<number | null>(null);

  async loadInfo(): Promise<void> {
    try {
      const info = await call('appInfo');
      this.info = info;
      this.studyCount = info.studyCount;
    } catch (error) {
      // Only fatal before the first answer; later refreshes keep what is already shown.
      if (!this.info) this.startupError = errorMessage(error);
    }
  }

  openStudy(studyId: number): void {
    this.openStudyId = studyId;
    this.lastOpenedStudyId = studyId;
  }

  closeStudy(): void {
    this.openStudyId = null;
  }
}

export const app = new AppState();
