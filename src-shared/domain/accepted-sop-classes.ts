/**
 * What the node accepts. Chest radiographs arrive as CR or DX images, and some PACS forward
 * digitised films as Secondary Capture; those classes go through the import pipeline (which may
 * still keep one as "not applicable": a lateral, a child outside the population, a knee).
 * Every other storage class is refused at negotiation: a routing rule that sends CT or MR here is
 * a misconfiguration the sender should see as a failure at once, not a disk that fills with studies
 * the model can never score.
 * Shared so the settings screen lists exactly what the node negotiates.
 */
export const VERIFICATION_SOP_CLASS = '1.2.840.10008.1.1';

export const ACCEPTED_STORAGE_CLASSES: ReadonlyMap<string, string> = new Map([
  ['1.2.840.10008.5.1.4.1.1.1', 'Computed Radiography Image Storage'],
  ['1.2.840.10008.5.1.4.1.1.1.1', 'Digital X-Ray Image Storage - For Presentation'],
  ['1.2.840.10008.5.1.4.1.1.1.1.1', 'Digital X-Ray Image Storage - For Processing'],
  ['1.2.840.10008.5.1.4.1.1.7', 'Secondary Capture Image Storage'],
]);

export function isAcceptedStorageClass(sopClassUid: string): boolean {
  return ACCEPTED_STORAGE_CLASSES.has(sopClassUid);
}
