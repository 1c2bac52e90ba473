import type { DicomPeer } from '@shared/ipc/dicom-node-contract';
import { AppError } from '@shared/ipc/errors';
import { CEchoRequest, Client, constants } from './dimse';

const { RejectReason, Status } = constants;

/**
 * A C-ECHO from this node to a peer: the "test connection" of a DICOM node. Answers the round trip
 * (connect, associate, echo, release) in milliseconds, or an AppError that says what failed.
 */
export function echoPeer(peer: DicomPeer, callingAeTitle: string, timeoutMs = 10_000): Promise<{ roundTripMs: number }> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const client = new Client();
    const request = new CEchoRequest();
    let status: number | null = null;
    let settled = false;
    const finish = (error: AppError | null) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (error) reject(error);
      else resolve({ roundTripMs: Math.round((performance.now() - started) * 10) / 10 });
    };
    const where = `${peer.aeTitle} at ${peer.host}:${peer.port}`;
    const timer = setTimeout(() => finish(new AppError('BAD_INPUT', `No answer from ${where} within ${timeoutMs / 1000} s.`)), timeoutMs);
    request.on('response', (response: { getStatus(): number }) => {
      status = response.getStatus();
    });
    client.on('associationRejected', (rejection: { reason: number }) => {
      const why =
        rejection.reason === RejectReason.CallingAeNotRecognized
          ? `it does not know this node's AE title ${callingAeTitle}`
          : rejection.reason === RejectReason.CalledAeNotRecognized
            ? `its AE title is not ${peer.aeTitle}`
            : 'no reason given';
      finish(new AppError('BAD_INPUT', `${where} refused the association: ${why}.`));
    });
    client.on('networkError', (error: Error & { code?: string }) => {
      finish(new AppError('BAD_INPUT', `Cannot reach ${where}: ${networkReason(error)}.`));
    });
    client.on('closed', () => {
      if (status === Status.Success) finish(null);
      else finish(new AppError('BAD_INPUT', status === null ? `${where} closed the connection without answering the echo.` : `${where} answered the echo with status 0x${status.toString(16)}.`));
    });
    client.addRequest(request);
    try {
      client.send(peer.host, peer.port, callingAeTitle, peer.aeTitle, { connectTimeout: timeoutMs, associationTimeout: timeoutMs, pduTimeout: timeoutMs });
    } catch (error) {
      finish(new AppError('BAD_INPUT', `Cannot reach ${where}: ${networkReason(error as Error)}.`));
    }
  });
}

export function networkReason(error: Error & { code?: string }): string {
  const message = error.message ?? '';
  if (error.code === 'ECONNREFUSED' || message.includes('ECONNREFUSED')) return 'the connection was refused (nothing listens on that port)';
  if (error.code === 'ENOTFOUND' || message.includes('ENOTFOUND')) return 'the host name is unknown';
  if (message.includes('timeout')) return 'the connection timed out';
  if (message.includes('EHOSTUNREACH') || message.includes('ENETUNREACH')) return 'the host is unreachable';
  return 'a network error';
}
