/** A file that cannot be read as a DICOM image; the message is the specific reason shown to the user. */
export class DicomError extends Error {
  override readonly name = 'DicomError';
}
