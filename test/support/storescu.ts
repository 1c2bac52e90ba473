import { readFileSync } from 'node:fs';
import path from 'node:path';
import { runTool, type ToolResult } from './dicom-tools';
import { requireSharedData } from './shared-data';

/**
 * storescu proposes one family of transfer syntaxes per run (its -x options), so files are sent in
 * groups by their own syntax: the node must take each as it is, with no transcoding by the sender.
 */
const PROPOSE: Record<string, string> = {
  '1.2.840.10008.1.2': '-x=',
  '1.2.840.10008.1.2.1': '-x=',
  '1.2.840.10008.1.2.2': '-x=',
  '1.2.840.10008.1.2.1.99': '-xd',
  '1.2.840.10008.1.2.5': '-xr',
  '1.2.840.10008.1.2.4.50': '-xy',
  '1.2.840.10008.1.2.4.51': '-xx',
  '1.2.840.10008.1.2.4.70': '-xs',
  '1.2.840.10008.1.2.4.80': '-xt',
  '1.2.840.10008.1.2.4.81': '-xu',
  '1.2.840.10008.1.2.4.90': '-xv',
  '1.2.840.10008.1.2.4.91': '-xw',
};

/** The transfer syntax UID of each file in the shared corpus, from its index. */
export function sharedTransferSyntax(relative: string): string {
  const index = readFileSync(path.join(requireSharedData('dicom'), 'index.tsv'), 'utf8');
  const line = index.split('\n').find((l) => l.startsWith(`${relative}\t`));
  const uid = line ? /\(([0-9.]+)\)/.exec(line.split('\t')[3] ?? '')?.[1] : undefined;
  if (!uid) throw new Error(`${relative} is not in the shared DICOM index`);
  return uid;
}

export interface StoreTarget {
  port: number;
  calledAe?: string;
  callingAe?: string;
}

/** Sends files that all share one transfer syntax with the storescu option that proposes it. */
export function storescu(target: StoreTarget, files: string[], transferSyntaxUid: string, extra: string[] = []): Promise<ToolResult> {
  const propose = PROPOSE[transferSyntaxUid];
  if (!propose) throw new Error(`storescu cannot propose ${transferSyntaxUid}`);
  return runTool('storescu', ['-aet', target.callingAe ?? 'STORESCU', '-aec', target.calledAe ?? 'CXRTRIAGE', propose, ...extra, '127.0.0.1', String(target.port), ...files]);
}

/** storescu's verbose log names each instance it saw acknowledged: "Received Store Response (Success)". */
export function acknowledgedCount(result: ToolResult): number {
  return (result.stdout + result.stderr).match(/Received Store Response \(Success/g)?.length ?? 0;
}
