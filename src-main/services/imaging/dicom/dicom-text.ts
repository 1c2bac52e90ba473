import type { DataSet } from 'dicom-parser';

/** Specific Character Set (0008,0005) terms to WHATWG encoding labels (TextDecoder). */
const CHARSETS: Record<string, string> = {
  '': 'windows-1252',
  ISO_IR_6: 'windows-1252',
  ISO_IR_100: 'iso-8859-1',
  ISO_IR_101: 'iso-8859-2',
  ISO_IR_109: 'iso-8859-3',
  ISO_IR_110: 'iso-8859-4',
  ISO_IR_144: 'iso-8859-5',
  ISO_IR_127: 'iso-8859-6',
  ISO_IR_126: 'iso-8859-7',
  ISO_IR_138: 'iso-8859-8',
  ISO_IR_148: 'iso-8859-9',
  ISO_IR_203: 'iso-8859-15',
  ISO_IR_13: 'shift_jis',
  ISO_IR_166: 'windows-874',
  ISO_IR_192: 'utf-8',
  GB18030: 'gb18030',
  GBK: 'gbk',
  ISO_2022_IR_6: 'windows-1252',
  ISO_2022_IR_100: 'iso-8859-1',
  ISO_2022_IR_87: 'iso-2022-jp',
  ISO_2022_IR_149: 'euc-kr',
  ISO_2022_IR_58: 'gb18030',
};

/** VRs whose text is in the data set's character set; all others are plain ASCII. */
const CHARSET_VRS = new Set(['SH', 'LO', 'ST', 'LT', 'UT', 'PN', 'UC']);

/** ISO 2022 escape sequences (ESC, intermediates, final byte) that designate a character set. */
const ISO_2022_ESCAPE = /\x1b[\x20-\x2f]+[\x30-\x7e]/g;

/** Decodes text values with the data set's Specific Character Set, falling back to Latin-1. */
export class DicomText {
  private readonly decoder: TextDecoder;
  private readonly ascii = new TextDecoder('windows-1252');
  /** Only the ISO-2022-JP decoder switches on escape sequences; for the others they are designations to drop. */
  private readonly stripEscapes: boolean;

  constructor(private readonly dataSet: DataSet) {
    // "ISO-IR 100" is a common misspelling of "ISO_IR 100"; both normalise to ISO_IR_100.
    const terms = (dataSet.string('x00080005') ?? '').split('\\').map((t) => t.trim().replace(/[\s-]/g, '_'));
    // With code extensions the first value is the default repertoire; the others are switched in by escapes.
    const label = CHARSETS[terms.find((t) => t !== '') ?? ''] ?? 'windows-1252';
    this.decoder = terms.length > 1 && label === 'windows-1252' ? new TextDecoder(CHARSETS[terms[1]!] ?? label) : new TextDecoder(label);
    this.stripEscapes = this.decoder.encoding !== 'iso-2022-jp';
  }

  /** The element's value as text, trailing padding removed; undefined when absent or empty. */
  get(tag: string, dataSet: DataSet = this.dataSet): string | undefined {
    const element = dataSet.elements[tag];
    if (!element || element.length <= 0 || element.dataOffset + element.length > dataSet.byteArray.length) return undefined;
    const raw = dataSet.byteArray.subarray(element.dataOffset, element.dataOffset + element.length);
    const decoder = element.vr === undefined || CHARSET_VRS.has(element.vr) ? this.decoder : this.ascii;
    const decoded = decoder === this.decoder && this.stripEscapes ? decoder.decode(raw).replace(ISO_2022_ESCAPE, '') : decoder.decode(raw);
    const text = decoded.replace(/[\0 ]+$/, '').replace(/^ +/, '');
    return text === '' ? undefined : text;
  }
}
