import sharp from 'sharp';
import type { ScoreResult } from './pneumonia-sample';

/** A Grad-CAM heatmap as a small grey PNG (the viewer scales it over the image). */
export function heatmapPng(heatmap: ScoreResult['heatmap']): Promise<Buffer> {
  return sharp(heatmap.data, { raw: { width: heatmap.width, height: heatmap.height, channels: 1 } }).png().toBuffer();
}
