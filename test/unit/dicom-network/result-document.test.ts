import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildResultDataset, writeResultDocument, type ResultDocumentFacts } from '../../../src-main/services/dicom-results/result-document';
import { readScoredImageSource } from '../../../src-main/services/dicom-results/scored-image-source';
import { newUid } from '../../../src-main/services/dicom-results/uid';
import { runTool } from '../../support/dicom-tools';
import { tempDir } from '../../support/fixtures';
import { requireSharedData } from '../../support/shared-data';

/** The result document on its own, checked by dcmtk's dsrdump and dicom3tools' dciodvfy. */
const chest = path.join(requireSharedData('dicom'), 'wg04/J2KI__RG1_J2KI.dcm');

async function facts(images: (source: Awaited<ReturnType<typeof readScoredImageSource>>) => ResultDocumentFacts['images']): Promise<ResultDocumentFacts> {
  const source = await readScoredImageSource(chest);
  return {
    study: source.study,
    images: images(source),
    threshold: 0.4,
    thresholdPreset: 'balanced',
    model: { name: 'MobileNetV2 fine-tuned', versionId: 7, trainingFingerprint: 'sha256:0123abcd' },
    station: { aeTitle: 'WS1', softwareVersion: '1.2.3' },
    uids: { series: newUid('1.2.826.0.1.3680043.10.1'), instance: newUid(null) },
    revision: 1,
    predecessor: null,
    createdAt: new Date('2026-12-01T10:00:00Z'),
  };
}

async function check(document: Buffer): Promise<string> {
  const file = path.join(await tempDir('cxr-sr-doc-'), 'sr.dcm');
  await writeFile(file, document);
  const verify = await runTool('dciodvfy', [file]);
  const report = verify.stdout + verify.stderr;
  expect(report).toMatch(/ComprehensiveSR/);
  expect(report.split('\n').filter((line) => line.startsWith('Error'))).toEqual([]);
  const dump = await runTool('dsrdump', ['+Pl', '+Pu', file]);
  expect(dump.code, dump.stderr).toBe(0);
  return dump.stdout;
}

describe('the result Structured Report', () => {
  it('states an unreliable score below the threshold as "not reliable", never as "not flagged"', async () => {
    const dump = await check(
      writeResultDocument(buildResultDataset(await facts((s) => [{ kind: 'scored', reference: s.reference, verdict: 'unusual_image', reason: 'features beyond the reference', probability: 0.12 }]))),
    );
    expect(dump).toContain('"Flagged at threshold")=(CXRT-0020,99CXRT,"Not flagged: score not reliable")');
    expect(dump).toContain('"Suitability reason")="features beyond the reference"');
    expect(dump).toContain('"Flagged for pneumonia review")=(373067005,SCT,"No")');
    expect(dump).toContain('Patient             : CompressedSamples^RG1');
  });

  it('a study with no assessed image carries no number: no probability, no threshold, no flag', async () => {
    const dump = await check(
      writeResultDocument(buildResultDataset(await facts((s) => [{ kind: 'not_assessed', reference: s.reference, reason: 'body part KNEE is not the chest' }]))),
    );
    expect(dump).toContain('"Not assessed by the AI")="The model does not apply to this image: body part KNEE is not the chest"');
    expect(dump).toContain(`=(CR image,"${(await readScoredImageSource(chest)).reference.sopInstanceUid}")`);
    expect(dump).not.toMatch(/NUM:|probability|Flagged|threshold/);
  });

  it('makes UIDs under the organisation root, or under 2.25, valid and at most 64 characters', () => {
    for (let i = 0; i < 200; i++) {
      for (const uid of [newUid('1.2.826.0.1.3680043.10.12345678901'), newUid(null)]) {
        expect(uid.length).toBeLessThanOrEqual(64);
        expect(uid).toMatch(/^(0|[1-9]\d*)(\.(0|[1-9]\d*))+$/);
      }
    }
    expect(newUid('1.2.3')).toMatch(/^1\.2\.3\./);
    expect(newUid(null)).toMatch(/^2\.25\./);
  });
});
