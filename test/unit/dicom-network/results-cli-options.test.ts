import { describe, expect, it } from 'vitest';
import { DEFAULT_RESULT_SETTINGS } from '@shared/ipc/results-contract';
import { listenResultSettings } from '../../../src-main/cli/listen-command';

/** `cli listen --send-results-to`: parsed like the settings screen validates, with a sentence for bad input. */
describe('listen --send-results-to', () => {
  it('turns each AE@host:port into a destination and auto-send on, for this run', () => {
    expect(listenResultSettings(DEFAULT_RESULT_SETTINGS, ['--send-results-to', 'ORTHANC@10.0.0.5:4242', '--send-results-to=PACS2@pacs.example.org:104'])).toEqual({
      ...DEFAULT_RESULT_SETTINGS,
      autoSend: true,
      destinations: [
        { aeTitle: 'ORTHANC', host: '10.0.0.5', port: 4242 },
        { aeTitle: 'PACS2', host: 'pacs.example.org', port: 104 },
      ],
    });
    expect(listenResultSettings(DEFAULT_RESULT_SETTINGS, ['--port', '11112'])).toBeNull();
  });

  it('says what is wrong with a bad destination or UID root', () => {
    expect(() => listenResultSettings(DEFAULT_RESULT_SETTINGS, ['--send-results-to', 'ORTHANC@10.0.0.5'])).toThrow(/--send-results-to needs AE@host:port/);
    expect(() => listenResultSettings(DEFAULT_RESULT_SETTINGS, ['--send-results-to', 'ORTHANC@10.0.0.5:70000'])).toThrow(/destinations\.0\.port: a port is a whole number from 1 to 65535/);
    expect(() => listenResultSettings(DEFAULT_RESULT_SETTINGS, ['--send-results-to', 'THIS-AE-TITLE-IS-TOO-LONG@10.0.0.5:104'])).toThrow(/at most 16 characters/);
    expect(() => listenResultSettings(DEFAULT_RESULT_SETTINGS, ['--org-uid-root', '1.2.03'])).toThrow(/orgUidRoot: a UID root is numbers separated by dots/);
  });
});
