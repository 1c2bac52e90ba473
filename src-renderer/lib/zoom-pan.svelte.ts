const MIN_SCALE = 0.05;
const MAX_SCALE = 16;
const STEP = 1.25;
/** How much of the image must stay on screen while panning, so it can never be lost. */
const KEEP_VISIBLE_PX = 64;

interface Size {
  width: number;
  height: number;
}

/**
 * Zoom and pan of one image inside a viewport, in screen pixels: the image's top-left corner
 * sits at (x, y) and each image pixel is `scale` screen pixels wide.
 */
export class ZoomPan {
  scale = $state(1);
  x = $state(0);
  y = $state(0);
  /** While fitted, the image follows the viewport's size (window resizes keep it fitted). */
  fitted = $state(true);

  private viewport: Size = { width: 0, height: 0 };
  private image: Size = { width: 0, height: 0 };

  private get ready(): boolean {
    return this.viewport.width > 0 && this.viewport.height > 0 && this.image.width > 0 && this.image.height > 0;
  }

  setViewport(width: number, height: number): void {
    this.viewport = { width, height };
    if (this.fitted) this.fit();
    else this.keepInView();
  }

  setImage(width: number, height: number): void {
    this.image = { width, height };
    this.fit();
  }

  fit(): void {
    this.fitted = true;
    if (!this.ready) return;
    this.scale = Math.min(this.viewport.width / this.image.width, this.viewport.height / this.image.height);
    this.center();
  }

  /** One image pixel per screen pixel, centred. */
  actualSize(): void {
    this.fitted = false;
    this.scale = 1;
    this.center();
  }

  zoomIn(): void {
    this.zoomAt(STEP, this.viewport.width / 2, this.viewport.height / 2);
  }

  zoomOut(): void {
    this.zoomAt(1 / STEP, this.viewport.width / 2, this.viewport.height / 2);
  }

  /** Zooms by `factor` keeping the image point under (screenX, screenY) where it is. */
  zoomAt(factor: number, screenX: number, screenY: number): void {
    const next = Math.min(MAX_SCALE, Math.max(MIN_SCALE, this.scale * factor));
    const ratio = next / this.scale;
    this.fitted = false;
    this.x = screenX - (screenX - this.x) * ratio;
    this.y = screenY - (screenY - this.y) * ratio;
    this.scale = next;
    this.keepInView();
  }

  panBy(dx: number, dy: number): void {
    this.fitted = false;
    this.x += dx;
    this.y += dy;
    this.keepInView();
  }

  private center(): void {
    this.x = (this.viewport.width - this.image.width * this.scale) / 2;
    this.y = (this.viewport.height - this.image.height * this.scale) / 2;
  }

  private keepInView(): void {
    if (!this.ready) return;
    const width = this.image.width * this.scale;
    const height = this.image.height * this.scale;
    const keepX = Math.min(KEEP_VISIBLE_PX, width);
    const keepY = Math.min(KEEP_VISIBLE_PX, height);
    this.x = Math.min(this.viewport.width - keepX, Math.max(keepX - width, this.x));
    this.y = Math.min(this.viewport.height - keepY, Math.max(keepY - height, this.y));
  }
}
