import dicomParser from 'dicom-parser';
import { describeParseError } from '../imaging/dicom/dicom-parse';

const DEFLATED = '1.2.840.10008.1.2.1.99';

/**
 * The structural check a received instance passes before the sender is told it is stored: the data
 * set parses to its end (a truncated or garbled one is refused with the reason, so the sender knows).
 * Decoding the pixels is left to the import behind the spool, where a codec
 * failure is listed with the association's import. Deflated data sets are left to the import too:
 * inflating one here would hold up every other association. Returns the reason to refuse, or null.
 */
export function quickDicomCheck(file: Buffer): string | null {
  try {
    const meta = dicomParser.parseDicom(file, { untilTag: 'x00020010' } as Parameters<typeof dicomParser.parseDicom>[1]);
    if (meta.string('x00020010')?.trim() === DEFLATED) return null;
    dicomParser.parseDicom(file);
  } catch (error) {
    return `unreadable DICOM: ${describeParseError(error)}`;
  }
  return null;
}
