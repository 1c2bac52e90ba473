import type { DicomPeer } from '@shared/ipc/dicom-node-contract';
import { Client, CStoreRequest, Dataset, constants } from '../dicom-network/dimse';
import { arrayBufferOf, dcmjs } from './dcmjs';

const { RejectReason } = constants;

/** Why a whole association failed: `transient` ones (no answer, refused connection) are retried with back-off. */
export class StoreAssociationError extends Error {
  constructor(
    message: string,
    readonly transient: boolean,
  ) {
    super(message);
  }
}

/** The DICOM status of each instance's C-STORE answer, in the order given; null where none came. */
export type StoreStatuses = (number | null)[];

/**
 * Sends Part 10 files to a peer in one association (C-STORE SCU through dcmjs-dimse). Resolves with
 * each instance's status; rejects with a StoreAssociationError when no association could be used.
 * The files are parsed back into data sets because dcmjs-dimse sends data sets, not bytes.
 */
export function storeInstances(peer: DicomPeer, callingAeTitle: string, files: Buffer[], timeoutMs = 30_000): Promise<StoreStatuses> {
  const where = `${peer.aeTitle} at ${peer.host}:${peer.port}`;
  return new Promise((resolve, reject) => {
    const statuses: StoreStatuses = files.map(() => null);
    const client = new Client();
    let settled = false;
    const finish = (error: StoreAssociationError | null) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (error) reject(error);
      else resolve(statuses);
    };
    // A peer that accepts and then never answers must not hold the queue forever.
    const timer = setTimeout(() => finish(new StoreAssociationError(`no answer from ${where} within ${Math.round((timeoutMs * Math.max(1, files.length)) / 1000)} s`, true)), timeoutMs * Math.max(1, files.length));
    files.forEach((file, index) => {
      const { meta, dict } = dcmjs.data.DicomMessage.readFile(arrayBufferOf(file));
      const transferSyntax = String(dcmjs.data.DicomMetaDictionary.naturalizeDataset(meta).TransferSyntaxUID);
      const request = new CStoreRequest(new Dataset(dcmjs.data.DicomMetaDictionary.naturalizeDataset(dict), transferSyntax));
      request.on('response', (response: { getStatus(): number }) => {
        statuses[index] = response.getStatus();
      });
      client.addRequest(request);
    });
    client.on('associationRejected', (rejection: { result: number; reason: number }) => {
      const why =
        rejection.reason === RejectReason.CallingAeNotRecognized
          ? `it does not know this node's AE title ${callingAeTitle}`
          : rejection.reason === RejectReason.CalledAeNotRecognized
            ? `its AE title is not ${peer.aeTitle}`
            : 'no reason given';
      // A permanent rejection (result 1) is a configuration error; a transient one (2) may pass.
      finish(new StoreAssociationError(`${where} refused the association: ${why}`, rejection.result === 2));
    });
    client.on('networkError', (error: Error & { code?: string }) => finish(new StoreAssociationError(`cannot reach ${where}: ${networkReason(error)}`, true)));
    client.on('closed', () => finish(null));
    try {
      client.send(peer.host, peer.port, callingAeTitle, peer.aeTitle, { connectTimeout: timeoutMs, associationTimeout: timeoutMs, pduTimeout: timeoutMs });
      // dcmjs-dimse's Client drops the peer's A-ABORT (its network emits 'abort', the client does not pass
      // it on), so the send would hang until the timeout and be retried for ever. A peer that aborts
      // rather than answer (Orthanc does when the calling AE may not store) refuses: the instances it
      // answered keep their status; with no answer at all the association failed for good.
      const network = (client as unknown as { network?: { on(event: 'abort', listener: () => void): void } }).network;
      network?.on('abort', () =>
        finish(statuses.some((status) => status !== null) ? null : new StoreAssociationError(`${where} aborted the association without answering (it may not accept stores from ${callingAeTitle})`, false)),
      );
    } catch (error) {
      finish(new StoreAssociationError(`cannot reach ${where}: ${networkReason(error as Error)}`, true));
    }
  });
}

function networkReason(error: Error & { code?: string }): string {
  const message = error.message ?? '';
  if (error.code === 'ECONNREFUSED' || message.includes('ECONNREFUSED')) return 'the connection was refused (nothing listens on that port)';
  if (error.code === 'ENOTFOUND' || message.includes('ENOTFOUND')) return 'the host name is unknown';
  if (message.includes('timeout')) return 'the connection timed out';
  if (message.includes('EHOSTUNREACH') || message.includes('ENETUNREACH')) return 'the host is unreachable';
  if (error.code === 'ECONNRESET' || message.includes('ECONNRESET')) return 'the connection was reset';
  return 'a network error';
}
