import { flagState } from '@shared/metrics/triage-priority';
import type { Verdict } from '@shared/domain/verdict';
import { dcmjs, type NaturalDataset } from './dcmjs';
import type { ImageReference } from './scored-image-source';
import { CODES, LOCAL_SCHEME, type Code } from './sr-codes';

export const COMPREHENSIVE_SR_SOP_CLASS = '1.2.840.10008.5.1.4.1.1.88.33';
const EXPLICIT_VR_LITTLE_ENDIAN = '1.2.840.10008.1.2.1';
/** Identifies the writer in every file meta header (2.25 + a fixed UUID: ours, registered nowhere). */
const IMPLEMENTATION_CLASS_UID = '2.25.240960361405926178961447462536428493961';

export const DECISION_SUPPORT_NOTICE =
  'Decision support, not a diagnosis. Produced by an AI model to help prioritise the reading queue; ' +
  'the images must be read by a radiologist.';

/**
 * What the version said of one image. The type carries a probability only for an assessed image:
 * an image the model does not apply to cannot reach the document with a number.
 */
export type ImageAssessment =
  | { kind: 'scored'; reference: ImageReference; verdict: Exclude<Verdict, 'not_applicable'>; reason: string | null; probability: number }
  | { kind: 'not_assessed'; reference: ImageReference; reason: string };

export interface ResultDocumentFacts {
  /** Patient and study attributes copied from the scored image. */
  study: NaturalDataset;
  images: ImageAssessment[];
  threshold: number;
  thresholdPreset: string;
  model: { name: string; versionId: number; trainingFingerprint: string | null };
  station: { aeTitle: string; softwareVersion: string };
  uids: { series: string; instance: string };
  /** 1 for a study's first document, then one more for each that supersedes the one before. */
  revision: number;
  predecessor: { seriesInstanceUid: string; sopInstanceUid: string } | null;
  createdAt: Date;
}

/**
 * The study's result as a Comprehensive SR: in the scored study, in a series of its own, referencing
 * the images it is about. For each scored image: the calibrated probability, flagged or not at the
 * threshold in force, the suitability verdict and its reason; for the study: the threshold and its
 * preset, the model version, and the notice that this is decision support. An image the model does
 * not apply to is listed as "not assessed" with the reason and no number; a study with no assessed
 * image states no threshold and no flag either.
 */
export function buildResultDataset(facts: ResultDocumentFacts): NaturalDataset {
  const assessed = facts.images.filter((image) => image.kind === 'scored');
  const content: NaturalDataset[] = [
    text(CODES.notice, DECISION_SUPPORT_NOTICE),
    text(CODES.algorithmName, facts.model.name),
    text(CODES.algorithmVersion, `version ${facts.model.versionId}`),
    text(CODES.modelVersionId, String(facts.model.versionId)),
    text(CODES.trainingFingerprint, facts.model.trainingFingerprint ?? 'not recorded'),
    text(CODES.workstation, facts.station.aeTitle),
  ];
  if (assessed.length > 0) {
    content.push(num(CODES.threshold, facts.threshold), text(CODES.thresholdPreset, facts.thresholdPreset));
    const flagged = assessed.some((image) => flagState(image, facts.threshold) === 'flagged');
    content.push(codeItem(CODES.studyFlag, flagged ? CODES.yes : CODES.no));
  }
  for (const image of facts.images) content.push(imageContainer(image, facts.threshold));

  const created = dicomDateTime(facts.createdAt);
  const referencedImages = evidence(String(facts.study.StudyInstanceUID), facts.images.map((image) => image.reference));
  return {
    ...facts.study,
    SpecificCharacterSet: 'ISO_IR 192',
    SOPClassUID: COMPREHENSIVE_SR_SOP_CLASS,
    SOPInstanceUID: facts.uids.instance,
    InstanceCreationDate: created.date,
    InstanceCreationTime: created.time,
    TimezoneOffsetFromUTC: '+0000',
    Modality: 'SR',
    SeriesInstanceUID: facts.uids.series,
    SeriesNumber: '9701',
    SeriesDescription: 'AI pneumonia triage (decision support)',
    ReferencedPerformedProcedureStepSequence: [],
    InstanceNumber: String(facts.revision),
    Manufacturer: 'CXR Triage',
    ManufacturerModelName: 'CXR Triage',
    StationName: facts.station.aeTitle,
    SoftwareVersions: facts.station.softwareVersion,
    PatientName: facts.study.PatientName ?? '',
    PatientID: facts.study.PatientID ?? '',
    PatientBirthDate: facts.study.PatientBirthDate ?? '',
    PatientSex: facts.study.PatientSex ?? '',
    StudyDate: facts.study.StudyDate ?? '',
    StudyTime: facts.study.StudyTime ?? '',
    ReferringPhysicianName: facts.study.ReferringPhysicianName ?? '',
    StudyID: facts.study.StudyID ?? '',
    AccessionNumber: facts.study.AccessionNumber ?? '',
    ContentDate: created.date,
    ContentTime: created.time,
    CompletionFlag: 'COMPLETE',
    VerificationFlag: 'UNVERIFIED',
    PerformedProcedureCodeSequence: [],
    CurrentRequestedProcedureEvidenceSequence: referencedImages,
    ...(facts.predecessor
      ? {
          PredecessorDocumentsSequence: evidence(String(facts.study.StudyInstanceUID), [
            { sopClassUid: COMPREHENSIVE_SR_SOP_CLASS, sopInstanceUid: facts.predecessor.sopInstanceUid, seriesInstanceUid: facts.predecessor.seriesInstanceUid },
          ]),
        }
      : {}),
    CodingSchemeIdentificationSequence: [LOCAL_SCHEME],
    ValueType: 'CONTAINER',
    ConceptNameCodeSequence: [CODES.reportTitle],
    ContinuityOfContent: 'SEPARATE',
    ContentSequence: content,
  };
}

