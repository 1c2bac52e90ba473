import type { AppEvent } from '@shared/ipc/contract';
import { onAppEvent } from './api';
import { worklist } from './worklist.svelte';

/**
 * Studies the DICOM node received that the user has not looked at yet. An arrival refreshes the
 * worklist in place; its scores follow when the scoring job finishes (scoring-job reloads then).
 * Only studies new to the worklist count: another image of a study already listed is no new study.
 */
class Arrivals {
  private unseen = $state.raw<ReadonlySet<number>>(new Set());
  private readonly listed = $derived(new Set(worklist.rows.map((row) => row.id)));

  /** New studies the worklist already shows, so the notice never counts a row that is not there yet. */
  readonly studyIds = $derived([...this.unseen].filter((id) => this.listed.has(id)));

  listen(): () => void {
    return onAppEvent((event) => this.receive(event));
  }

  /** The user looked: the notice goes. */
  markSeen(): void {
    this.unseen = new Set();
  }

  /** The user opened one of them. */
  markStudySeen(studyId: number): void {
    if (!this.unseen.has(studyId)) return;
    const unseen = new Set(this.unseen);
    unseen.delete(studyId);
    this.unseen = unseen;
  }

  private receive(event: AppEvent): void {
    if (event.name !== 'studies.arrived') return;
    const fresh = event.payload.studyIds.filter((id) => !this.listed.has(id) && !this.unseen.has(id));
    if (fresh.length > 0) this.unseen = new Set([...this.unseen, ...fresh]);
    worklist.refresh();
  }
}

export const arrivals = new Arrivals();
