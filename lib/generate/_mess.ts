/**
 * Serialise true events to NDJSON lines and inject mess: mutations of true events that keep
 * their meaning, plus extra lines (duplicates, orphans, unknown events, malformed text).
 *
 * @module
 */

import { Prng } from "./_prng.ts";
import { AsciiBuffer, padId, TimeFormatter } from "./_format.ts";
import {
  CATEGORIES,
  EVENT_NAMES,
  MESS_KINDS,
  type MessRates,
  PLATFORMS,
  UNKNOWN_EVENT_NAMES,
} from "./params.ts";
import {
  EV_COMPLETE_RECYCLING,
  EV_MESSAGE_SELLER,
  EV_PUBLISH_LISTING,
  EV_SEARCH,
  EV_SESSION_START,
  EV_START_LISTING,
  EV_VIEW_LISTING,
  SEARCH_QUERIES,
  type World,
} from "./_simulate.ts";
import type { MalformedLine, MessCount } from "./truth.ts";

/** Extra-line kinds in {@linkcode MessPlan}. */
export const X_DUPLICATE = 1;
export const X_ORPHAN = 2;
export const X_UNKNOWN = 3;
export const X_TRUNCATED = 4;
export const X_NOT_JSON = 5;

/**
 * Every mess decision, stored compactly so lines can be rendered later in delivery order
 * (few strings alive at once). Line index space: true events 0 … n-1 (event index), then
 * extra lines n … n+extras-1.
 */
export interface MessPlan {
  /** Per true event: 0 canonical user id, else variant 1–4. */
  uidVariant: Uint8Array;
  /** Per true event: 0 canonical name, else variant 1–5. */
  nameVariant: Uint8Array;
  /** Per true event: 0 canonical, 1 epoch ms, 2 naive, 3+i offset `_OFFSETS[i]`. */
  tsMode: Uint8Array;
  /** Per true event: bit 1 weight as string, bit 2 eco-score as string. */
  numberAsString: Uint8Array;
  /** Per true event: 0 none, else `_EXTRA_FIELDS[i-1]`. */
  extraField: Uint8Array;
  /** Per true event: 0 none, 1 session_id, 2 platform, 3 properties left out. */
  drop: Uint8Array;
  /** Per line (true and extra): delivery second; the file is the day of this second. */
  deliverySec: Int32Array;
  /** Per extra line: kind (`X_*`). */
  extraKind: number[];
  /** Per extra line: the true event it derives from. */
  extraSource: number[];
  /** Per extra line: its timestamp second (orphan, unknown). */
  extraTs: number[];
  /** Per extra line: kind-specific value (orphan pool index, unknown name, cut, text index). */
  extraAux: number[];
  /** Per extra line: second value (orphan event type / query / platform packed). */
  extraAux2: number[];
  /** Per extra line: event id number (orphan, unknown) or session number (orphan). */
  extraEventId: number[];
  extraSession: number[];
  orphanPool: string[];
  mess: Record<keyof MessRates, MessCount>;
  duplicates: number;
  orphans: number;
  unknownEvents: number;
  malformed: number;
}

const _DAY = 86_400;

const _OFFSETS: readonly [number, string][] = [
  [120, "+02:00"],
  [-300, "-05:00"],
  [330, "+05:30"],
  [540, "+09:00"],
  [-180, "-03:00"],
  [60, "+01:00"],
  [-480, "-08:00"],
];

const _EXTRA_FIELDS = [
  ',"client_version":"3.14.2"',
  ',"_debug":true',
  ',"client_version":"3.15.0-beta","_debug":{"trace":"a1b2c3"}',
];

const _NOT_JSON = [
  "<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>",
  "ERROR ingest-worker-3: upstream timed out after 30000 ms",
  "event_id=E000000001 user_id=U000001 event=session_start",
  "--- log rotated ---",
  "{event_id: E000000001, event: session_start}",
  "undefined",
];

/**
 * Five spellings that normalise back (lower, trim, `[ -]` → `_`) to the canonical name, each
 * different from it even for one-word names.
 */
function _nameVariants(name: string): string[] {
  const title = name.split("_").map((w) => w[0]!.toUpperCase() + w.slice(1));
  const variants = [
    title.join(" "),
    name.toUpperCase().replaceAll("_", "-"),
    ` ${name} `,
    title.join("_"),
    `${name.replaceAll("_", "-")} `,
  ];
  for (const v of variants) {
    if (v === name || v.trim().toLowerCase().replace(/[ -]/g, "_") !== name) {
      throw new Error(`Bad variant "${v}" of event name "${name}"`);
    }
  }
  return variants;
}

