import { describe, expect, it } from 'vitest';
import { orientationEdges, overlayText, type OverlayFacts } from '../../../src-renderer/lib/viewer-overlay';

const facts: OverlayFacts = {
  studyId: 7,
  patientName: 'Doe^Jane',
  patientId: 'P-123',
  age: '005Y',
  sex: 'F',
  studyDate: '20240131',
  studyTime: '142501.000',
  modality: 'CR',
  view: 'PA',
  accession: 'ACC9',
  orientation: 'L\\F',
  laterality: null,
  window: { center: 15000, width: 30000 },
  inverted: false,
  zoom: 0.4567,
  frame: { index: 0, count: 1 },
};

describe('viewer corner overlays', () => {
  it('lays out who, when, what and the display settings', () => {
    expect(overlayText(facts, false)).toEqual({
      topLeft: ['Doe Jane', 'ID P-123', '005Y · F'],
      topRight: ['2024-01-31 14:25', 'CR PA', 'Acc ACC9'],
      bottomLeft: ['W 30000  L 15000'],
      bottomRight: ['Zoom 46%'],
      edges: { right: 'L', left: 'R', bottom: 'F', top: 'H' },
    });
  });

  it('privacy mode leaves out name, ID and accession but keeps what a reader needs', () => {
    const text = overlayText(facts, true);
    const all = [...text.topLeft, ...text.topRight, ...text.bottomLeft, ...text.bottomRight].join(' ');
    for (const identifying of ['Doe', 'Jane', 'P-123', 'ACC9']) expect(all).not.toContain(identifying);
    expect(text.topLeft).toEqual(['Study 7', '005Y · F']);
    expect(text.bottomLeft).toEqual(['W 30000  L 15000']);
  });

  it('gives a named window preset its values, not its name', () => {
    const preset = { kind: 'window', name: 'Default (C 15000 / W 30000)', center: 15000, width: 30000 };
    expect(overlayText({ ...facts, window: preset }, false).bottomLeft).toEqual(['W 30000  L 15000']);
  });

  it('shows frames, inversion and a VOI LUT by name', () => {
    const text = overlayText({ ...facts, window: { name: 'VOI LUT 1' }, inverted: true, frame: { index: 2, count: 10 }, zoom: 1 }, false);
    expect(text.bottomLeft).toEqual(['VOI LUT 1', 'Inverted']);
    expect(text.bottomRight).toEqual(['Frame 3 / 10', 'Zoom 100%']);
  });

  it('reads Patient Orientation into side markers, and ignores what it cannot read', () => {
    expect(orientationEdges('A\\FR')).toEqual({ right: 'A', left: 'P', bottom: 'FR', top: 'HL' });
    expect(orientationEdges(null)).toBeNull();
    expect(orientationEdges('L')).toBeNull();
    expect(orientationEdges('X\\Y')).toBeNull();
  });
});
