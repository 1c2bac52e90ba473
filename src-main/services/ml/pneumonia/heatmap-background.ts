/**
 * Heatmap cells over background are zeroed: a cell whose patch of the resized image has no pixel
 * brighter than this (of 255) is outside the body (air beyond the patient, a black border). Lung
 * fields are dark but never that dark throughout: on the dev test split's 104 chest films the
 * darkest lung-field cell still reached 62.
 */
export const BACKGROUND_MAX_GREY = 24;

/** One flag per heatmap cell (row-major): true where the cell's patch of `pixels` is background. */
export function backgroundCells(pixels: Uint8Array, size: { width: number; height: number }, cells: { width: number; height: number }): boolean[] {
  const out: boolean[] = [];
  for (let cy = 0; cy < cells.height; cy++) {
    const [y0, y1] = [Math.floor((cy * size.height) / cells.height), Math.floor(((cy + 1) * size.height) / cells.height)];
    for (let cx = 0; cx < cells.width; cx++) {
      const [x0, x1] = [Math.floor((cx * size.width) / cells.width), Math.floor(((cx + 1) * size.width) / cells.width)];
      let brightest = 0;
      for (let y = y0; y < y1 && brightest <= BACKGROUND_MAX_GREY; y++) for (let x = x0; x < x1; x++) brightest = Math.max(brightest, pixels[y * size.width + x]!);
      out.push(brightest <= BACKGROUND_MAX_GREY);
    }
  }
  return out;
}
