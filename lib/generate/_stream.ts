/**
 * Streaming generation: the simulation's events go to disk instead of memory, so a run holds
 * the registries (users, listings) and a few days of events, whatever `--days` and the
 * number of events. The files are byte-identical to an in-memory run:
 *
 * 1. {@linkcode simulateToSpill}: users walk through their lives in generation order (user by
 *    user); events are appended to a spill file in chunks.
 * 2. {@linkcode routeByDay}: the spill is read back in the same order to point views at
 *    listings (which needs every listing's publish time, known only after step 1), and each
 *    event goes to the spill file of its day.
 * 3. {@linkcode readDay}: a day's events, sorted by (time, generation order), are the next
 *    slice of the event-id order; the generator plans their mess, measures them and hands
 *    their lines to {@linkcode DeliveryBuckets}, which orders each delivery day's lines as
 *    the in-memory sort of all lines does.
 *
 * @module
 */

import { join } from "node:path";
import { AsciiBuffer } from "./_format.ts";
import type { LineRenderer, MessPlan } from "./_mess.ts";
import { Prng } from "./_prng.ts";
import {
  EventBuffer,
  type Registries,
  simulateInto,
  sortEvents,
  ViewFiller,
  type World,
} from "./_simulate.ts";
import type { ResolvedOptions } from "./params.ts";
import type { MalformedLine } from "./truth.ts";

const _DAY = 86_400;
/** Events per chunk of the generation spill (~6 MB of columns). */
const _CHUNK = 1 << 18;
/** Events held across all per-day buffers before they are appended to their files. */
const _DAY_BUFFER_BUDGET = 1 << 21;

/** Bytes of one event's columns (userIdx, type, tsSec, session, platform, listing, query). */
const _EVENT_BYTES = 4 + 1 + 4 + 4 + 1 + 4 + 2;

function _columns(buf: EventBuffer, n: number): Uint8Array[] {
  const bytes = (a: Int32Array | Uint8Array | Int16Array) =>
    new Uint8Array(a.buffer, a.byteOffset, n * a.BYTES_PER_ELEMENT);
  return [
    bytes(buf.userIdx),
    bytes(buf.type),
    bytes(buf.tsSec),
    bytes(buf.session),
    bytes(buf.platform),
    bytes(buf.listing),
    bytes(buf.query),
  ];
}

/** Append one chunk to `file`: its event count, then each column (no copy is made). */
function _writeChunk(file: Deno.FsFile, buf: EventBuffer): void {
  const header = new Uint8Array(4);
  new DataView(header.buffer).setInt32(0, buf.n, true);
  _writeAll(file, header);
  for (const column of _columns(buf, buf.n)) _writeAll(file, column);
}

function _writeAll(file: Deno.FsFile, bytes: Uint8Array): void {
  let p = 0;
  while (p < bytes.length) p += file.writeSync(bytes.subarray(p));
}

function _readExactly(file: Deno.FsFile, into: Uint8Array): boolean {
  let p = 0;
  while (p < into.length) {
    const n = file.readSync(into.subarray(p));
    if (n === null) {
      if (p === 0) return false;
      throw new RangeError(`Cannot read generator spill: truncated chunk`);
    }
    p += n;
  }
  return true;
}

/**
 * Read the chunks of a spill file, appending each into `buf` from `buf.n` on (the buffer
 * must have room) and calling `each` after every chunk.
 */
function _readChunks(path: string, buf: EventBuffer, each?: (start: number) => void): void {
  using file = Deno.openSync(path, { read: true });
  const header = new Uint8Array(4);
  while (_readExactly(file, header)) {
    const n = new DataView(header.buffer).getInt32(0, true);
    const start = buf.n;
    buf.ensure(start + n);
    // Straight into the columns: no chunk-sized buffer is allocated per read.
    for (const column of _columns(buf, start + n)) {
      const width = column.length / (start + n);
      _readExactly(file, column.subarray(start * width));
    }
    buf.n = start + n;
    each?.(start);
  }
}

/** Pass 1: simulate every user, spilling events (generation order) to `<dir>/generation.bin`. */
export function simulateToSpill(
  options: ResolvedOptions,
  dir: string,
): { world: Registries; events: number } {
  using file = Deno.openSync(join(dir, "generation.bin"), { write: true, create: true });
  let events = 0;
  const spill = (buf: EventBuffer) => {
    events += buf.n;
    _writeChunk(file, buf);
  };
  const buffer = new EventBuffer(_CHUNK, spill);
  const world = simulateInto(options, buffer);
  if (buffer.n > 0) spill(buffer);
  return { world, events };
}

/**
 * Pass 2: read the generation spill back chunk by chunk, point views and messages at
 * listings, and append each event to `<dir>/day-<d>.bin`. Returns the events per day.
 */
