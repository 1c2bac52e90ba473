import { createRequire } from 'node:module';

/** A naturalized DICOM data set (dcmjs's JSON form: keywords as keys, sequences as arrays of data sets). */
export type NaturalDataset = Record<string, unknown>;

interface DcmjsModule {
  data: {
    DicomMessage: { readFile(buffer: ArrayBuffer, options?: { untilTag?: string; ignoreErrors?: boolean }): { meta: Record<string, unknown>; dict: Record<string, unknown> } };
    DicomMetaDictionary: {
      naturalizeDataset(dict: Record<string, unknown>): NaturalDataset;
      denaturalizeDataset(dataset: NaturalDataset): Record<string, unknown>;
    };
    DicomDict: new (meta: Record<string, unknown>) => { dict: Record<string, unknown>; write(options?: Record<string, unknown>): ArrayBuffer };
  };
  log: { setLevel(level: string): void };
}

/**
 * dcmjs, loaded once: it reads the scored images' patient and study attributes and writes the
 * result documents. It ships no type declarations, so the few parts used are typed here. Its log is
 * limited to errors: its warnings can quote attribute values.
 */
export const dcmjs = createRequire(import.meta.url)('dcmjs') as DcmjsModule;
dcmjs.log.setLevel('error');

/** The bytes of a Part 10 file as the ArrayBuffer dcmjs reads. */
export function arrayBufferOf(bytes: Buffer): ArrayBuffer {
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
}
