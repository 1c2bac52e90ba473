/** What the viewer's corner overlays say, worked out apart from the page so it can be tested. */
export interface OverlayFacts {
  studyId: number;
  patientName: string | null;
  patientId: string | null;
  age: string | null;
  sex: string | null;
  /** YYYYMMDD or YYYY-MM-DD, as stored. */
  studyDate: string | null;
  /** HHMMSS(.ffffff), as DICOM writes it. */
  studyTime: string | null;
  modality: string | null;
  view: string | null;
  accession: string | null;
  /** Patient Orientation, "row direction\column direction" (e.g. "L\F"). */
  orientation: string | null;
  laterality: string | null;
  window: { center: number; width: number } | { name: string } | null;
  inverted: boolean;
  zoom: number;
  frame: { index: number; count: number } | null;
}

export interface OverlayText {
  topLeft: string[];
  topRight: string[];
  bottomLeft: string[];
  bottomRight: string[];
  /** Orientation letters at the middle of each edge: where the patient's sides lie on screen. */
  edges: { top: string; bottom: string; left: string; right: string } | null;
}

const OPPOSITE: Record<string, string> = { L: 'R', R: 'L', A: 'P', P: 'A', H: 'F', F: 'H' };

/** "LP" → "RA": each direction letter reversed. */
function opposite(direction: string): string {
  return [...direction].map((letter) => OPPOSITE[letter] ?? letter).join('');
}

/** Side markers from Patient Orientation: the first value points right along a row, the second down a column. */
export function orientationEdges(orientation: string | null): OverlayText['edges'] {
  const [row, column] = (orientation ?? '').toUpperCase().split('\\').map((value) => value.trim());
  if (!row || !column || !/^[LRAPHF]+$/.test(row + column)) return null;
  return { right: row, left: opposite(row), bottom: column, top: opposite(column) };
}

function formatDate(date: string | null, time: string | null): string | null {
  const day = date && /^\d{8}$/.test(date) ? `${date.slice(0, 4)}-${date.slice(4, 6)}-${date.slice(6, 8)}` : date;
  const clock = time && /^\d{4}/.test(time) ? `${time.slice(0, 2)}:${time.slice(2, 4)}` : null;
  return [day, clock].filter(Boolean).join(' ') || null;
}

function formatWindow(window: OverlayFacts['window']): string | null {
  if (!window) return null;
  if ('center' in window) return `W ${Math.round(window.width)}  L ${Math.round(window.center)}`;
  return window.name;
}

/**
 * The four corners as PACS viewers lay them out: who (top left), when and what (top right), the
 * display settings (bottom). Privacy mode leaves out name, ID and accession, as everywhere else.
 */
export function overlayText(facts: OverlayFacts, privacy: boolean): OverlayText {
  const who = privacy ? [`Study ${facts.studyId}`] : [facts.patientName?.replaceAll('^', ' ').trim() || null, facts.patientId ? `ID ${facts.patientId}` : null];
  const ageSex = [facts.age, facts.sex].filter(Boolean).join(' · ');
  const what = [facts.modality, facts.view].filter(Boolean).join(' ');
  const window = formatWindow(facts.window);
  return {
    topLeft: [...who, ageSex || null].filter((line): line is string => !!line),
    topRight: [
      formatDate(facts.studyDate, facts.studyTime),
      what || null,
      facts.laterality ? `Laterality ${facts.laterality}` : null,
      privacy || !facts.accession ? null : `Acc ${facts.accession}`,
    ].filter((line): line is string => !!line),
    bottomLeft: [window, facts.inverted ? 'Inverted' : null].filter((line): line is string => !!line),
    bottomRight: [facts.frame && facts.frame.count > 1 ? `Frame ${facts.frame.index + 1} / ${facts.frame.count}` : null, `Zoom ${Math.round(facts.zoom * 100)}%`].filter(
      (line): line is string => !!line,
    ),
    edges: orientationEdges(facts.orientation),
  };
}