/** The whole dataset's sizes a {@linkcode MessPlanner} numbers extra events and sessions after. */
export interface MessTotals {
  /** True events in the whole dataset (extra event ids start after them). */
  events: number;
  /** Sessions in the whole dataset (orphan sessions are numbered after them). */
  sessions: number;
  /** Period length in seconds. */
  endSec: number;
  /** Days in the period. */
  days: number;
}

/**
 * Decides every mess instance, in event-id order, from the seed's "mess" stream: true events
 * keep their meaning; extra lines are planned with their delivery second. Works over
 * consecutive slices of the event-id order (one day at a time): the stream, counters and
 * extra ids carry over, so planning day by day decides what planning all at once would.
 */
export class MessPlanner {
  readonly #rates: MessRates;
  readonly #rng: Prng;
  readonly #totals: MessTotals;
  readonly #orphanPool: string[];
  readonly #count = new Int32Array(MESS_KINDS.length);
  #numericEligible = 0;
  #lateEligible = 0;
  #nextEventId: number;
  #nextSession: number;

  constructor(rates: MessRates, seed: number, totals: MessTotals) {
    this.#rates = rates;
    this.#rng = new Prng(seed, "mess");
    this.#totals = totals;
    this.#orphanPool = Array.from({ length: 200 }, () => padId("U9", this.#rng.int(100_000), 5));
    this.#nextEventId = totals.events;
    this.#nextSession = totals.sessions;
  }

