import type { AllowedPeer, DicomNodeSettings } from '@shared/ipc/dicom-node-contract';
import type { RequestIssue } from '@shared/ipc/request-issues';

/** One allowed sender as typed: text fields, and a key that survives adding and removing rows. */
export interface PeerDraft {
  key: number;
  aeTitle: string;
  host: string;
  /** Empty when the peer is never tested. */
  port: string;
}

/** The settings form as typed: numbers stay text until saved, so a half-typed port is not lost. */
export interface NodeDraft {
  enabled: boolean;
  aeTitle: string;
  port: string;
  bindAddress: string;
  peers: PeerDraft[];
}

let nextKey = 1;

export function peerDraft(peer?: AllowedPeer): PeerDraft {
  return { key: nextKey++, aeTitle: peer?.aeTitle ?? '', host: peer?.host ?? '', port: peer?.port === undefined ? '' : String(peer.port) };
}

export function draftOf(settings: DicomNodeSettings): NodeDraft {
  return {
    enabled: settings.enabled,
    aeTitle: settings.aeTitle,
    port: String(settings.port),
    bindAddress: settings.bindAddress,
    peers: settings.allowedPeers.map(peerDraft),
  };
}

/**
 * The request the draft stands for. Text that is not a number goes as NaN, so the contract refuses
 * it with its own wording ("a port is a whole number from 1 to 65535") next to the field.
 */
export function settingsOf(draft: NodeDraft): DicomNodeSettings {
  return {
    enabled: draft.enabled,
    aeTitle: draft.aeTitle,
    port: portOf(draft.port),
    bindAddress: draft.bindAddress.trim(),
    allowedPeers: draft.peers.map((peer) => ({
      aeTitle: peer.aeTitle,
      host: peer.host.trim(),
      ...(peer.port.trim() === '' ? {} : { port: portOf(peer.port) }),
    })),
  };
}

export function portOf(text: string): number {
  return /^\s*\d+\s*$/.test(text) ? Number(text) : Number.NaN;
}

/** Whether two drafts would save the same settings (the AE title's outer spaces do not count). */
export function sameSettings(a: DicomNodeSettings, b: DicomNodeSettings): boolean {
  const normal = (s: DicomNodeSettings) =>
    JSON.stringify({ ...s, aeTitle: s.aeTitle.trim(), allowedPeers: s.allowedPeers.map((p) => ({ ...p, aeTitle: p.aeTitle.trim() })) });
  return normal(a) === normal(b);
}

/** 127.0.0.0/8 and ::1 (also as an IPv4-mapped address): reachable from this computer only. */
export function isLoopback(address: string): boolean {
  const lower = address.trim().toLowerCase();
  const v4 = /^(?:::ffff:)?(\d+)\.\d+\.\d+\.\d+$/.exec(lower);
  if (v4) return v4[1] === '127';
  return lower === '::1' || lower === '0:0:0:0:0:0:0:1';
}

/** The contract's complaints keyed by the field path they name ("port", "allowedPeers.2.host"). */
export function issuesByField(issues: readonly RequestIssue[]): Record<string, string> {
  const byField: Record<string, string> = {};
  for (const issue of issues) byField[issue.field] ??= issue.message;
  return byField;
}
