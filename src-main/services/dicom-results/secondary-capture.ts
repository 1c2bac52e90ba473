import sharp from 'sharp';
import type { GreyImage } from '../imaging/dicom/dicom-image';
import type { NaturalDataset } from './dcmjs';
import { writeResultDocument } from './result-document';
import type { ImageReference } from './scored-image-source';

export const SECONDARY_CAPTURE_SOP_CLASS = '1.2.840.10008.5.1.4.1.1.7';
/** Longest side of the picture: enough to read the film and the label on a PACS screen, small enough to send quickly. */
const MAX_SIDE = 1024;
/** As on screen (src-renderer/lib/heatmap-render.ts): drawn above half its peak, fading in, at most this opaque. */
const CUTOFF = 0.5;
const FADE = 0.15;
const MAX_ALPHA = 0.6;

/**
 * The X-ray with the heatmap and the score burned in, as RGB pixels: the film (its default window),
 * the Grad-CAM map in the jet colours above half its peak, and a black band at the top whose lines
 * say what this is (AI decision support, not a diagnosis) and what the model said.
 */
export async function renderSecondaryCapture(grey: GreyImage, heatmapPng: Buffer, lines: string[]): Promise<{ width: number; height: number; rgb: Buffer }> {
  const film = sharp(grey.data, { raw: { width: grey.width, height: grey.height, channels: grey.channels } }).resize({ width: MAX_SIDE, height: MAX_SIDE, fit: 'inside', withoutEnlargement: true });
  const { data: filmRgb, info } = await film.toColourspace('srgb').removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const { width, height } = info;
  const rgb = info.channels === 3 ? Buffer.from(filmRgb) : toRgb(filmRgb, info.channels);
  const { data: heat } = await sharp(heatmapPng).greyscale().resize({ width, height, fit: 'fill', kernel: 'cubic' }).raw().toBuffer({ resolveWithObject: true });
  let peak = 1;
  for (const value of heat) peak = Math.max(peak, value);
  for (let i = 0; i < width * height; i++) {
    const t = heat[i]! / peak;
    if (t < CUTOFF) continue;
    const alpha = MAX_ALPHA * Math.min(1, (t - CUTOFF) / FADE);
    const colour = jet((t - CUTOFF) / (1 - CUTOFF));
    for (let c = 0; c < 3; c++) rgb[i * 3 + c] = Math.round(rgb[i * 3 + c]! * (1 - alpha) + colour[c]! * alpha);
  }
  // The label goes in a black band above the film, so it hides none of it.
  const lineHeight = Math.max(16, Math.round(width / 40));
  const band = Math.round(lineHeight * (lines.length + 0.6));
  const svg = `<svg width="${width}" height="${band}" xmlns="http://www.w3.org/2000/svg">
    ${lines.map((line, i) => `<text x="${lineHeight / 2}" y="${lineHeight * (i + 1)}" font-family="DejaVu Sans, sans-serif" font-size="${Math.round(lineHeight * 0.8)}" fill="${i === 0 ? '#ffd24d' : 'white'}">${escapeXml(line)}</text>`).join('')}
  </svg>`;
  const labelled = await sharp(rgb, { raw: { width, height, channels: 3 } })
    .extend({ top: band, background: { r: 0, g: 0, b: 0 } })
    .composite([{ input: Buffer.from(svg), top: 0, left: 0 }])
    .removeAlpha()
    .raw()
    .toBuffer();
  return { width, height: height + band, rgb: labelled };
}

export interface SecondaryCaptureFacts {
  study: NaturalDataset;
  source: ImageReference;
  picture: { width: number; height: number; rgb: Buffer };
  station: { aeTitle: string; softwareVersion: string };
  uids: { series: string; instance: string };
  instanceNumber: number;
  createdAt: Date;
}

/** The Secondary Capture Image IOD around the picture; Burned In Annotation YES, derived from the scored image. */
export function writeSecondaryCapture(facts: SecondaryCaptureFacts): Buffer {
  const iso = facts.createdAt.toISOString();
  const date = iso.slice(0, 10).replace(/-/g, '');
  const time = iso.slice(11, 19).replace(/:/g, '');
  const dataset: NaturalDataset = {
    ...facts.study,
    SpecificCharacterSet: 'ISO_IR 192',
    SOPClassUID: SECONDARY_CAPTURE_SOP_CLASS,
    SOPInstanceUID: facts.uids.instance,
    InstanceCreationDate: date,
    InstanceCreationTime: time,
    PatientName: facts.study.PatientName ?? '',
    PatientID: facts.study.PatientID ?? '',
    PatientBirthDate: facts.study.PatientBirthDate ?? '',
    PatientSex: facts.study.PatientSex ?? '',
    StudyDate: facts.study.StudyDate ?? '',
    StudyTime: facts.study.StudyTime ?? '',
    ReferringPhysicianName: facts.study.ReferringPhysicianName ?? '',
    StudyID: facts.study.StudyID ?? '',
    AccessionNumber: facts.study.AccessionNumber ?? '',
    Modality: 'OT',
    Laterality: '',
    SeriesInstanceUID: facts.uids.series,
    SeriesNumber: '9702',
    SeriesDescription: 'AI heatmap and score (decision support, not a diagnosis)',
    Manufacturer: 'CXR Triage',
    StationName: facts.station.aeTitle,
    SoftwareVersions: facts.station.softwareVersion,
    ConversionType: 'WSD',
    InstanceNumber: String(facts.instanceNumber),
    PatientOrientation: '',
    ContentDate: date,
    ContentTime: time,
    ImageType: ['DERIVED', 'SECONDARY'],
    DerivationDescription: 'AI pneumonia triage: Grad-CAM heatmap and score burned in',
    SourceImageSequence: [{ ReferencedSOPClassUID: facts.source.sopClassUid, ReferencedSOPInstanceUID: facts.source.sopInstanceUid }],
    BurnedInAnnotation: 'YES',
    SamplesPerPixel: 3,
    PhotometricInterpretation: 'RGB',
    PlanarConfiguration: 0,
    Rows: facts.picture.height,
    Columns: facts.picture.width,
    BitsAllocated: 8,
    BitsStored: 8,
    HighBit: 7,
    PixelRepresentation: 0,
    PixelData: [facts.picture.rgb.buffer.slice(facts.picture.rgb.byteOffset, facts.picture.rgb.byteOffset + facts.picture.rgb.byteLength)],
    _vrMap: { PixelData: 'OB' },
  };
  return writeResultDocument(dataset);
}

function toRgb(data: Buffer, channels: number): Buffer {
  const out = Buffer.alloc((data.length / channels) * 3);
  for (let i = 0; i < data.length / channels; i++) out.fill(data[i * channels]!, i * 3, i * 3 + 3);
  return out;
}

function jet(t: number): [number, number, number] {
  const channel = (v: number) => Math.round(255 * Math.min(1, Math.max(0, v)));
  return [channel(1.5 - Math.abs(4 * t - 3)), channel(1.5 - Math.abs(4 * t - 2)), channel(1.5 - Math.abs(4 * t - 1))];
}

function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
