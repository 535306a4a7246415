/**
 * Private helper of _window_funnel.ts: ClickHouse's `strict_once` for the users who have an
 * event matching two different step definitions (say `view` and `view` filtered to iOS),
 * scanned user by user.
 *
 * There, which event serves which step at one instant is a matching problem, and the
 * vectorized chains (one per step-1 run, each definition counted on its own) do not apply.
 * This scan follows ClickHouse's getEventLevelStrictOnce: a user's entries, one per (event,
 * step it matches) plus strict_order's cond-0 entries, sorted by (time, step, input row), and
 * per level the chains that reached it; a chain takes an entry of the next step when the
 * entry's event is not already in the chain, within the window of its first event, and (with
 * `strict_increase`) strictly later than its last. The stops are ClickHouse's.
 *
 * ClickHouse keeps every chain, which grows as a product of the matches. Here a new chain is
 * dropped when one already at its level started at the same instant, no later in the order,
 * and is at least as free to go on: its last event no later, and, if at the same instant, a
 * subset of the events used there (older events cannot recur). That keeps every level reached
 * at the same entry, and the counted chain the same: the highest level, reached first, started
 * earliest.
 */
import pl, { type DataFrame } from "nodejs-polars";
import { type Prepared, windowEnd } from "./_funnel_core.ts";

interface Entry {
  t: number;
  cond: number;
  /** The event's row (unique per event). */
  id: number;
}

interface Chain {
  firstT: number;
  end: number;
  lastT: number;
  /** Rows of the chain's events at `lastT`. */
  idsAtLast: number[];
  times: number[];
  /** Position of the chain's step-1 entry. */
  start: number;
  bd: unknown;
}

/**
 * One row per user of `p.base` who entered the funnel: `_bd`, `_reached` (Int32) and
 * `_t1.._tn` (Int64; null beyond `_reached`), as the vectorized windowFunnel gives them.
 */
export function scanStrictOnce(p: Prepared, modes: ReadonlySet<string>): DataFrame {
  const n = p.steps.length;
  const matches = p.steps.map((_, i) => `_m${i + 1}`);
  const rows = p.base
    .withRowIndex("_i")
    .select(
      pl.col("user_id"),
      pl.col("_t"),
      windowEnd(pl.col("_t"), p.window).alias("_end"),
      pl.col("_bd"),
      pl.col("_i"),
      ...matches.map((m) => pl.col(m).fillNull(false)),
    )
    .sort(["user_id", "_t", "_i"])
    .collectSync({ engine: "in-memory" });
  const users = rows.getColumn("user_id").toArray() as string[];
  const t = rows.getColumn("_t").toArray() as number[];
  const end = rows.getColumn("_end").toArray() as number[];
  const bd = rows.getColumn("_bd").toArray() as unknown[];
  const matched = matches.map((m) => rows.getColumn(m).toArray() as boolean[]);
  const out = {
    bd: [] as unknown[],
    reached: [] as number[],
    times: Array.from({ length: n }, () => [] as (number | null)[]),
  };
  for (let a = 0; a < users.length;) {
    let b = a + 1;
    while (b < users.length && users[b] === users[a]) b++;
    const entries: Entry[] = [];
    for (let r = a; r < b; r++) {
      let any = false;
      for (let j = 1; j <= n; j++) {
        if (matched[j - 1]![r]) {
          entries.push({ t: t[r]!, cond: j, id: r });
          any = true;
        }
      }
      if (!any && modes.has("strict_order")) entries.push({ t: t[r]!, cond: 0, id: r });
    }
    entries.sort((x, y) => x.t - y.t || x.cond - y.cond || x.id - y.id);
    const chain = scanUser(entries, n, modes, (r) => ({ end: end[r]!, bd: bd[r] }));
    if (chain) {
      out.bd.push(chain.bd);
      out.reached.push(chain.times.length);
      for (let j = 0; j < n; j++) out.times[j]!.push(chain.times[j] ?? null);
    }
    a = b;
  }
  return pl.DataFrame([
    pl.Series("_bd", out.bd, rows.getColumn("_bd").dtype),
    pl.Series("_reached", out.reached, pl.Int32),
    ...out.times.map((c, j) => pl.Series(`_t${j + 1}`, c, pl.Int64)),
  ]);
}

/** ClickHouse's strict_once scan of one user's sorted entries: the counted chain, or null. */
function scanUser(
  entries: Entry[],
  n: number,
  modes: ReadonlySet<string>,
  rowOf: (id: number) => { end: number; bd: unknown },
): Chain | null {
  const strictOrder = modes.has("strict_order");
  const dedup = modes.has("strict_deduplication");
  const increase = modes.has("strict_increase");
  const levels: Chain[][] = Array.from({ length: n }, () => []);
  const best: ({ at: number; chain: Chain } | null)[] = new Array(n).fill(null);
  const record = (idx: number, at: number, chain: Chain) => {
    const held = best[idx];
    if (!held || (held.at === at && chain.start < held.chain.start)) best[idx] = { at, chain };
  };
  let hasFirst = false;
  scan: for (let k = 0; k < entries.length; k++) {
    const e = entries[k]!;
    const idx = e.cond - 1;
    if (idx === -1) {
      if (strictOrder && hasFirst) break;
      continue;
    }
    if (idx === 0) {
      const row = rowOf(e.id);
      const chain: Chain = {
        firstT: e.t,
        end: row.end,
        lastT: e.t,
        idsAtLast: [e.id],
        times: [e.t],
        start: k,
        bd: row.bd,
      };
      record(0, k, chain);
      levels[0]!.push(chain);
      hasFirst = true;
      if (n === 1) break;
    } else if (dedup && levels[idx]!.length > 0) {
      break;
    } else if (strictOrder && hasFirst && levels[idx - 1]!.length === 0) {
      break;
    } else if (levels[idx - 1]!.length > 0) {
      const previous = levels[idx - 1]!;
      for (let i = 0; i < previous.length;) {
        const it = previous[i]!;
        let ok = e.t <= it.end;
        if (!ok && previous.length > 1) {
          previous.splice(i, 1);
          continue;
        }
        if (ok && it.lastT === e.t && it.idsAtLast.includes(e.id)) ok = false;
        if (ok && increase) ok = it.lastT < e.t;
        if (ok) {
          const next: Chain = {
            ...it,
            lastT: e.t,
            idsAtLast: it.lastT === e.t ? [...it.idsAtLast, e.id] : [e.id],
            times: [...it.times, e.t],
          };
          record(idx, k, next);
          if (!levels[idx]!.some((q) => covers(q, next))) levels[idx]!.push(next);
          if (idx + 1 === n) break scan;
        }
        i++;
      }
    }
  }
  for (let j = n - 1; j >= 0; j--) if (levels[j]!.length > 0) return best[j]!.chain;
  return null;
}

/** `q` reaches whatever `c` reaches, no later, from a start no later (see the module doc). */
function covers(q: Chain, c: Chain): boolean {
  if (q.firstT !== c.firstT || q.start > c.start || q.lastT > c.lastT) return false;
  return q.lastT < c.lastT || q.idsAtLast.every((id) => c.idsAtLast.includes(id));
}
