import { readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';

/** Tags whose UID values are rewritten: SOP Instance (meta and data set), Study and Series Instance UID. */
const SOP_INSTANCE = [[0x0002, 0x0003], [0x0008, 0x0018]] as const;
const STUDY = [[0x0020, 0x000d]] as const;
const SERIES = [[0x0020, 0x000e]] as const;

/**
 * Copies of a real DICOM file (explicit VR little endian data set, as the shared chest CRs are) that
 * differ only in their UIDs, rewritten in place at the same length, so each copy is a new instance:
 * `count` instances spread over `studies` studies (one series each). Calls with different `first`
 * numbers make different instances and studies from the same file.
 */
export async function writeVariants(source: string, outDir: string, count: number, options: { studies?: number; prefix?: string; first?: number } = {}): Promise<string[]> {
  const original = readFileSync(source);
  const studies = options.studies ?? count;
  await mkdir(outDir, { recursive: true });
  const files: string[] = [];
  const first = options.first ?? 0;
  for (let i = 0; i < count; i++) {
    const bytes = Buffer.from(original);
    for (const [group, element] of SOP_INSTANCE) rewriteUid(bytes, group, element, first + i);
    for (const [group, element] of STUDY) rewriteUid(bytes, group, element, first + (i % studies));
    for (const [group, element] of SERIES) rewriteUid(bytes, group, element, first + (i % studies));
    const file = path.join(outDir, `${options.prefix ?? 'variant'}-${String(i).padStart(4, '0')}.dcm`);
    await writeFile(file, bytes);
    files.push(file);
  }
  return files;
}

/** Replaces the last five digits of the UID's longest component with 1xxxx (x = n), keeping its length. */
function rewriteUid(bytes: Buffer, group: number, element: number, n: number): void {
  const tag = Buffer.alloc(6);
  tag.writeUInt16LE(group, 0);
  tag.writeUInt16LE(element, 2);
  tag.write('UI', 4, 'latin1');
  const at = bytes.indexOf(tag);
  if (at < 0) throw new Error(`no (${group.toString(16)},${element.toString(16)}) UI element found`);
  const length = bytes.readUInt16LE(at + 6);
  const value = bytes.toString('latin1', at + 8, at + 8 + length).replace(/\0+$/, '');
  const components = value.split('.');
  const longest = components.reduce((best, c, index) => (c.length > components[best]!.length ? index : best), 0);
  const component = components[longest]!;
  if (component.length < 6) throw new Error('UID component too short to rewrite');
  if (n >= 90_000) throw new Error('too many variants');
  components[longest] = component.slice(0, component.length - 5) + String(10_000 + n);
  bytes.write(components.join('.'), at + 8, 'latin1');
}
