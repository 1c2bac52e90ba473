/**
 * The coded concepts of the result document. Standard codes where one says exactly what is meant
 * (DCM, SNOMED CT, UCUM); the rest under the local scheme 99CXRT, which every document declares in
 * its Coding Scheme Identification Sequence (PS3.3 C.12.1.1.4: private schemes begin with 99).
 */
export interface Code {
  CodeValue: string;
  CodingSchemeDesignator: string;
  CodeMeaning: string;
}

const code = (CodeValue: string, CodingSchemeDesignator: string, CodeMeaning: string): Code => ({ CodeValue, CodingSchemeDesignator, CodeMeaning });

export const LOCAL_SCHEME = {
  CodingSchemeDesignator: '99CXRT',
  CodingSchemeName: 'CXR Triage local codes',
  CodingSchemeResponsibleOrganization: 'CXR Triage',
};

export const CODES = {
  reportTitle: code('CXRT-0001', '99CXRT', 'Chest X-ray AI triage result'),
  notice: code('121106', 'DCM', 'Comment'),
  algorithmName: code('111001', 'DCM', 'Algorithm Name'),
  algorithmVersion: code('111003', 'DCM', 'Algorithm Version'),
  modelVersionId: code('CXRT-0002', '99CXRT', 'Model version id'),
  trainingFingerprint: code('CXRT-0003', '99CXRT', 'Training data fingerprint'),
  threshold: code('CXRT-0004', '99CXRT', 'Flagging threshold'),
  thresholdPreset: code('CXRT-0005', '99CXRT', 'Threshold preset'),
  studyFlag: code('CXRT-0006', '99CXRT', 'Flagged for pneumonia review'),
  imageAssessment: code('CXRT-0007', '99CXRT', 'Image assessment'),
  sourceImage: code('121112', 'DCM', 'Source of Measurement'),
  suitability: code('CXRT-0008', '99CXRT', 'Suitability of the image for the model'),
  suitabilityReason: code('CXRT-0009', '99CXRT', 'Suitability reason'),
  probability: code('CXRT-0010', '99CXRT', 'Pneumonia probability (AI)'),
  imageFlag: code('CXRT-0011', '99CXRT', 'Flagged at threshold'),
  notAssessed: code('CXRT-0012', '99CXRT', 'Not assessed by the AI'),
  workstation: code('CXRT-0013', '99CXRT', 'Workstation'),
  noUnits: code('1', 'UCUM', 'no units'),
  yes: code('373066001', 'SCT', 'Yes'),
  no: code('373067005', 'SCT', 'No'),
  unreliable: code('CXRT-0020', '99CXRT', 'Not flagged: score not reliable'),
  inScope: code('CXRT-0021', '99CXRT', 'In scope'),
  outsidePopulation: code('CXRT-0022', '99CXRT', 'Outside the population'),
  unusualImage: code('CXRT-0023', '99CXRT', 'Unusual image'),
  notApplicable: code('CXRT-0024', '99CXRT', 'Not applicable'),
} as const;
