import type { AllowedPeer } from '@shared/ipc/dicom-node-contract';
import { isAcceptedStorageClass, VERIFICATION_SOP_CLASS } from '@shared/domain/accepted-sop-classes';

export type AssociationRefusal = 'called-ae-not-recognized' | 'calling-ae-not-recognized';

export interface AssociationFacts {
  callingAeTitle: string;
  calledAeTitle: string;
  /** The connection's source address, as the socket reports it. */
  remoteAddress: string;
}

/**
 * Who may associate: the called AE title must be ours, and the calling AE title must be allowed
 * from the address the connection comes from. An empty list lets nobody in.
 */
export function refusalFor(facts: AssociationFacts, localAeTitle: string, allowed: readonly AllowedPeer[]): AssociationRefusal | null {
  if (facts.calledAeTitle.trim() !== localAeTitle) return 'called-ae-not-recognized';
  const host = canonicalAddress(facts.remoteAddress);
  const calling = facts.callingAeTitle.trim();
  const known = allowed.some((peer) => peer.aeTitle === calling && canonicalAddress(peer.host) === host);
  return known ? null : 'calling-ae-not-recognized';
}

/** IPv4 connections on a dual-stack socket arrive as ::ffff:a.b.c.d; compare them as a.b.c.d, and IPv6 in lower case. */
export function canonicalAddress(address: string): string {
  const lower = address.toLowerCase();
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(lower);
  return mapped ? mapped[1]! : lower;
}

export type ContextDecision =
  | { accept: true; transferSyntaxUid: string }
  | { accept: false; why: 'abstract-syntax-not-supported' | 'transfer-syntaxes-not-supported' };

/**
 * One proposed presentation context: verification or an accepted storage class, with the first
 * transfer syntax the sender proposed that our decoder reads (the sender lists its preference
 * first, and taking its own syntax spares it transcoding).
 */
export function decideContext(abstractSyntaxUid: string, proposed: readonly string[], readable: ReadonlySet<string>): ContextDecision {
  if (abstractSyntaxUid !== VERIFICATION_SOP_CLASS && !isAcceptedStorageClass(abstractSyntaxUid)) {
    return { accept: false, why: 'abstract-syntax-not-supported' };
  }
  const chosen = proposed.find((uid) => readable.has(uid));
  return chosen ? { accept: true, transferSyntaxUid: chosen } : { accept: false, why: 'transfer-syntaxes-not-supported' };
}