/** A result document (the report or the secondary capture) as a Part 10 file (explicit VR little endian): the bytes stored, and sent on every attempt. */
export function writeResultDocument(dataset: NaturalDataset): Buffer {
  const meta = {
    FileMetaInformationVersion: new Uint8Array([0, 1]).buffer,
    MediaStorageSOPClassUID: dataset.SOPClassUID,
    MediaStorageSOPInstanceUID: dataset.SOPInstanceUID,
    TransferSyntaxUID: EXPLICIT_VR_LITTLE_ENDIAN,
    ImplementationClassUID: IMPLEMENTATION_CLASS_UID,
    ImplementationVersionName: 'CXRTRIAGE',
  };
  const file = new dcmjs.data.DicomDict(dcmjs.data.DicomMetaDictionary.denaturalizeDataset(meta));
  file.dict = dcmjs.data.DicomMetaDictionary.denaturalizeDataset(dataset);
  return Buffer.from(file.write());
}

function imageContainer(image: ImageAssessment, threshold: number): NaturalDataset {
  const items: NaturalDataset[] = [
    {
      RelationshipType: 'CONTAINS',
      ValueType: 'IMAGE',
      ConceptNameCodeSequence: [CODES.sourceImage],
      ReferencedSOPSequence: [{ ReferencedSOPClassUID: image.reference.sopClassUid, ReferencedSOPInstanceUID: image.reference.sopInstanceUid }],
    },
  ];
  if (image.kind === 'not_assessed') {
    items.push(codeItem(CODES.suitability, CODES.notApplicable), text(CODES.notAssessed, `The model does not apply to this image: ${image.reason}`));
  } else {
    items.push(codeItem(CODES.suitability, verdictCode(image.verdict)));
    if (image.reason) items.push(text(CODES.suitabilityReason, image.reason));
    items.push(num(CODES.probability, image.probability));
    const state = flagState(image, threshold);
    items.push(codeItem(CODES.imageFlag, state === 'flagged' ? CODES.yes : state === 'unreliable' ? CODES.unreliable : CODES.no));
  }
  return { RelationshipType: 'CONTAINS', ValueType: 'CONTAINER', ConceptNameCodeSequence: [CODES.imageAssessment], ContinuityOfContent: 'SEPARATE', ContentSequence: items };
}

function verdictCode(verdict: Exclude<Verdict, 'not_applicable'>): Code {
  return verdict === 'in_scope' ? CODES.inScope : verdict === 'outside_population' ? CODES.outsidePopulation : CODES.unusualImage;
}

function text(concept: Code, value: string): NaturalDataset {
  return { RelationshipType: 'CONTAINS', ValueType: 'TEXT', ConceptNameCodeSequence: [concept], TextValue: value };
}

function codeItem(concept: Code, value: Code): NaturalDataset {
  return { RelationshipType: 'CONTAINS', ValueType: 'CODE', ConceptNameCodeSequence: [concept], ConceptCodeSequence: [value] };
}

/** A number between 0 and 1 as a decimal string (DS holds at most 16 characters). */
function num(concept: Code, value: number): NaturalDataset {
  return {
    RelationshipType: 'CONTAINS',
    ValueType: 'NUM',
    ConceptNameCodeSequence: [concept],
    MeasuredValueSequence: [{ NumericValue: value.toFixed(4), MeasurementUnitsCodeSequence: [CODES.noUnits] }],
  };
}

/** The hierarchical SOP instance reference macro: one study, its series, their instances. */
function evidence(studyInstanceUid: string, references: ImageReference[]): NaturalDataset[] {
  const bySeries = new Map<string, ImageReference[]>();
  for (const reference of references) bySeries.set(reference.seriesInstanceUid, [...(bySeries.get(reference.seriesInstanceUid) ?? []), reference]);
  return [
    {
      StudyInstanceUID: studyInstanceUid,
      ReferencedSeriesSequence: [...bySeries].map(([seriesInstanceUid, instances]) => ({
        SeriesInstanceUID: seriesInstanceUid,
        ReferencedSOPSequence: instances.map((instance) => ({ ReferencedSOPClassUID: instance.sopClassUid, ReferencedSOPInstanceUID: instance.sopInstanceUid })),
      })),
    },
  ];
}

function dicomDateTime(at: Date): { date: string; time: string } {
  const iso = at.toISOString();
  return { date: iso.slice(0, 10).replace(/-/g, ''), time: `${iso.slice(11, 19).replace(/:/g, '')}` };
}
