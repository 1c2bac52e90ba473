import { inflateRawSync } from 'node:zlib';
import dicomParser, { type DataSet } from 'dicom-parser';
import { DicomError } from './dicom-error';
import { EXPLICIT_BIG_ENDIAN, EXPLICIT_LITTLE_ENDIAN, IMPLICIT_LITTLE_ENDIAN } from './transfer-syntaxes';

export interface ParsedDicom {
  dataSet: DataSet;
  transferSyntaxUid: string;
  /** False for a raw data set written without the Part 10 preamble and file meta information. */
  hasFileMeta: boolean;
}

/** A deflated data set may not inflate beyond this: a small hostile file must not exhaust memory. */
const MAX_INFLATED_BYTES = 1024 * 1024 * 1024;

export function hasPart10Preamble(bytes: Uint8Array): boolean {
  return bytes.length >= 132 && bytes[128] === 0x44 && bytes[129] === 0x49 && bytes[130] === 0x43 && bytes[131] === 0x4d;
}

function inflater(bytes: Uint8Array, position: number): Uint8Array {
  let inflated: Buffer;
  try {
    inflated = inflateRawSync(bytes.subarray(position), { maxOutputLength: MAX_INFLATED_BYTES });
  } catch (error) {
    throw new DicomError(`the deflated data set cannot be inflated (${(error as Error).message})`);
  }
  const full = new Uint8Array(position + inflated.length);
  full.set(bytes.subarray(0, position));
  full.set(inflated, position);
  return full;
}

function parseWith(bytes: Uint8Array, transferSyntaxUid?: string): DataSet {
  const options = transferSyntaxUid ? { TransferSyntaxUID: transferSyntaxUid, inflater } : { inflater };
  return dicomParser.parseDicom(bytes, options as Parameters<typeof dicomParser.parseDicom>[1]);
}

/** Turns dicom-parser's terse exceptions into a reason a user can act on. */
export function describeParseError(error: unknown): string {
  if (error instanceof DicomError) return error.message;
  const raw = error instanceof Error ? error.message : typeof error === 'string' ? error : String((error as { exception?: unknown })?.exception ?? error);
  const text = raw.replace(/^dicomParser\.\w+:\s*/, '');
  if (/past end of buffer|buffer overr|beyond the end|maxPosition|greater than or equal to 'byteArray' length/i.test(raw)) {
    return 'the file is truncated: it ends in the middle of a data element';
  }
  if (/0002,0010/.test(raw)) return 'the file meta information has no Transfer Syntax UID (0002,0010)';
  if (/item tag|sequence|delimit/i.test(raw)) return `a sequence in the data set is malformed (${text})`;
  return `the DICOM data set cannot be parsed (${text})`;
}

/**
 * A file without the "DICM" preamble can still be a raw data set. It is accepted only if it
 * parses cleanly in one of the uncompressed encodings and starts like a real data set (a group
 * 0008 element first, tags ascending), so random bytes are not mistaken for DICOM.
 */
function parseRawDataSet(bytes: Uint8Array): ParsedDicom | null {
  for (const uid of [IMPLICIT_LITTLE_ENDIAN, EXPLICIT_LITTLE_ENDIAN, EXPLICIT_BIG_ENDIAN]) {
    let dataSet: DataSet;
    try {
      dataSet = parseWith(bytes, uid);
    } catch {
      continue;
    }
    if (looksLikeDataSet(dataSet, uid !== IMPLICIT_LITTLE_ENDIAN)) {
      return { dataSet, transferSyntaxUid: uid, hasFileMeta: false };
    }
  }
  return null;
}

/** A few bytes of junk before an otherwise clean raw data set (pydicom's no_meta.dcm has one). */
const MAX_STRAY_BYTES = 3;

/** A raw data set that parses once the first few bytes are skipped: the file is damaged, and is refused rather than guessed at. */
function rejectStrayBytes(bytes: Uint8Array): void {
  for (let skip = 1; skip <= MAX_STRAY_BYTES; skip++) {
    if (parseRawDataSet(bytes.subarray(skip))) {
      throw new DicomError(`the file starts with ${skip} stray byte${skip === 1 ? '' : 's'} before its data set (no file meta information); it is damaged`);
    }
  }
}

