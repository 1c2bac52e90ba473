import type { DicomNodeStatus } from '@shared/ipc/dicom-node-contract';
import { countOf } from './format';

/** "127.0.0.1:11112", with an IPv6 address in brackets as in a URL. */
export function endpoint(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/** One sentence for the top bar's tooltip and the screen's headline. */
export function describeStatus(status: DicomNodeStatus): string {
  switch (status.state) {
    case 'listening':
      return `DICOM node listening on ${endpoint(status.bindAddress, status.port)} as ${status.aeTitle} · ${countOf(status.activeAssociations, 'active association')} · ${countOf(status.instancesReceived, 'instance')} received`;
    case 'starting':
      return `DICOM node starting on ${endpoint(status.bindAddress, status.port)}`;
    case 'error':
      return `DICOM node not listening: ${status.reason ?? 'unknown error'}`;
    case 'off':
      return 'DICOM node off: no studies are received over the network';
  }
}
