import type { AppEvent } from '@shared/ipc/contract';
import { onAppEvent } from './api';
import { worklist } from './worklist.svelte';

/**
 * Studies the DICOM node received that the user has not looked at yet. An arrival refreshes the
 * worklist in place; its scores follow when the scoring job finishes (scoring-job reloads then).
 * A study counts when an arrival names it and it was first imported since the user last looked:
 * another image of a study already listed is no new study. Judged by the row's import time, not by
 * whether the row was listed before the event, because a scoring refresh may list it first.
 */
class Arrivals {
  private arrived = $state.raw<ReadonlySet<number>>(new Set());
  private opened = $state.raw<ReadonlySet<number>>(new Set());
  private lastLook = $state(Date.now());

  /** New studies the worklist already shows, so the notice never counts a row that is not there yet. */
  readonly studyIds = $derived(
    worklist.rows
      .filter((row) => this.arrived.has(row.id) && !this.opened.has(row.id) && Date.parse(row.importedAt) >= this.lastLook)
      .map((row) => row.id),
  );

  listen(): () => void {
    return onAppEvent((event) => this.receive(event));
  }

  /** The user looked: the notice goes. */
  markSeen(): void {
    this.arrived = new Set();
    this.opened = new Set();
    this.lastLook = Date.now();
  }

  /** The user opened one of them. */
  markStudySeen(studyId: number): void {
    if (!this.arrived.has(studyId) || this.opened.has(studyId)) return;
    this.opened = new Set([...this.opened, studyId]);
  }

  private receive(event: AppEvent): void {
    if (event.name !== 'studies.arrived') return;
    const fresh = event.payload.studyIds.filter((id) => !this.arrived.has(id));
    if (fresh.length > 0) this.arrived = new Set([...this.arrived, ...fresh]);
    worklist.refresh();
  }
}

export const arrivals = new Arrivals();
