/**
 * Plant volume anomalies into a simulated world: on one day, the true events of one name are
 * thinned (`drop`) or fired again (`spike`). Runs after the simulation and before the planted
 * effects are measured and mess is injected, so `truth.json` describes the files as written.
 *
 * @module
 */

import { Prng } from "./_prng.ts";
import { EVENT_NAMES, type PlantAnomalyOptions } from "./params.ts";
import type { World } from "./_simulate.ts";
import type { PlantedAnomaly } from "./truth.ts";

const _DAY = 86_400;

/** Result of {@linkcode plantAnomalies}. */
export interface PlantResult {
  /** The world with the anomalies planted (event ids follow the new time order). */
  world: World;
  /** What was planted, for `truth.json` → `planted_anomalies`. */
  planted: PlantedAnomaly[];
  /** Distinct session ids among the true events after planting. */
  sessions: number;
}

/** Indexes of true events of type `type` whose `ts` falls on period day `day`. */
function _eventsOn(world: World, type: number, day: number): number[] {
  const { events } = world;
  const from = day * _DAY;
  const to = from + _DAY;
  const out: number[] = [];
  // Events are sorted by time: skip to the day with a binary search.
  let lo = 0, hi = events.n;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (events.tsSec[mid]! < from) lo = mid + 1;
    else hi = mid;
  }
  for (let e = lo; e < events.n && events.tsSec[e]! < to; e++) {
    if (events.type[e] === type) out.push(e);
  }
  return out;
}

/** Seeded in-place shuffle (Fisher-Yates). */
function _shuffle(items: number[], rng: Prng): void {
  for (let i = items.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
}

/**
 * Plant each anomaly (validated beforehand by `resolveOptions`). Each one draws from its own
 * seeded stream, so adding a second anomaly does not change the first.
 */
export function plantAnomalies(
  world: World,
  anomalies: readonly PlantAnomalyOptions[],
  seed: number,
): PlantResult {
  const { events } = world;
  const startMs = world.options.startMs;
  const removed = new Uint8Array(events.n);
  // Copies: the source event and the copy's timestamp.
  const copySource: number[] = [];
  const copyTs: number[] = [];
  const planted: PlantedAnomaly[] = [];
  for (const spec of anomalies) {
    const type = EVENT_NAMES.indexOf(spec.event);
    const day = Math.round((Date.parse(`${spec.date}T00:00:00Z`) - startMs) / 86_400_000);
    const rng = new Prng(seed, `anomaly:${spec.kind}:${spec.event}:${spec.date}`);
    const onDay = _eventsOn(world, type, day);
    _shuffle(onDay, rng);
    const target = Math.round(spec.factor * onDay.length);
    if (spec.kind === "drop") {
      for (const e of onDay.slice(target)) removed[e] = 1;
    } else {
      const dayEnd = (day + 1) * _DAY - 1;
      const last = Math.min(dayEnd, world.endSec - 1);
      for (let j = 0; j < target - onDay.length; j++) {
        const source = onDay[j % onDay.length]!;
        copySource.push(source);
        copyTs.push(Math.min(last, events.tsSec[source]! + rng.range(1, 120)));
      }
    }
    planted.push({
      kind: spec.kind,
      event: spec.event,
      date: spec.date,
      factor: spec.factor,
      simulated_count: onDay.length,
      planted_count: target,
    });
  }

  // Rows of the new event table: kept originals (i < n) then copies (n + j), sorted by
  // (ts, row) so a copy lands after its source and ties keep generation order.
  const kept: number[] = [];
  for (let e = 0; e < events.n; e++) if (!removed[e]) kept.push(e);
  const rows = kept.concat(copySource.map((_, j) => events.n + j));
  const tsOf = (r: number) => r < events.n ? events.tsSec[r]! : copyTs[r - events.n]!;
  const sourceOf = (r: number) => r < events.n ? r : copySource[r - events.n]!;
  rows.sort((a, b) => tsOf(a) - tsOf(b) || a - b);

  const n = rows.length;
  const out: World["events"] = {
    n,
    userIdx: new Int32Array(n),
    type: new Uint8Array(n),
    tsSec: new Int32Array(n),
    session: new Int32Array(n),
    platform: new Uint8Array(n),
    listing: new Int32Array(n),
    query: new Int16Array(n),
  };
  const sessionSeen = new Uint8Array(world.sessions + 1);
  let sessions = 0;
  for (let i = 0; i < n; i++) {
    const r = rows[i]!;
    const s = sourceOf(r);
    out.userIdx[i] = events.userIdx[s]!;
    out.type[i] = events.type[s]!;
    out.tsSec[i] = tsOf(r);
    out.session[i] = events.session[s]!;
    out.platform[i] = events.platform[s]!;
    out.listing[i] = events.listing[s]!;
    out.query[i] = events.query[s]!;
    if (!sessionSeen[out.session[i]!]) {
      sessionSeen[out.session[i]!] = 1;
      sessions++;
    }
  }
  // `sessions` stays the highest session number: orphan events are numbered after it.
  return { world: { ...world, events: out }, planted, sessions };
}
