import { describe, expect, it } from 'vitest';
import { summarizeDicom } from '../../../../src-main/services/imaging/dicom/dicom-image';
import { listDicomTags } from '../../../../src-main/services/imaging/dicom/dicom-tags';
import { readDicomFile } from '../../../support/dicom';

type Element = [group: number, element: number, vr: string, value: Uint8Array];

function ascii(text: string): Uint8Array {
  return Uint8Array.from(text, (c) => c.charCodeAt(0));
}

function hex(text: string): Uint8Array {
  return Uint8Array.from(text.trim().split(/\s+/), (b) => parseInt(b, 16));
}

/** One explicit VR little endian element (short form: every VR used here has a 2-byte length), padded to even length. */
function element([group, number, vr, value]: Element): Uint8Array {
  const padded = value.length % 2 ? [...value, vr === 'UI' ? 0 : 0x20] : [...value];
  const head = new DataView(new ArrayBuffer(8));
  head.setUint16(0, group, true);
  head.setUint16(2, number, true);
  head.setUint8(4, vr.charCodeAt(0));
  head.setUint8(5, vr.charCodeAt(1));
  head.setUint16(6, padded.length, true);
  return Uint8Array.from([...new Uint8Array(head.buffer), ...padded]);
}

/** A minimal Part 10 file: preamble, file meta with the transfer syntax, then the given elements. */
function dicomFile(charset: string, name: Uint8Array, extra: Element[] = []): Uint8Array {
  const elements: Element[] = [
    [0x0002, 0x0010, 'UI', ascii('1.2.840.10008.1.2.1')],
    [0x0008, 0x0005, 'CS', ascii(charset)],
    [0x0008, 0x0060, 'CS', ascii('OT')],
    [0x0010, 0x0010, 'PN', name],
    ...extra,
  ];
  const parts = [new Uint8Array(128), ascii('DICM'), ...elements.map(element)];
  return Uint8Array.from(parts.flatMap((p) => [...p]));
}

async function patientName(charset: string, name: Uint8Array): Promise<string | null | undefined> {
  return (await summarizeDicom(dicomFile(charset, name)))?.metadata.patientName;
}

describe('Specific Character Set (0008,0005)', () => {
  it('ISO_IR 100 (Latin-1) patient name', async () => {
    // PS3.5 H.1 example: "Buc^Jérôme".
    expect(await patientName('ISO_IR 100', hex('42 75 63 5E 4A E9 72 F4 6D 65'))).toBe('Buc Jérôme');
  });

  it('ISO_IR 192 (UTF-8) patient name with all three component groups', async () => {
    // PS3.5 I.2 example: "Wang^XiaoDong=王^小東=", here with its UTF-8 bytes.
    const name = hex('57 61 6E 67 5E 58 69 61 6F 44 6F 6E 67 3D E7 8E 8B 5E E5 B0 8F E6 9D B1 3D');
    expect(await patientName('ISO_IR 192', name)).toBe('Wang XiaoDong = 王 小東');
  });

  it('the same Latin-1 bytes read as UTF-8 are not mistaken for the Latin-1 text', async () => {
    expect(await patientName('ISO_IR 192', hex('42 75 63 5E 4A E9 72 F4 6D 65'))).not.toBe('Buc Jérôme');
  });

  it('reads Latin-1 text from corpus files (a German address, an SR observer name)', () => {
    const overlay = listDicomTags(readDicomFile('pydicom_test_files/examples_overlay.dcm'));
    expect(overlay.find((t) => t.tag === '(0010,1040)')?.value).toContain('Weißenkirchen');
    const report = listDicomTags(readDicomFile('pydicom_test_files/test-SR.dcm'));
    expect(report.find((t) => t.tag === '(0040,A075)')?.value).toBe('Riesmeier^Jörg');
  });

  it.each([
    // PS3.5 Annex H and I examples, and Latin-2 for Polish.
    ['ISO_IR 101', 'A3 F3 64 BC', 'Łódź'],
    ['ISO_IR 144', 'BB EE DA 63 65 DC D1 79 70 D3', 'Люкceмбypг'],
    ['ISO_IR 126', 'C4 E9 EF ED F5 F3 E9 EF F2', 'Διονυσιος'],
    ['ISO_IR 138', 'F9 F8 E5 EF 5E E3 E1 E5 F8 E4', 'שרון דבורה'],
    ['ISO_IR 127', 'E2 C8 C7 E6 EA 5E E4 E6 D2 C7 D1', 'قباني لنزار'],
    ['GB18030', '57 61 6E 67 5E 58 69 61 6F 44 6F 6E 67 3D CD F5 5E D0 A1 B6 AB 3D', 'Wang XiaoDong = 王 小东'],
    // The hyphen is a common misspelling of "ISO_IR".
    ['ISO-IR 144', 'BB EE DA 63 65 DC D1 79 70 D3', 'Люкceмбypг'],
  ])('%s', async (charset, bytes, expected) => {
    expect(await patientName(charset, hex(bytes))).toBe(expected);
  });

  it('ISO 2022 IR 87 (Japanese, switched in by escape sequences)', async () => {
    // PS3.5 H.3.1: "Yamada^Tarou=山田^太郎=やまだ^たろう".
    const name = hex(`59 61 6D 61 64 61 5E 54 61 72 6F 75 3D 1B 24 42 3B 33 45 44 1B 28 42 5E 1B 24 42 42 40 4F 3A 1B 28 42 3D
      1B 24 42 24 64 24 5E 24 40 1B 28 42 5E 1B 24 42 24 3F 24 6D 24 26 1B 28 42`);
    expect(await patientName('\\ISO 2022 IR 87', name)).toBe('Yamada Tarou = 山田 太郎 = やまだ たろう');
  });

  it('ISO 2022 IR 149 (Korean): the designation escapes are dropped, not shown', async () => {
    // PS3.5 I.1: "Hong^Gildong=洪^吉洞=홍^길동".
    const name = hex(`48 6F 6E 67 5E 47 69 6C 64 6F 6E 67 3D 1B 24 29 43 FB F3 5E 1B 24 29 43 D1 CE D4 D7 3D
      1B 24 29 43 C8 AB 5E 1B 24 29 43 B1 E6 B5 BF`);
    expect(await patientName('\\ISO 2022 IR 149', name)).toBe('Hong Gildong = 洪 吉洞 = 홍 길동');
  });

  it('values of non-text VRs stay ASCII whatever the character set', () => {
    const tags = listDicomTags(dicomFile('ISO_IR 192', ascii('X'), [[0x0020, 0x000d, 'UI', ascii('1.2.3.4')]]));
    expect(tags.find((t) => t.tag === '(0020,000D)')?.value).toBe('1.2.3.4');
  });

  it('no Specific Character Set: plain ASCII names are read as they are', async () => {
    expect(await patientName('', ascii('Doe^Jane'))).toBe('Doe Jane');
  });
});
