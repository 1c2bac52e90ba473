import type { Socket } from 'node:net';

/** Valid PDU types (PS3.8 9.3): associate RQ/AC/RJ, P-DATA-TF, release RQ/RP, abort. */
const PDU_TYPES = new Set([0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07]);
const A_ASSOCIATE_RQ = 0x01;

export interface PduGuardOptions {
  /** The largest PDU accepted; anything claiming more is a hostile or broken sender. */
  maxPduBytes: number;
  /** A connection that completes no PDU for this long is closed (a stalled or trickling sender). */
  idleMs: number;
  onViolation(reason: string): void;
}

/**
 * Watches the bytes of one connection in front of dcmjs-dimse, which buffers whatever length a PDU
 * header claims and has no working association timeout on accepted sockets: an unknown PDU type,
 * a connection that does not start with an association request, a PDU longer than the limit, or no
 * complete PDU within the idle time ends the connection before it can hold memory or a slot.
 */
export interface PduGuard {
  /** While the node itself works on a request (storing an instance), the sender is waiting: no idle clock. */
  hold(): void;
  release(): void;
  /** After a rejection or a release nothing more may come: any further PDU ends the connection. */
  expectNoMore(): void;
  stop(): void;
}

export function guardPdus(socket: Socket, options: PduGuardOptions): PduGuard {
  let header = Buffer.alloc(0);
  let remaining = 0;
  let first = true;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let holds = 0;
  let finished = false;

  const violate = (reason: string) => {
    if (stopped) return;
    stop();
    options.onViolation(reason);
  };
  const arm = () => {
    clearTimeout(timer);
    if (holds > 0 || stopped) return;
    timer = setTimeout(() => violate(`no complete PDU for ${Math.round(options.idleMs / 1000)} s`), options.idleMs);
    timer.unref();
  };
  const onData = (chunk: Buffer) => {
    let offset = 0;
    while (offset < chunk.length && !stopped) {
      if (remaining > 0) {
        const take = Math.min(remaining, chunk.length - offset);
        remaining -= take;
        offset += take;
        if (remaining === 0) arm();
        continue;
      }
      const need = 6 - header.length;
      header = Buffer.concat([header, chunk.subarray(offset, offset + need)]);
      offset += Math.min(need, chunk.length - offset);
      if (header.length < 6) return;
      const type = header[0]!;
      const length = header.readUInt32BE(2);
      header = Buffer.alloc(0);
      if (!PDU_TYPES.has(type)) return violate(`unknown PDU type ${type}`);
      if (finished) return violate(`a PDU of type ${type} after the association ended`);
      if (first && type !== A_ASSOCIATE_RQ) return violate(`the first PDU is of type ${type}, not an association request`);
      first = false;
      if (length > options.maxPduBytes) return violate(`a PDU of ${length} bytes (the limit is ${options.maxPduBytes})`);
      remaining = length;
      if (remaining === 0) arm();
    }
  };
  function stop() {
    stopped = true;
    clearTimeout(timer);
    socket.off('data', onData);
  }
  socket.on('data', onData);
  arm();
  return {
    hold() {
      holds++;
      clearTimeout(timer);
    },
    release() {
      holds = Math.max(0, holds - 1);
      arm();
    },
    expectNoMore() {
      finished = true;
    },
    stop,
  };
}
