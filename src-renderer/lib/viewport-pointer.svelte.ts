import type { ZoomPan } from './zoom-pan.svelte';

export type DragMode = 'window' | 'pan';

/** Zooms about the pointer; exponential in the wheel distance, so trackpads and notched wheels feel alike. */
export function zoomOnWheel(event: WheelEvent, view: ZoomPan): void {
  event.preventDefault();
  const box = (event.currentTarget as HTMLElement).getBoundingClientRect();
  view.zoomAt(Math.exp(-event.deltaY * 0.0015), event.clientX - box.left, event.clientY - box.top);
}

/**
 * The image viewports' mouse dragging: a left drag changes window/level (where the image allows it),
 * a shift drag or a right or middle drag pans.
 */
export class ViewportDrag {
  private current = $state<{ pointerId: number; x: number; y: number; mode: DragMode } | null>(null);

  get active(): boolean {
    return this.current !== null;
  }

  down(event: PointerEvent, canWindow: boolean): void {
    if (event.button > 2) return;
    (event.currentTarget as HTMLElement).setPointerCapture(event.pointerId);
    const mode = event.button === 0 && !event.shiftKey && canWindow ? 'window' : 'pan';
    this.current = { pointerId: event.pointerId, x: event.clientX, y: event.clientY, mode };
  }

  /** The movement since the last event of this drag, or null when the pointer is not dragging. */
  move(event: PointerEvent): { dx: number; dy: number; mode: DragMode } | null {
    const drag = this.current;
    if (drag?.pointerId !== event.pointerId) return null;
    const dx = event.clientX - drag.x;
    const dy = event.clientY - drag.y;
    drag.x = event.clientX;
    drag.y = event.clientY;
    return { dx, dy, mode: drag.mode };
  }

  up(event: PointerEvent): void {
    if (this.current?.pointerId === event.pointerId) this.current = null;
  }
}
