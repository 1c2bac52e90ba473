import { contract, type ParsedRequestOf, type ResponseOf } from '@shared/ipc/contract';
import { isChannel, type Channel } from '@shared/ipc/channels';
import { AppError, type Envelope } from '@shared/ipc/errors';
import { invalidRequestMessage } from '@shared/ipc/request-issues';

export type Handlers = {
  [C in Channel]: (request: ParsedRequestOf<C>) => Promise<ResponseOf<C>> | ResponseOf<C>;
};

export interface Router {
  dispatch(channel: unknown, payload: unknown): Promise<Envelope<unknown>>;
}

/** Reports internal failures without their details, which may hold file paths or patient data. */
export type FailureReporter = (channel: Channel, error: unknown) => void;

/**
 * The one entry point into main for both adapters: the channel must be known and the payload must
 * match its schema before any handler runs, so a malformed or hostile request changes nothing.
 */
export function createRouter(handlers: Handlers, reportFailure: FailureReporter = defaultReporter): Router {
  return {
    async dispatch(channel, payload) {
      if (!isChannel(channel)) {
        return failure('UNKNOWN_CHANNEL', `Unknown request type ${describe(channel)}.`);
      }
      const schema = contract[channel];
      const parsed = schema.request.safeParse(payload ?? {});
      if (!parsed.success) {
        return failure('INVALID_REQUEST', invalidRequestMessage(channel, parsed.error.issues));
      }
      try {
        const handler = handlers[channel] as (request: unknown) => unknown;
        const value = await handler(parsed.data);
        return { ok: true, value: schema.response.parse(value) };
      } catch (error) {
        if (error instanceof AppError) return { ok: false, error: error.toData() };
        reportFailure(channel, error);
        return failure('INTERNAL', `Something went wrong handling ${channel}; nothing was changed by this request.`);
      }
    },
  };
}

function failure(code: AppError['code'], message: string): Envelope<never> {
  return { ok: false, error: { code, message } };
}

function describe(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value.slice(0, 60)) : `of type ${typeof value}`;
}

function defaultReporter(channel: Channel, error: unknown): void {
  const kind = error instanceof Error ? error.name : typeof error;
  console.error(`[cxr-triage] ${channel} failed with ${kind}`);
}
