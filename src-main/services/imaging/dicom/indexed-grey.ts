import type { SampleArray } from './sample-arrays';

type Lookup = Float64Array | Float32Array | Int16Array | Uint16Array | Uint8Array;

/**
 * A grey frame of integer samples (up to 16 bits) whose modality values come from a table with an
 * entry for every stored bit pattern: kept as the samples and the table instead of as a 4-byte value
 * a pixel. The viewer's 2-byte frame and the 8-bit picture are then each one lookup a pixel, through
 * a table converted once (up to 65,536 entries); the frame's range is found only when something
 * needs it, or comes with the 2-byte frame; the float values are made only if asked for. Each pass
 * over a radiograph's pixels costs 2 to 4 ns a pixel here, so the number of passes is what counts.
 */
export class IndexedGrey {
  private readonly samples: Uint8Array | Uint16Array | SampleArray;
  private known: { min: number; max: number } | null = null;
  private seenIndices: Uint8Array | null = null;
  private built: Float64Array | null = null;

  constructor(
    samples: SampleArray,
    readonly count: number,
    private readonly shift: number,
    private readonly mask: number,
    /** Unsigned lossy data: indices above the mask clamp to it instead of wrapping. */
    private readonly saturate: boolean,
    /** Modality value of every index, as the per-pixel arithmetic gives it: made on first use (65,536 entries for 16 bits). */
    private readonly makeTable: () => Float64Array,
  ) {
    // A Node Buffer is a Uint8Array of another class: seen as one, every loop below keeps to one array type.
    this.samples = samples instanceof Uint8Array && samples.constructor !== Uint8Array ? new Uint8Array(samples.buffer, samples.byteOffset, samples.length) : samples;
  }

  get table(): Float64Array {
    return (this.built ??= this.makeTable());
  }

  private index(i: number): number {
    const u = this.samples[i]! >>> this.shift;
    return this.saturate ? (u > this.mask ? this.mask : u) : u & this.mask;
  }

  /** The smallest and largest value in the frame (one pass over it the first time). */
  range(): { min: number; max: number } {
    if (this.known) return this.known;
    const seen = this.seen();
    let [min, max] = [Infinity, -Infinity];
    for (let u = 0; u < seen.length; u++) {
      if (!seen[u]) continue;
      const v = this.table[u]!;
      if (v < min) min = v;
      if (v > max) max = v;
    }
    return (this.known = { min, max });
  }

  /** Whether every value in the frame is a whole number: from the table alone when its entries agree, else one pass over the frame. */
  integers(): boolean {
    const whole = (v: number) => v === Math.trunc(v);
    if (this.table.every(whole)) return true;
    if (!this.table.some(whole)) return false;
    const seen = this.seen();
    return this.table.every((v, u) => !seen[u] || whole(v));
  }

  /** Every table entry's range: the frame's values are among them. */
  tableRange(): { min: number; max: number } {
    let [min, max] = [Infinity, -Infinity];
    for (const v of this.table) {
      if (v < min) min = v;
      if (v > max) max = v;
    }
    return { min, max };
  }

  /** 1 where some pixel has that index (one pass over the frame, the first time). */
  private seen(): Uint8Array {
    if (this.seenIndices) return this.seenIndices;
    const { samples, shift, mask, count } = this;
    const seen = (this.seenIndices = new Uint8Array(this.table.length));
    if (this.saturate) for (let i = 0; i < count; i++) seen[this.index(i)] = 1;
    else if (samples instanceof Uint16Array) markSeen16(samples, seen, shift, mask, count);
    else if (samples instanceof Uint8Array) markSeen8(samples, seen, shift, mask, count);
    else for (let i = 0; i < count; i++) seen[(samples[i]! >>> shift) & mask] = 1;
    return seen;
  }

  /** out[i] = lookup[index of pixel i]: `lookup` is the table converted (or rendered) once, entry by entry. */
  map<T extends Lookup>(lookup: Lookup, out: T): T {
    const { samples, shift, mask, count } = this;
    if (this.saturate) for (let i = 0; i < count; i++) out[i] = lookup[this.index(i)]!;
    else if (samples instanceof Uint16Array) map16(samples, lookup, out, shift, mask, count);
    else if (samples instanceof Uint8Array) map8(samples, lookup, out, shift, mask, count);
    else for (let i = 0; i < count; i++) out[i] = lookup[(samples[i]! >>> shift) & mask]!;
    return out;
  }

