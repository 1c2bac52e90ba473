import { describe, expect, it } from 'vitest';
import { dicomNodeSettingsSchema } from '@shared/ipc/dicom-node-contract';
import { invalidRequestMessage, MAX_LISTED_ISSUES, requestIssues } from '@shared/ipc/request-issues';

describe('request issues', () => {
  it('reads back the field and message of each complaint the router words', () => {
    const parsed = dicomNodeSettingsSchema.partial().safeParse({ port: 0, allowedPeers: [{ aeTitle: 'PACS', host: 'pacs.example.org' }] });
    expect(parsed.success).toBe(false);
    const message = invalidRequestMessage('dicomNode.settings.update', parsed.error!.issues);
    expect(message).toBe(
      'Invalid dicomNode.settings.update request: port: a port is a whole number from 1 to 65535; allowedPeers.0.host: expected an IPv4 or IPv6 address.',
    );
    expect(requestIssues(message)).toEqual([
      { field: 'port', message: 'a port is a whole number from 1 to 65535' },
      { field: 'allowedPeers.0.host', message: 'expected an IPv4 or IPv6 address' },
    ]);
  });

  it('names the whole request "payload", lists the first complaints only, and keeps a message with its own separators whole', () => {
    const issues = [
      { path: [], message: 'expected an object' },
      { path: ['a'], message: 'one; two' },
      { path: ['b', 1], message: 'x: y' },
      { path: ['c'], message: 'left out' },
    ];
    const read = requestIssues(invalidRequestMessage('some.channel', issues));
    expect(read).toHaveLength(MAX_LISTED_ISSUES);
    expect(read).toEqual([
      { field: 'payload', message: 'expected an object' },
      { field: 'a', message: 'one, two' },
      { field: 'b.1', message: 'x: y' },
    ]);
  });

  it('finds no complaints in any other message', () => {
    expect(requestIssues('Cannot reach PACS at 10.0.0.5:104: the connection was refused.')).toEqual([]);
  });
});
