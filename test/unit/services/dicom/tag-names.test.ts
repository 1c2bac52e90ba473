import { describe, expect, it } from 'vitest';
import { listDicomTags } from '../../../../src-main/services/imaging/dicom/dicom-tags';
import { keywordToWords, tagName } from '../../../../src-main/services/imaging/dicom/tag-names';
import { readDicomFile } from '../../../support/dicom';

describe('DICOM tag names from the standard dictionary (dcmjs)', () => {
  it('names standard tags, including ones no hand-written list had', () => {
    expect(tagName('00080014')).toBe('Instance Creator UID');
    expect(tagName('00281050')).toBe('Window Center');
    expect(tagName('00100010')).toBe('Patient Name');
    expect(tagName('00180060')).toBe('KVP');
    expect(tagName('7FE00010')).toBe('Pixel Data');
  });

  it('resolves repeating groups and says what is private', () => {
    expect(tagName('60003000')).toBe('Overlay Data');
    expect(tagName('00090010')).toBe('Private tag');
    expect(tagName('00090000')).toBe('Group Length');
  });

  it('turns keywords into words, keeping acronyms whole', () => {
    expect(keywordToWords('SOPInstanceUID')).toBe('SOP Instance UID');
    expect(keywordToWords('LUTData')).toBe('LUT Data');
    expect(keywordToWords('BitsAllocated')).toBe('Bits Allocated');
  });

  it('lists no item or sequence delimiters and names every standard tag of real files', () => {
    for (const file of ['pydicom_test_files/UN_sequence.dcm', 'pydicom_test_files/test-SR.dcm', 'pydicom_data/RG1_J2KI.dcm']) {
      const tags = listDicomTags(readDicomFile(file));
      expect(tags.filter((t) => t.tag.startsWith('(FFFE'))).toEqual([]);
      expect(tags.filter((t) => t.name === 'Unknown')).toEqual([]);
    }
  });
});