  /**
   * `map` through the table converted to another type, which must hold every entry the frame uses
   * exactly (2-byte integers), or as the 4-byte values are; the frame's range comes out of the same pass.
   */
  mapWithRange<T extends Int16Array | Uint16Array | Float32Array>(lookup: T, out: T): T {
    const { samples, shift, mask, count } = this;
    // The range is read from the table itself (doubles), as range() gives it, whatever `lookup` rounds to.
    const { table } = this;
    let range: [number, number];
    if (!this.saturate && samples instanceof Uint16Array) range = mapRange16(samples, lookup, table, out, shift, mask, count);
    else if (!this.saturate && samples instanceof Uint8Array) range = mapRange8(samples, lookup, table, out, shift, mask, count);
    else {
      let [min, max] = [Infinity, -Infinity];
      for (let i = 0; i < count; i++) {
        const u = this.index(i);
        out[i] = lookup[u]!;
        if (table[u]! < min) min = table[u]!;
        if (table[u]! > max) max = table[u]!;
      }
      range = [min, max];
    }
    this.known ??= { min: range[0], max: range[1] };
    return out;
  }

  /**
   * When every value is its stored sample as a 16-bit integer (no rescale, no Modality LUT, no bits
   * outside the stored ones), the frame is its samples: their bytes copied as they are, with the
   * range from one pass of compares instead of a lookup a pixel. Null otherwise.
   */
  asStored(): { data: Uint8Array; min: number; max: number } | null {
    const { samples, table, shift, mask, count } = this;
    if (!(samples instanceof Uint16Array) || shift !== 0 || this.saturate) return null;
    // Unsigned: the table is the identity. Signed: all 16 bits stored, the table is the identity on int16.
    const identity = (signed: boolean) => table.every((v, u) => v === (signed && u >= 0x8000 ? u - 0x10000 : u));
    const signed = mask === 0xffff && table[0xffff] === -1;
    if (!identity(signed)) return null;
    const view = signed ? new Int16Array(samples.buffer, samples.byteOffset, count) : samples.subarray(0, count);
    const [min, max] = rangeOf(view, count);
    // A sample above the stored bits would have been masked off: not the same values.
    if (!signed && max > mask) return null;
    this.known ??= { min, max };
    return { data: new Uint8Array(view.slice().buffer), min, max };
  }

  /** The modality values as 4-byte floats, for callers that need them one by one. */
  values(): Float32Array {
    const lookup = new Float32Array(this.table);
    const out = new Float32Array(this.count);
    return this.known ? this.map(lookup, out) : this.mapWithRange(lookup, out);
  }
}

// One loop per sample type (each its own function, so each call site sees one array type).
function markSeen16(samples: Uint16Array, seen: Uint8Array, shift: number, mask: number, count: number): void {
  for (let i = 0; i < count; i++) seen[(samples[i]! >>> shift) & mask] = 1;
}

function markSeen8(samples: Uint8Array, seen: Uint8Array, shift: number, mask: number, count: number): void {
  for (let i = 0; i < count; i++) seen[(samples[i]! >>> shift) & mask] = 1;
}

function map16(samples: Uint16Array, lookup: Lookup, out: Lookup, shift: number, mask: number, count: number): void {
  for (let i = 0; i < count; i++) out[i] = lookup[(samples[i]! >>> shift) & mask]!;
}

function map8(samples: Uint8Array, lookup: Lookup, out: Lookup, shift: number, mask: number, count: number): void {
  for (let i = 0; i < count; i++) out[i] = lookup[(samples[i]! >>> shift) & mask]!;
}

function mapRange16(samples: Uint16Array, lookup: Lookup, table: Float64Array, out: Lookup, shift: number, mask: number, count: number): [number, number] {
  let [min, max] = [Infinity, -Infinity];
  for (let i = 0; i < count; i++) {
    const u = (samples[i]! >>> shift) & mask;
    out[i] = lookup[u]!;
    const v = table[u]!;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return [min, max];
}

function mapRange8(samples: Uint8Array, lookup: Lookup, table: Float64Array, out: Lookup, shift: number, mask: number, count: number): [number, number] {
  let [min, max] = [Infinity, -Infinity];
  for (let i = 0; i < count; i++) {
    const u = (samples[i]! >>> shift) & mask;
    out[i] = lookup[u]!;
    const v = table[u]!;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return [min, max];
}

function rangeOf(values: Uint16Array | Int16Array, count: number): [number, number] {
  let [min, max] = [Infinity, -Infinity];
  for (let i = 0; i < count; i++) {
    const v = values[i]!;
    min = v < min ? v : min;
    max = v > max ? v : max;
  }
  return [min, max];
}
