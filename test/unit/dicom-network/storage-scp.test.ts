import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import dicomParser from 'dicom-parser';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { AppEvent } from '@shared/ipc/contract';
import { openAppServices, type AppServices } from '../../../src-main/services/app/app-services';
import { runTool, stopChildren } from '../../support/dicom-tools';
import { writeVariants } from '../../support/dicom-variants';
import { tempDir } from '../../support/fixtures';
import { requireSharedData } from '../../support/shared-data';
import { sharedTransferSyntax, storescu } from '../../support/storescu';

/** The storage SCP against dcmtk's own SCUs, on 127.0.0.1 and a port the system chose. */
let services: AppServices;
let port: number;
const events: AppEvent[] = [];
const dicomRoot = requireSharedData('dicom');

/** Every CR and DX file of the shared corpus (the wg04 RG1/RG2/RG3 set in each syntax, pydicom's CRs). */
const chestFiles = readFileSync(path.join(dicomRoot, 'index.tsv'), 'utf8')
  .split('\n')
  .map((line) => line.split('\t'))
  .filter((cols) => cols[2] === 'CR' || cols[2] === 'DX')
  .map((cols) => cols[0]!);

function sopInstanceUid(relative: string): string {
  const data = dicomParser.parseDicom(readFileSync(path.join(dicomRoot, relative)), { untilTag: 'x00080018' });
  return data.string('x00080018')!;
}

beforeAll(async () => {
  services = openAppServices(await tempDir('cxr-scp-'), { dicomNode: { idleMs: 5_000 }, startDicomNode: false });
  services.jobs.onEvent((event) => events.push(event));
  const status = await services.dicomNode.start({
    enabled: true,
    aeTitle: 'CXRTRIAGE',
    port: 0,
    bindAddress: '127.0.0.1',
    allowedPeers: [{ aeTitle: 'STORESCU', host: '127.0.0.1' }, { aeTitle: 'ECHOSCU', host: '127.0.0.1' }],
  });
  expect(status.state).toBe('listening');
  port = status.port;
});
afterEach(async () => stopChildren());
afterAll(async () => services.close());

/** Sends shared files grouped by transfer syntax; every storescu run must succeed. */
async function sendShared(relatives: string[], callingAe = 'STORESCU'): Promise<void> {
  const groups = new Map<string, string[]>();
  for (const relative of relatives) {
    const syntax = sharedTransferSyntax(relative);
    groups.set(syntax, [...(groups.get(syntax) ?? []), path.join(dicomRoot, relative)]);
  }
  for (const [syntax, files] of groups) {
    const result = await storescu({ port, callingAe }, files, syntax);
    expect(result.code, `${syntax}: ${result.stderr}`).toBe(0);
  }
  // Acknowledged means kept in the spool; the import follows moments later.
  await services.dicomNode.imported();
}

function count(sql: string, ...params: unknown[]): number {
  return services.db.prepare(sql).pluck().get(...params) as number;
}

