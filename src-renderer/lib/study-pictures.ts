import type { DicomFrame, StudyDetail } from '@shared/ipc/contract';
import { call } from './api';
import { painterFor } from './dicom-pixels';
import { objectUrlFor } from './object-url';
import { prefetchTargets } from './prefetch-order';

const STRUCTURED_REPORT_CLASS = '1.2.840.10008.5.1.4.1.1.88.';

/** What the viewer's stage shows for a study: a decoded picture, or why there is none. */
export type StudyPicture =
  | { kind: 'raster'; url: string }
  | { kind: 'dicom'; frame: DicomFrame }
  | { kind: 'none'; message: string };

interface Entry {
  detail: Promise<StudyDetail>;
  picture: Promise<StudyPicture>;
}

/** The image whose score and heatmap the viewer shows: the scored one, else the first. */
export function imageToShow(detail: StudyDetail): StudyDetail['images'][number] | undefined {
  return detail.images.find((image) => image.id === detail.scoredImageId) ?? detail.images[0];
}

/** A study without pixels, in words a reader understands (a structured report is not a broken image). */
export function noImageMessage(detail: StudyDetail): string | null {
  const image = imageToShow(detail);
  if (!image) return 'This study has no images.';
  if (image.format !== 'dicom' || image.dicom?.hasPixels) return null;
  if (image.dicom?.sopClassUid?.startsWith(STRUCTURED_REPORT_CLASS)) return 'No image — this is a structured report.';
  return detail.statusReason ?? 'This DICOM object has no image.';
}

async function loadPicture(detail: StudyDetail): Promise<StudyPicture> {
  const message = noImageMessage(detail);
  if (message) return { kind: 'none', message };
  const image = imageToShow(detail)!;
  if (image.format === 'dicom') {
    const frame = await call('getDicomFrame', { imageId: image.id, frame: 0 });
    // Painted now in the window it opens in, so showing it is only a copy to the canvas.
    painterFor(frame).paint(frame.presets[frame.defaultPreset] ?? null, false);
    return { kind: 'dicom', frame };
  }
  const display = await call('getDisplayImage', { imageId: image.id });
  const url = objectUrlFor(display.bytes, display.mime);
  // Decoded now, so the <img> that shows it later paints at once; a broken file still reaches the viewer's error path.
  const probe = new Image();
  probe.src = url;
  await probe.decode().catch(() => undefined);
  return { kind: 'raster', url };
}

/**
 * The open study's picture and its neighbours' in the reading order, decoded ahead so that
 * moving to the next study shows it at once. At most the open study and two neighbours are kept
 * (a chest CR's frame is megabytes); object URLs are revoked when their study leaves.
 */
class StudyPictures {
  private readonly entries = new Map<number, Entry>();

  /**
   * The open study: from the prefetch if one ran, else loaded now. `opened` is the audited
   * request that marks the opening, and brings a fresh copy (status, score) of a prefetched study.
   */
  open(studyId: number): Entry & { opened: Promise<StudyDetail> } {
    const opened = call('getStudy', { studyId });
    const known = this.entries.get(studyId);
    if (known) return { ...known, opened };
    const entry = { detail: opened, picture: opened.then(loadPicture) };
    this.entries.set(studyId, entry);
    return { ...entry, opened };
  }

  /** Loads the neighbours of the open study, one after another, and forgets every other study. */
  async prefetchAround(studyId: number, readingOrder: readonly number[]): Promise<void> {
    const targets = prefetchTargets(readingOrder, studyId);
    const keep = new Set([studyId, ...targets]);
    for (const [id, entry] of this.entries) {
      if (!keep.has(id)) {
        this.entries.delete(id);
        void release(entry);
      }
    }
    for (const target of targets) {
      if (this.entries.has(target)) continue;
      const detail = call('getStudy', { studyId: target, purpose: 'prefetch' });
      const entry = { detail, picture: detail.then(loadPicture) };
      this.entries.set(target, entry);
      // A failed prefetch is forgotten, so opening the study tries again and shows its own error.
      await entry.picture.catch(() => this.entries.get(target) === entry && this.entries.delete(target));
    }
  }

  has(studyId: number): boolean {
    return this.entries.has(studyId);
  }
}

async function release(entry: Entry): Promise<void> {
  const picture = await entry.picture.catch(() => null);
  if (picture?.kind === 'raster') URL.revokeObjectURL(picture.url);
}

export const studyPictures = new StudyPictures();
