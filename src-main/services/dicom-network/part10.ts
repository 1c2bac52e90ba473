/**
 * Wraps a data set received over the network in a DICOM Part 10 file: the 128-byte preamble,
 * "DICM" and a File Meta Information group (always Explicit VR Little Endian), followed by the data
 * set bytes exactly as they arrived in the negotiated transfer syntax. Nothing in the data set is
 * parsed or re-encoded, so what is stored is what the sender sent.
 */
export interface FileMeta {
  sopClassUid: string;
  sopInstanceUid: string;
  transferSyntaxUid: string;
  implementationClassUid: string;
  implementationVersionName: string;
  /** The calling AE title of the association the instance came in on. */
  sourceAeTitle: string;
}

export function part10File(meta: FileMeta, dataset: Uint8Array): Buffer {
  const elements = [
    element(0x0001, 'OB', Buffer.from([0x00, 0x01])),
    element(0x0002, 'UI', uid(meta.sopClassUid)),
    element(0x0003, 'UI', uid(meta.sopInstanceUid)),
    element(0x0010, 'UI', uid(meta.transferSyntaxUid)),
    element(0x0012, 'UI', uid(meta.implementationClassUid)),
    element(0x0013, 'SH', text(meta.implementationVersionName)),
    element(0x0016, 'AE', text(meta.sourceAeTitle)),
  ];
  const groupLength = elements.reduce((sum, e) => sum + e.length, 0);
  const lengthElement = element(0x0000, 'UL', uint32(groupLength));
  const preamble = Buffer.alloc(132);
  preamble.write('DICM', 128, 'latin1');
  return Buffer.concat([preamble, lengthElement, ...elements, dataset]);
}

/** UIDs are padded with NUL to an even length. */
function uid(value: string): Buffer {
  const bytes = Buffer.from(value, 'latin1');
  return bytes.length % 2 === 0 ? bytes : Buffer.concat([bytes, Buffer.from([0])]);
}

/** Text is padded with a space to an even length. */
function text(value: string): Buffer {
  const bytes = Buffer.from(value, 'latin1');
  return bytes.length % 2 === 0 ? bytes : Buffer.concat([bytes, Buffer.from(' ')]);
}

function uint32(value: number): Buffer {
  const bytes = Buffer.alloc(4);
  bytes.writeUInt32LE(value);
  return bytes;
}

function element(elementNumber: number, vr: 'OB' | 'UI' | 'SH' | 'AE' | 'UL', value: Buffer): Buffer {
  const longForm = vr === 'OB';
  const header = Buffer.alloc(longForm ? 12 : 8);
  header.writeUInt16LE(0x0002, 0);
  header.writeUInt16LE(elementNumber, 2);
  header.write(vr, 4, 'latin1');
  if (longForm) header.writeUInt32LE(value.length, 8);
  else header.writeUInt16LE(value.length, 6);
  return Buffer.concat([header, value]);
}
