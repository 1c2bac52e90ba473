/**
 * How a request refused by its schema is worded, and how a screen reads back which field each
 * complaint is about. Both halves live here so the wording and its reading cannot drift apart.
 */

/** A request's complaints, first ones only: enough to fix the form, short enough to read. */
export const MAX_LISTED_ISSUES = 3;

export interface RequestIssue {
  /** The field's path in the request, dot-separated ("allowedPeers.0.host"); "payload" for the whole request. */
  field: string;
  message: string;
}

const PAYLOAD = 'payload';
const PREFIX = /^Invalid (\S+) request: /;

/** "Invalid <channel> request: port: a port is…; allowedPeers.0.host: expected…." */
export function invalidRequestMessage(channel: string, issues: readonly { path: readonly PropertyKey[]; message: string }[]): string {
  const listed = issues.slice(0, MAX_LISTED_ISSUES).map((issue) => {
    const field = issue.path.length ? issue.path.map(String).join('.') : PAYLOAD;
    // "; " separates the complaints, so a message never carries one of its own.
    return `${field}: ${issue.message.replaceAll(';', ',')}`;
  });
  return `Invalid ${channel} request: ${listed.join('; ')}.`;
}

/** The complaints in a message worded by invalidRequestMessage; none for any other message. */
export function requestIssues(message: string): RequestIssue[] {
  const prefix = PREFIX.exec(message);
  if (!prefix) return [];
  return message
    .slice(prefix[0].length)
    .replace(/\.$/, '')
    .split('; ')
    .flatMap((part) => {
      const colon = part.indexOf(': ');
      return colon > 0 ? [{ field: part.slice(0, colon), message: part.slice(colon + 2) }] : [];
    });
}