export function routeByDay(world: Registries, dir: string): number[] {
  const days = world.options.days;
  const counts = new Array<number>(days).fill(0);
  const capacity = Math.max(256, Math.min(8192, Math.floor(_DAY_BUFFER_BUDGET / days)));
  const append = (day: number) => (buf: EventBuffer) => {
    using file = Deno.openSync(join(dir, `day-${day}.bin`), { append: true, create: true });
    _writeChunk(file, buf);
  };
  const perDay = counts.map((_, day) => new EventBuffer(capacity, append(day)));
  const filler = new ViewFiller(world.listings.publishedSec, new Prng(world.options.seed, "views"));
  const chunk = new EventBuffer(_CHUNK);
  const path = join(dir, "generation.bin");
  _readChunks(path, chunk, () => {
    filler.fill(chunk);
    for (let e = 0; e < chunk.n; e++) {
      const day = Math.floor(chunk.tsSec[e]! / _DAY);
      const out = perDay[day];
      if (out === undefined) throw new RangeError(`Cannot route event: day ${day} is outside`);
      out.push(
        chunk.userIdx[e]!,
        chunk.type[e]!,
        chunk.tsSec[e]!,
        chunk.session[e]!,
        chunk.platform[e]!,
        chunk.listing[e]!,
        chunk.query[e]!,
      );
      counts[day]!++;
    }
    chunk.n = 0;
  });
  for (const [day, buf] of perDay.entries()) if (buf.n > 0) append(day)(buf);
  Deno.removeSync(path);
  return counts;
}

/** Pass 3: the events of day `day`, sorted by (time, generation order); removes its spill. */
export function readDay(dir: string, day: number, count: number): World["events"] {
  const buf = new EventBuffer(Math.max(1, count));
  const path = join(dir, `day-${day}.bin`);
  if (count > 0) {
    _readChunks(path, buf);
    Deno.removeSync(path);
  }
  return sortEvents(buf);
}

/** A growable column of int32 values. */
class _Ints {
  values = new Int32Array(1024);
  n = 0;
  push(v: number): void {
    if (this.n === this.values.length) {
      const next = new Int32Array(this.values.length * 2);
      next.set(this.values);
      this.values = next;
    }
    this.values[this.n++] = v;
  }
}

/** Lines waiting for one delivery day: where to find each, packed in columns. */
class _Bucket {
  /** Delivery second within the day, times 2, plus 1 for an extra line. */
  readonly order = new _Ints();
  /** Source day of the line (whose renderer writes it). */
  readonly source = new _Ints();
  /** Line index within its source day's plan. */
  readonly line = new _Ints();
}

/** One delivery day's file content. */
export interface DeliveredDay {
  /** File content. */
  bytes: Uint8Array;
  /** Lines in it. */
  lines: number;
}

/**
 * Lines by delivery day, ordered like the in-memory generator's sort of every line by
 * (delivery second, line index), where true events (by id) come before extra lines (by the
 * order they were planned in). A source day's renderer is kept until its last line is out.
 */
export class DeliveryBuckets {
  readonly #buckets = new Map<number, _Bucket>();
  readonly #renderers = new Map<number, LineRenderer>();
  /** Last delivery day each source day still has lines for. */
  readonly #lastDay = new Map<number, number>();
  readonly #days: number;
  // Two output buffers, used in turn: a day's bytes stay valid while the next day renders.
  readonly #outs = [new AsciiBuffer(4 << 20), new AsciiBuffer(4 << 20)];
  #turn = 0;

  constructor(days: number) {
    this.#days = days;
  }

  /** Queue every line of source day `day`'s plan (`events` true events, then its extras). */
  add(day: number, renderer: LineRenderer, plan: MessPlan, events: number): void {
    this.#renderers.set(day, renderer);
    const delivery = plan.deliverySec;
    let last = day;
    for (let i = 0; i < delivery.length; i++) {
      const sec = delivery[i]!;
      const at = Math.floor(sec / _DAY);
      if (at >= this.#days) {
        throw new RangeError(`Cannot write events: a line falls after the period`);
      }
      let bucket = this.#buckets.get(at);
      if (!bucket) this.#buckets.set(at, bucket = new _Bucket());
      bucket.order.push((sec - at * _DAY) * 2 + (i >= events ? 1 : 0));
      bucket.source.push(day);
      bucket.line.push(i);
      if (at > last) last = at;
    }
    this.#lastDay.set(day, last);
  }

  /**
   * Render delivery day `day` (complete once every source day up to it was added), noting
   * malformed lines as lines of `file`; then forget what no later day needs. The bytes are
   * a view that stays valid until the next call but one.
   */
  take(day: number, file: string, malformed: MalformedLine[]): DeliveredDay {
    const bucket = this.#buckets.get(day);
    this.#buckets.delete(day);
    const out = this.#outs[this.#turn]!;
    this.#turn = 1 - this.#turn;
    out.length = 0;
    const m = bucket?.order.n ?? 0;
    if (bucket && m > 0) {
      // (second, extra?) then queue position, in one float key: sorts natively.
      const keys = new Float64Array(m);
      const order = bucket.order.values;
      for (let p = 0; p < m; p++) keys[p] = order[p]! * m + p;
      keys.sort();
      const source = bucket.source.values;
      const line = bucket.line.values;
      for (let k = 0; k < m; k++) {
        const p = keys[k]! % m;
        const renderer = this.#renderers.get(source[p]!)!;
        renderer.write(out, line[p]!);
        out.byte(10);
        const kind = renderer.malformedKind(line[p]!);
        if (kind !== undefined) malformed.push({ file, line: k + 1, kind });
      }
    }
    for (const [source, last] of this.#lastDay) {
      if (last <= day) {
        this.#lastDay.delete(source);
        this.#renderers.delete(source);
      }
    }
    return { bytes: out.view(), lines: m };
  }
}
