import { readFile } from 'node:fs/promises';
import sharp from 'sharp';
import type { GreyImage } from '../../imaging/dicom/dicom-image';
import { renderForModel } from '../../imaging/dicom/dicom-image';
import type { PneumoniaSample } from './pneumonia-sample';
import { resizeGrey } from './preprocess';

/** Decodes a sample's file to 8-bit grey: PNG/JPEG through sharp, DICOM as the viewer renders it for the model. */
export async function loadGrey(sample: Pick<PneumoniaSample, 'path' | 'format'>): Promise<GreyImage> {
  const bytes = await readFile(sample.path);
  if (sample.format === 'dicom') return renderForModel(bytes);
  const { data, info } = await sharp(bytes, { limitInputPixels: 100_000_000 }).rotate().grayscale().raw().toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, channels: 1, data: firstChannel(data, info.channels) };
}

function firstChannel(data: Buffer, channels: number): Uint8Array {
  if (channels === 1) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  const out = new Uint8Array(data.byteLength / channels);
  for (let i = 0; i < out.length; i++) out[i] = data[i * channels]!;
  return out;
}

/** A file decoded and resized to the model's input size: what the scorer takes, ready before the model runs. */
export async function loadModelInput(sample: Pick<PneumoniaSample, 'path' | 'format'>, size: { width: number; height: number }): Promise<GreyImage> {
  const data = await resizeGrey(await loadGrey(sample), size);
  return { width: size.width, height: size.height, channels: 1, data };
}