  /**
   * Plan the events of `world` (the next slice of the event-id order; index 0 is the slice's
   * first event). Extra lines of the plan are those derived from these events.
   */
  plan(world: World): MessPlan {
    const { events } = world;
    const rates = this.#rates;
    const rng = this.#rng;
    const { endSec } = this.#totals;
    const n = events.n;
    const lastDay = this.#totals.days - 1;
    const plan: MessPlan = {
      uidVariant: new Uint8Array(n),
      nameVariant: new Uint8Array(n),
      tsMode: new Uint8Array(n),
      numberAsString: new Uint8Array(n),
      extraField: new Uint8Array(n),
      drop: new Uint8Array(n),
      deliverySec: new Int32Array(0),
      extraKind: [],
      extraSource: [],
      extraTs: [],
      extraAux: [],
      extraAux2: [],
      extraEventId: [],
      extraSession: [],
      orphanPool: this.#orphanPool,
      mess: {} as MessPlan["mess"],
      duplicates: 0,
      orphans: 0,
      unknownEvents: 0,
      malformed: 0,
    };
    const count = this.#count;
    const K = _KIND_INDEX;
    const delivery = new Int32Array(n);
    const extraDelivery: number[] = [];
    const tsOffsetEnd = rates.ts_offset;
    const tsEpochEnd = tsOffsetEnd + rates.ts_epoch_ms;
    const tsNaiveEnd = tsEpochEnd + rates.ts_naive;
    const addExtra = (kind: number, source: number, ts: number, at: number, aux: number) => {
      plan.extraKind.push(kind);
      plan.extraSource.push(source);
      plan.extraTs.push(ts);
      plan.extraAux.push(aux);
      plan.extraAux2.push(0);
      plan.extraEventId.push(0);
      plan.extraSession.push(0);
      extraDelivery.push(at);
      return plan.extraKind.length - 1;
    };

    for (let e = 0; e < n; e++) {
      const type = events.type[e]!;
      const ts = events.tsSec[e]!;
      if (rng.next() < rates.id_case_whitespace) {
        count[K.id_case_whitespace]!++;
        plan.uidVariant[e] = 1 + rng.int(4);
      }
      if (rng.next() < rates.event_name_variant) {
        count[K.event_name_variant]!++;
        plan.nameVariant[e] = 1 + rng.int(5);
      }
      const uTs = rng.next();
      if (uTs < tsOffsetEnd) {
        count[K.ts_offset]!++;
        plan.tsMode[e] = 3 + rng.int(_OFFSETS.length);
      } else if (uTs < tsEpochEnd) {
        count[K.ts_epoch_ms]!++;
        plan.tsMode[e] = 1;
      } else if (uTs < tsNaiveEnd) {
        count[K.ts_naive]!++;
        plan.tsMode[e] = 2;
      }
      const numeric = type === EV_START_LISTING || type === EV_PUBLISH_LISTING ||
        type === EV_COMPLETE_RECYCLING;
      if (numeric) {
        this.#numericEligible++;
        if (rng.next() < rates.number_as_string) {
          count[K.number_as_string]!++;
          plan.numberAsString[e] = 1 + rng.int(3);
        }
      }
      if (rng.next() < rates.extra_field) {
        count[K.extra_field]!++;
        plan.extraField[e] = 1 + rng.int(_EXTRA_FIELDS.length);
      }
      if (rng.next() < rates.missing_optional) {
        count[K.missing_optional]!++;
        // properties may only go when it is empty: dropping it must not lose meaning.
        plan.drop[e] = 1 + rng.int(_propsEmpty(world, e) ? 3 : 2);
      }

      const tsDay = Math.floor(ts / _DAY);
      let delivered = ts;
      if (tsDay < lastDay) {
        this.#lateEligible++;
        if (rng.next() < rates.late_arrival) {
          count[K.late_arrival]!++;
          const lateDays = 1 + rng.int(Math.min(3, lastDay - tsDay));
          delivered = (tsDay + lateDays) * _DAY + rng.int(_DAY);
        }
      }
      delivery[e] = delivered;

      if (rng.next() < rates.duplicate_delivery) {
        count[K.duplicate_delivery]!++;
        const room = Math.min(2 * _DAY, endSec - 1 - delivered);
        addExtra(X_DUPLICATE, e, ts, delivered + rng.int(room + 1), 0);
      }
      if (rng.next() < rates.orphan_user) {
        count[K.orphan_user]!++;
        const at = Math.min(endSec - 1, ts + rng.int(600));
        const x = addExtra(X_ORPHAN, e, at, at, rng.int(this.#orphanPool.length));
        // Packed: event type (0..7), query index, platform.
        const orphanType = _ORPHAN_TYPES[rng.int(_ORPHAN_TYPES.length)]!;
        plan.extraAux2[x] = orphanType + 8 * rng.int(3) + 32 * rng.int(SEARCH_QUERIES.length);
        plan.extraEventId[x] = ++this.#nextEventId;
        plan.extraSession[x] = ++this.#nextSession;
      }
      if (rng.next() < rates.unknown_event) {
        count[K.unknown_event]!++;
        const at = Math.min(endSec - 1, ts + rng.int(300));
        const x = addExtra(X_UNKNOWN, e, at, at, rng.int(UNKNOWN_EVENT_NAMES.length));
        plan.extraEventId[x] = ++this.#nextEventId;
      }
      if (rng.next() < rates.malformed) {
        count[K.malformed]!++;
        if (rng.next() < 0.7) addExtra(X_TRUNCATED, e, ts, delivered, rng.next());
        else addExtra(X_NOT_JSON, e, ts, delivered, rng.int(_NOT_JSON.length));
      }
    }

    plan.deliverySec = new Int32Array(n + extraDelivery.length);
    plan.deliverySec.set(delivery);
    plan.deliverySec.set(extraDelivery, n);
    return plan;
  }

  /** Counts of every mess kind so far, with their eligible events. */
  totals(): Pick<MessPlan, "mess" | "duplicates" | "orphans" | "unknownEvents" | "malformed"> {
    const count = this.#count;
    const K = _KIND_INDEX;
    const mess = {} as MessPlan["mess"];
    for (const kind of MESS_KINDS) {
      const eligible = kind === "number_as_string"
        ? this.#numericEligible
        : kind === "late_arrival"
        ? this.#lateEligible
        : this.#totals.events;
      mess[kind] = { rate: this.#rates[kind], eligible, count: count[K[kind]]! };
    }
    return {
      mess,
      duplicates: count[K.duplicate_delivery]!,
      orphans: count[K.orphan_user]!,
      unknownEvents: count[K.unknown_event]!,
      malformed: count[K.malformed]!,
    };
  }
}

const _KIND_INDEX = Object.fromEntries(MESS_KINDS.map((k, i) => [k, i])) as Record<
  keyof MessRates,
  number
>;

const _ORPHAN_TYPES = [EV_SESSION_START, EV_SEARCH, EV_VIEW_LISTING, EV_MESSAGE_SELLER];

function _propsEmpty(world: World, e: number): boolean {
  const type = world.events.type[e]!;
  if (type === EV_SESSION_START) return true;
  if (type === EV_VIEW_LISTING || type === EV_MESSAGE_SELLER) return world.events.listing[e]! < 0;
  return false;
}

const _LINE_ROOM = 1024;
const _DECODER = new TextDecoder();

/** Renders lines from a world and its mess plan straight into bytes. */
export class LineRenderer {
  readonly #world: World;
  readonly #plan: MessPlan;
  readonly #fmt: TimeFormatter;
  readonly #variants: string[][];
  readonly #categories: string[];
  readonly #properties: string[];
  #scratch = new AsciiBuffer(_LINE_ROOM);

  readonly #idBase: number;

  /** Renders lines of `world`'s events; `idBase` is the id number before its first event. */
  constructor(world: World, plan: MessPlan, idBase = 0) {
    this.#world = world;
    this.#plan = plan;
    this.#idBase = idBase;
    this.#fmt = new TimeFormatter(world.options.startMs, world.options.days);
    this.#variants = EVENT_NAMES.map(_nameVariants);
    this.#categories = CATEGORIES.map((c) => `","category":"${c}`);
    this.#properties = SEARCH_QUERIES.map((q) => `,"properties":{"query":"${q}"}`);
  }

  /** Number of lines (true events plus extras). */
  get lineCount(): number {
    return this.#plan.deliverySec.length;
  }

  /** Malformed kind of line `i`, or undefined for a JSON line. */
  malformedKind(i: number): MalformedLine["kind"] | undefined {
    const x = i - this.#world.events.n;
    if (x < 0) return undefined;
    const kind = this.#plan.extraKind[x];
    return kind === X_TRUNCATED ? "truncated" : kind === X_NOT_JSON ? "not_json" : undefined;
  }

  /** Text of line `i` (no newline); for tests and debugging. */
  line(i: number): string {
    const b = this.#scratch;
    b.length = 0;
    this.write(b, i);
    return _DECODER.decode(b.view());
  }

  /** Append line `i` (no newline) to `out`. */
  write(out: AsciiBuffer, i: number): void {
    out.reserve(_LINE_ROOM);
    const n = this.#world.events.n;
    if (i < n) return this.#writeTrue(out, i);
    const x = i - n;
    const plan = this.#plan;
    switch (plan.extraKind[x]) {
      case X_DUPLICATE:
        return this.#writeTrue(out, plan.extraSource[x]!);
      case X_ORPHAN:
        return this.#writeOrphan(out, x);
      case X_UNKNOWN:
        return this.#writeUnknown(out, x);
      case X_TRUNCATED: {
        // A strict prefix of a JSON object never parses: its closing brace is the last byte.
        const start = out.length;
        this.#writeTrue(out, plan.extraSource[x]!);
        const full = out.length - start;
        out.length = start + 1 + Math.floor(plan.extraAux[x]! * (full - 1));
        return;
      }
      default:
        out.ascii(_NOT_JSON[plan.extraAux[x]!]!);
    }
  }

  #hms(out: AsciiBuffer, sec: number): void {
    const s = sec - Math.floor(sec / _DAY) * _DAY;
    const h = Math.floor(s / 3600);
    const m = Math.floor((s - h * 3600) / 60);
    out.padded(h, 2);
    out.byte(58);
    out.padded(m, 2);
    out.byte(58);
    out.padded(s - h * 3600 - m * 60, 2);
  }

  /** `"2026-03-01T10:00:00.000Z"` including the quotes. */
  #canonical(out: AsciiBuffer, sec: number): void {
    out.byte(34);
    out.ascii(this.#fmt.day(Math.floor(sec / _DAY)));
    out.byte(84);
    this.#hms(out, sec);
    out.ascii('.000Z"');
  }

  #ts(out: AsciiBuffer, sec: number, mode: number): void {
    if (mode === 0) this.#canonical(out, sec);
    else if (mode === 1) out.int(this.#fmt.epochMs(sec));
    else if (mode === 2) {
      out.byte(34);
      out.ascii(this.#fmt.day(Math.floor(sec / _DAY)));
      out.byte(32);
      this.#hms(out, sec);
      out.byte(34);
    } else {
      const [minutes, label] = _OFFSETS[mode - 3]!;
      const local = sec + minutes * 60;
      out.byte(34);
      out.ascii(this.#fmt.day(Math.floor(local / _DAY)));
      out.byte(84);
      this.#hms(out, local);
      out.ascii(".000");
      out.ascii(label);
      out.byte(34);
    }
  }

  /** The line of true event `e`, with its planned mutations. */
  #writeTrue(out: AsciiBuffer, e: number): void {
    const { events, listings } = this.#world;
    const plan = this.#plan;
    const type = events.type[e]!;
    const listing = events.listing[e]!;
    const drop = plan.drop[e]!;

    out.ascii('{"event_id":"E');
    out.padded(this.#idBase + e + 1, 9);
    out.ascii('","user_id":"');
    const uv = plan.uidVariant[e]!;
    const user = events.userIdx[e]! + 1;
    if (uv === 0) {
      out.byte(85);
      out.padded(user, 6);
    } else {
      if (uv === 2 || uv === 4) out.byte(32);
      out.byte(uv === 2 ? 85 : 117);
      out.padded(user, 6);
      if (uv === 2 || uv === 3) out.byte(32);
    }
    out.ascii('","event":"');
    const nv = plan.nameVariant[e]!;
    out.ascii(nv === 0 ? EVENT_NAMES[type]! : this.#variants[type]![nv - 1]!);
    out.ascii('","ts":');
    this.#ts(out, events.tsSec[e]!, plan.tsMode[e]!);
    if (drop !== 1) {
      out.ascii(',"session_id":"S');
      out.padded(events.session[e]!, 8);
      out.byte(34);
    }
    if (drop !== 2) {
      out.ascii(',"platform":"');
      out.ascii(PLATFORMS[events.platform[e]!]!);
      out.byte(34);
    }
    if (drop !== 3) {
      if (
        type === EV_START_LISTING || type === EV_PUBLISH_LISTING || type === EV_COMPLETE_RECYCLING
      ) {
        const asString = plan.numberAsString[e]!;
        out.ascii(',"properties":{"listing_id":"L');
        out.padded(listing + 1, 7);
        out.ascii(this.#categories[listings.category[listing]!]!);
        out.ascii('","weight_kg":');
        if (asString & 1) out.byte(34);
        out.ascii(listings.weightText[listing]!);
        if (asString & 1) out.byte(34);
        out.ascii(',"eco_score_kg_co2e":');
        if (asString & 2) out.byte(34);
        out.ascii(listings.ecoText[listing]!);
        if (asString & 2) out.byte(34);
        out.byte(125);
      } else if (type === EV_VIEW_LISTING && listing >= 0) {
        out.ascii(',"properties":{"listing_id":"L');
        out.padded(listing + 1, 7);
        out.ascii(this.#categories[listings.category[listing]!]!);
        out.ascii('"}');
      } else if (type === EV_MESSAGE_SELLER && listing >= 0) {
        out.ascii(',"properties":{"listing_id":"L');
        out.padded(listing + 1, 7);
        out.ascii('"}');
      } else if (type === EV_SEARCH) {
        out.ascii(this.#properties[events.query[e]!]!);
      } else out.ascii(',"properties":{}');
    }
    const xf = plan.extraField[e]!;
    if (xf !== 0) out.ascii(_EXTRA_FIELDS[xf - 1]!);
    out.byte(125);
  }

  #writeOrphan(out: AsciiBuffer, x: number): void {
    const plan = this.#plan;
    const packed = plan.extraAux2[x]!;
    const type = packed & 7;
    out.ascii('{"event_id":"E');
    out.padded(plan.extraEventId[x]!, 9);
    out.ascii('","user_id":"');
    out.ascii(plan.orphanPool[plan.extraAux[x]!]!);
    out.ascii('","event":"');
    out.ascii(EVENT_NAMES[type]!);
    out.ascii('","ts":');
    this.#canonical(out, plan.extraTs[x]!);
    out.ascii(',"session_id":"S');
    out.padded(plan.extraSession[x]!, 8);
    out.ascii('","platform":"');
    out.ascii(PLATFORMS[(packed >> 3) & 3]!);
    out.byte(34);
    out.ascii(type === EV_SEARCH ? this.#properties[packed >> 5]! : ',"properties":{}');
    out.byte(125);
  }

  #writeUnknown(out: AsciiBuffer, x: number): void {
    const plan = this.#plan;
    const events = this.#world.events;
    const e = plan.extraSource[x]!;
    out.ascii('{"event_id":"E');
    out.padded(plan.extraEventId[x]!, 9);
    out.ascii('","user_id":"U');
    out.padded(events.userIdx[e]! + 1, 6);
    out.ascii('","event":"');
    out.ascii(UNKNOWN_EVENT_NAMES[plan.extraAux[x]!]!);
    out.ascii('","ts":');
    this.#canonical(out, plan.extraTs[x]!);
    out.ascii(',"session_id":"S');
    out.padded(events.session[e]!, 8);
    out.ascii('","platform":"');
    out.ascii(PLATFORMS[events.platform[e]!]!);
    out.ascii('","properties":{}}');
  }
}
