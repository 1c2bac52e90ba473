import type { DicomTag } from '@shared/ipc/contract';

/**
 * Attributes outside the Patient group (0010) that identify a person or a visit, after the DICOM
 * Basic Application Confidentiality Profile (PS3.15 E.1). Person names are caught by their VR as
 * well, but an implicit-VR file has none, so the named ones are listed too.
 */
const IDENTIFYING = new Set([
  '0008,0050', // Accession Number
  '0008,0080', // Institution Name
  '0008,0081', // Institution Address
  '0008,0082', // Institution Code Sequence
  '0008,0090', // Referring Physician's Name
  '0008,0092', // Referring Physician's Address
  '0008,0094', // Referring Physician's Telephone Numbers
  '0008,0096', // Referring Physician Identification Sequence
  '0008,1010', // Station Name
  '0008,1040', // Institutional Department Name
  '0008,1048', // Physician(s) of Record
  '0008,1049', // Physician(s) of Record Identification Sequence
  '0008,1050', // Performing Physician's Name
  '0008,1052', // Performing Physician Identification Sequence
  '0008,1060', // Name of Physician(s) Reading Study
  '0008,1062', // Physician(s) Reading Study Identification Sequence
  '0008,1070', // Operators' Name
  '0008,1072', // Operator Identification Sequence
  '0018,1000', // Device Serial Number
  '0020,0010', // Study ID
  '0032,1032', // Requesting Physician
  '0032,1033', // Requesting Service
  '0038,0010', // Admission ID
  '0038,0300', // Current Patient Location
  '0038,0400', // Patient's Institution Residence
  '0040,0006', // Scheduled Performing Physician's Name
  '0040,0253', // Performed Procedure Step ID
  '0040,1001', // Requested Procedure ID
  '0040,2016', // Placer Order Number / Imaging Service Request
  '0040,2017', // Filler Order Number / Imaging Service Request
  '0040,A123', // Person Name
  '4008,0114', // Physician Approving Interpretation
]);

/** Whether privacy mode hides this attribute's value: the Patient group, any person name, or a listed identifier. */
function isIdentifyingTag(tag: Pick<DicomTag, 'tag' | 'vr'>): boolean {
  const key = tag.tag.replace(/[()\s]/g, '').toUpperCase();
  return key.startsWith('0010,') || tag.vr === 'PN' || IDENTIFYING.has(key);
}

export type ShownTag = DicomTag & { masked: boolean };

/**
 * The tag list (sequences expanded in order, with their depth) with identifying values replaced:
 * everything nested in an identifying sequence is hidden with it (a physician's identification
 * sequence holds their name, address and codes under other tags).
 */
export function maskIdentifyingTags(tags: readonly DicomTag[]): ShownTag[] {
  let hiddenBelow: number | null = null;
  return tags.map((tag) => {
    if (hiddenBelow !== null && tag.depth <= hiddenBelow) hiddenBelow = null;
    const masked = hiddenBelow !== null || isIdentifyingTag(tag);
    if (masked && hiddenBelow === null) hiddenBelow = tag.depth;
    return masked ? { ...tag, value: 'hidden', masked } : { ...tag, masked };
  });
}
