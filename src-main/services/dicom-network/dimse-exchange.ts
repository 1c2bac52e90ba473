import type { DimseArchive } from '@shared/ipc/archive-contract';
import { AppError } from '@shared/ipc/errors';
import { Cancelled } from './cancelled';
import { Client, constants, type DimseRequest } from './dimse';
import { networkReason } from './echo-scu';

const { RejectReason } = constants;

export interface ExchangeOptions {
  callingAeTitle: string;
  /** No PDU from the archive for this long ends the exchange with an error. */
  timeoutMs?: number;
  signal?: AbortSignal;
  /** Called once the association exists, before the request is sent (C-GET hooks its C-STORE handling here). */
  prepare?: (client: InstanceType<typeof Client>) => void;
  /** Called before send (C-GET adds its storage presentation contexts here). */
  beforeSend?: (client: InstanceType<typeof Client>) => void;
}

/**
 * One association to an archive carrying one request (C-FIND, C-MOVE or C-GET). Resolves when the
 * association is closed after the last response; rejects with an AppError that says what failed
 * (refused, unreachable, closed early, timed out). An abort sends C-CANCEL, then aborts the
 * association if the archive keeps going.
 */
export function exchange(archive: DimseArchive, request: DimseRequest, options: ExchangeOptions): Promise<void> {
  const timeoutMs = options.timeoutMs ?? 30_000;
  const where = `${archive.name} (${archive.aeTitle} at ${archive.host}:${archive.port})`;
  return new Promise((resolve, reject) => {
    const client = new Client();
    let answered = false;
    let settled = false;
    let abortTimer: NodeJS.Timeout | undefined;
    const finish = (error: Error | null) => {
      if (settled) return;
      settled = true;
      clearTimeout(abortTimer);
      options.signal?.removeEventListener('abort', onAbort);
      if (error) reject(error);
      else resolve();
    };
    const onAbort = () => {
      try {
        client.cancel(request as Parameters<typeof client.cancel>[0]);
      } catch {
        // Not associated yet: the abort below closes the connection.
      }
      // An archive that ignores C-CANCEL is cut off.
      abortTimer = setTimeout(() => {
        try {
          client.abort();
        } catch {
          // Already closed.
        }
        finish(new Cancelled());
      }, 2_000);
    };
    request.on('response', () => {
      answered = true;
    });
    client.on('associationRejected', (rejection: { reason: number }) => {
      const why =
        rejection.reason === RejectReason.CallingAeNotRecognized
          ? `it does not know this node's AE title ${options.callingAeTitle}`
          : rejection.reason === RejectReason.CalledAeNotRecognized
            ? `its AE title is not ${archive.aeTitle}`
            : 'no reason given';
      finish(new AppError('BAD_INPUT', `${where} refused the association: ${why}.`));
    });
    client.on('networkError', (error: Error & { code?: string }) => {
      finish(new AppError('BAD_INPUT', `Cannot talk to ${where}: ${networkReason(error)}.`));
    });
    client.on('closed', () => {
      if (options.signal?.aborted) finish(new Cancelled());
      else if (answered) finish(null);
      else finish(new AppError('BAD_INPUT', `${where} closed the connection without answering (is it a DICOM query/retrieve SCP?).`));
    });
    options.signal?.addEventListener('abort', onAbort, { once: true });
    client.addRequest(request);
    try {
      options.beforeSend?.(client);
      client.send(archive.host, archive.port, options.callingAeTitle, archive.aeTitle, { connectTimeout: timeoutMs, associationTimeout: timeoutMs, pduTimeout: timeoutMs });
      options.prepare?.(client);
    } catch (error) {
      finish(new AppError('BAD_INPUT', `Cannot talk to ${where}: ${networkReason(error as Error)}.`));
    }
  });
}

/** A DIMSE status in words, for errors shown to the user. */
export function statusText(status: number): string {
  const known: Record<number, string> = {
    0xa701: 'out of resources (too many matches)',
    0xa702: 'out of resources (cannot perform sub-operations)',
    0xa801: 'move destination unknown: the archive does not know this node\'s AE title (add it to the archive\'s DICOM modalities)',
    0xa900: 'identifier does not match SOP class',
    0xc000: 'unable to process',
    0xfe00: 'cancelled',
    0x0122: 'SOP class not supported',
  };
  return known[status] ?? `status 0x${status.toString(16).padStart(4, '0')}`;
}
