import { Writable } from 'node:stream';

/**
 * Collects one C-STORE data set as it arrives in P-DATA fragments. Chunks are kept as they come
 * (no copying into a growing buffer); past the size limit the rest is dropped and the instance is
 * refused once complete, so a sender cannot make the node hold an unbounded object.
 */
export class InstanceCollector extends Writable {
  private readonly chunks: Buffer[] = [];
  private size = 0;
  tooLarge = false;

  constructor(
    private readonly maxBytes: number,
    /** False when the data came on a presentation context this node did not accept. */
    readonly contextAccepted: boolean,
  ) {
    // dcmjs-dimse waits for 'drain' when write() returns false; a high mark it never reaches keeps the data flowing.
    super({ highWaterMark: 2 ** 30 });
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.size += chunk.length;
    if (this.size > this.maxBytes) {
      this.tooLarge = true;
      this.chunks.length = 0;
    } else if (this.contextAccepted) this.chunks.push(chunk);
    callback();
  }

  bytes(): Buffer {
    return Buffer.concat(this.chunks);
  }

  get byteLength(): number {
    return this.size;
  }
}