async function waitFor(predicate: () => boolean, timeoutMs = 15_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('storage SCP', () => {
  it('answers a C-ECHO from echoscu', async () => {
    const result = await runTool('echoscu', ['-aet', 'ECHOSCU', '-aec', 'CXRTRIAGE', '127.0.0.1', String(port)]);
    expect(result.code, result.stderr).toBe(0);
  });

  it('stores every shared chest CR in its own transfer syntax once, and a retry records nothing twice', async () => {
    expect(chestFiles.length).toBeGreaterThanOrEqual(20);
    const distinct = new Set(chestFiles.map(sopInstanceUid));
    await sendShared(chestFiles);
    expect(count('SELECT COUNT(*) FROM images')).toBe(distinct.size);
    // Stored as sent: the transfer syntax of each stored image is its file's own.
    const syntaxes = services.db.prepare('SELECT DISTINCT transfer_syntax_uid FROM images').pluck().all() as string[];
    expect(new Set(syntaxes)).toEqual(new Set(chestFiles.map(sharedTransferSyntax)));
    const auditBefore = services.audit.recent(1000, { action: 'dicom.association' }).length;

    await sendShared(chestFiles);
    expect(count('SELECT COUNT(*) FROM images')).toBe(distinct.size);
    await waitFor(() => services.audit.recent(1000, { action: 'dicom.association' }).length > auditBefore);
    const retry = services.audit.recent(1, { action: 'dicom.association' })[0]!.details as Record<string, unknown>;
    expect(retry).toMatchObject({ callingAeTitle: 'STORESCU', host: '127.0.0.1', added: 0, outcome: 'released' });
    expect(retry.alreadyStored).toBeGreaterThan(0);

    await waitFor(() => events.some((e) => e.name === 'studies.arrived'));
    const announced = events.reduce((sum, e) => sum + (e.name === 'studies.arrived' ? e.payload.count : 0), 0);
    expect(announced).toBe(distinct.size);
  });

  it('stores a few hundred instances, grouped into their studies', async () => {
    const before = count('SELECT COUNT(*) FROM images');
    const files = await writeVariants(path.join(dicomRoot, 'wg04/JPLY__RG3_JPLY.dcm'), await tempDir('cxr-variants-'), 300, { studies: 6 });
    const result = await storescu({ port }, files, '1.2.840.10008.1.2.4.51');
    expect(result.code, result.stderr).toBe(0);
    await services.dicomNode.imported();
    expect(count('SELECT COUNT(*) FROM images') - before).toBe(300);
    expect(count('SELECT COUNT(*) FROM dicom_spool')).toBe(0);
    const studies = services.db
      .prepare("SELECT COUNT(DISTINCT study_id) FROM images WHERE file_name LIKE '1.3.6.1.4.1.5962.1.1.11.1.5.%'")
      .pluck()
      .get() as number;
    expect(studies).toBe(6 + 1); // the six generated studies, and the original file's own from the test before
  });

  it('refuses an AE title it does not know, with the DICOM reason and an audit entry', async () => {
    const result = await storescu({ port, callingAe: 'INTRUDER' }, [path.join(dicomRoot, chestFiles[0]!)], sharedTransferSyntax(chestFiles[0]!));
    expect(result.code).not.toBe(0);
    expect(result.stderr + result.stdout).toMatch(/Calling AE Title Not Recognized/i);
    await waitFor(() => services.audit.recent(50, { action: 'dicom.association' }).some((e) => (e.details as { callingAeTitle: string }).callingAeTitle === 'INTRUDER'));
    const entry = services.audit.recent(50, { action: 'dicom.association' }).find((e) => (e.details as { callingAeTitle: string }).callingAeTitle === 'INTRUDER');
    expect(entry?.details).toMatchObject({ outcome: 'refused: calling AE title not recognised', host: '127.0.0.1', added: 0 });
  });

  it('refuses an association addressed to another AE title', async () => {
    const result = await storescu({ port, calledAe: 'SOMEONEELSE' }, [path.join(dicomRoot, chestFiles[0]!)], sharedTransferSyntax(chestFiles[0]!));
    expect(result.code).not.toBe(0);
    expect(result.stderr + result.stdout).toMatch(/Called AE Title Not Recognized/i);
  });

  it('refuses storage classes other than CR, DX and Secondary Capture at negotiation', async () => {
    const before = count('SELECT COUNT(*) FROM images');
    const ct = 'dicomParser/CT1_UNC.explicit_little_endian.dcm';
    const result = await storescu({ port }, [path.join(dicomRoot, ct)], sharedTransferSyntax(ct));
    expect(result.code).not.toBe(0);
    expect(result.stderr + result.stdout).toMatch(/no presentation context|Abstract Syntax Not Supported|No Acceptable Presentation Contexts/i);
    expect(count('SELECT COUNT(*) FROM images')).toBe(before);
  });

  it('acknowledges an instance that parses, and lists it as refused with the reason when its pixels cannot be decoded', async () => {
    const [source] = await writeVariants(path.join(dicomRoot, 'wg04/J2KI__RG3_J2KI.dcm'), await tempDir('cxr-broken-'), 1, { prefix: 'broken' });
    const bytes = readFileSync(source!);
    // The JPEG 2000 codestream's start-of-codestream and size markers, overwritten: the data set still parses.
    const marker = bytes.indexOf(Buffer.from([0xff, 0x4f, 0xff, 0x51]));
    expect(marker).toBeGreaterThan(0);
    bytes.fill(0, marker, marker + 4);
    writeFileSync(source!, bytes);
    const before = count('SELECT COUNT(*) FROM images');
    const result = await storescu({ port }, [source!], sharedTransferSyntax('wg04/J2KI__RG3_J2KI.dcm'));
    expect(result.code, result.stderr).toBe(0);
    await services.dicomNode.imported();
    expect(count('SELECT COUNT(*) FROM images')).toBe(before);
    await waitFor(() => count("SELECT COUNT(*) FROM imports WHERE root_path LIKE 'dicom://%' AND status = 'completed' AND rejected = 1") > 0);
    const importId = count("SELECT id FROM imports WHERE root_path LIKE 'dicom://%' AND rejected = 1 ORDER BY id DESC LIMIT 1");
    const reason = services.db.prepare('SELECT reason FROM import_rejections WHERE import_id = ?').pluck().get(importId) as string;
    expect(reason).toMatch(/^unreadable DICOM: /);
    expect(count('SELECT COUNT(*) FROM dicom_spool')).toBe(0);
  });
});