const VR = /^(AE|AS|AT|CS|DA|DS|DT|FL|FD|IS|LO|LT|OB|OD|OF|OL|OV|OW|PN|SH|SL|SQ|SS|ST|SV|TM|UC|UI|UL|UN|UR|US|UT|UV)$/;

function looksLikeDataSet(dataSet: DataSet, explicit: boolean): boolean {
  const tags = Object.keys(dataSet.elements).filter((tag) => tag !== 'x00020010');
  if (tags.length < 3) return false;
  const first = tags[0]!;
  if (!/^x000[08]/.test(first)) return false;
  for (let i = 1; i < tags.length; i++) if (tags[i]! <= tags[i - 1]!) return false;
  if (explicit) return tags.every((tag) => VR.test(dataSet.elements[tag]!.vr ?? ''));
  return true;
}

const LONG_LENGTH_VRS = new Set(['OB', 'OD', 'OF', 'OL', 'OV', 'OW', 'SQ', 'UC', 'UN', 'UR', 'UT']);

/**
 * The group of the first element after the file meta information (explicit VR little endian,
 * group 0002, from offset 132), or null when the meta group runs to the end of the file.
 */
function groupAfterFileMeta(bytes: Uint8Array): number | null {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let at = 132;
  while (at + 8 <= bytes.length) {
    const group = view.getUint16(at, true);
    if (group !== 0x0002) return group;
    const vr = String.fromCharCode(bytes[at + 4]!, bytes[at + 5]!);
    if (!LONG_LENGTH_VRS.has(vr)) at += 8 + view.getUint16(at + 6, true);
    else if (at + 12 <= bytes.length) at += 12 + view.getUint32(at + 8, true);
    else return null;
  }
  return null;
}

/** Some writers omit the 128-byte preamble but keep the file meta group (0002) at offset 0. */
function startsWithFileMeta(bytes: Uint8Array): boolean {
  return bytes.length >= 8 && bytes[0] === 0x02 && bytes[1] === 0x00 && (bytes[4] ?? 0) >= 0x41 && (bytes[4] ?? 0) <= 0x5a;
}

function withPreamble(bytes: Uint8Array): Uint8Array {
  const full = new Uint8Array(132 + bytes.length);
  full.set([0x44, 0x49, 0x43, 0x4d], 128);
  full.set(bytes, 132);
  return full;
}

/** Parses a Part 10 file or a raw data set; throws DicomError with a specific reason, or returns null if it is not DICOM at all. */
export function parseDicom(bytes: Uint8Array): ParsedDicom | null {
  if (!hasPart10Preamble(bytes)) {
    if (!startsWithFileMeta(bytes)) {
      const raw = parseRawDataSet(bytes);
      if (!raw) rejectStrayBytes(bytes);
      return raw;
    }
    bytes = withPreamble(bytes);
  }
  let dataSet: DataSet;
  try {
    dataSet = parseWith(bytes);
  } catch (error) {
    const reason = describeParseError(error);
    // dicom-parser takes every element below group 0003 for file meta, so a data set that starts in
    // group 0000 or 0001 is read as meta and fails as if truncated (pydicom's nested_priv_SQ.dcm).
    const group = groupAfterFileMeta(bytes);
    if (group !== null && group < 0x0002 && !reason.includes('0002,0010')) {
      throw new DicomError(`the data set starts with an element of group ${group.toString(16).padStart(4, '0')}, which DICOM does not allow (PS3.5 7.8.1) and this reader cannot separate from the file meta information`);
    }
    throw new DicomError(reason);
  }
  const transferSyntaxUid = dataSet.string('x00020010')?.replace(/\0/g, '').trim();
  if (!transferSyntaxUid) throw new DicomError('the file meta information has no Transfer Syntax UID (0002,0010)');
  return { dataSet, transferSyntaxUid, hasFileMeta: true };
}
