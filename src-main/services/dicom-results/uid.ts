import { randomBytes, randomUUID } from 'node:crypto';

/**
 * A new UID: under the organisation's root when one is configured (root, then a time and random
 * digits, within 64 characters), else under 2.25 from a random UUID (PS3.5 B.2), which needs no
 * registered root. Each result document, and the series it opens, gets its UIDs once, when built.
 */
export function newUid(orgRoot: string | null): string {
  if (!orgRoot) return `2.25.${BigInt(`0x${randomUUID().replace(/-/g, '')}`).toString()}`;
  const random = BigInt(`0x${randomBytes(8).toString('hex')}`).toString();
  const uid = `${orgRoot}.${Date.now()}.${random}`.slice(0, 64);
  // A component cut to end in nothing or kept with a leading zero would be invalid: trim to the last whole one.
  return uid.endsWith('.') ? uid.slice(0, -1) : uid;
}
