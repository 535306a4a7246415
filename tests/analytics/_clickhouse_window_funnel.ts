/**
 * Test oracle: ClickHouse's `windowFunnel` for one user, ported line by line from
 * src/AggregateFunctions/AggregateFunctionWindowFunnel.cpp (getEventLevelNonStrictOnce and
 * getEventLevelStrictOnce, with the entry order of `add` and the stable sort), without the
 * `allow_reentry` option. Used only by the tests, to check funnel()'s windowFunnel modes.
 */

/** One event row of a user: its timestamp and the 1-based steps whose conditions it meets. */
export interface ChEvent {
  t: number;
  conds: number[];
}

/** Modes as ClickHouse names them. */
export type ChMode = "strict_order" | "strict_deduplication" | "strict_increase" | "strict_once";

interface Entry {
  t: number;
  cond: number;
  id: number;
}

/** The level `windowFunnel(window, modes…)(t, cond1, …, condN)` returns for these rows. */
export function clickhouseWindowFunnel(
  rows: ChEvent[],
  steps: number,
  window: number,
  modes: ChMode[],
): number {
  const strictOrder = modes.includes("strict_order");
  const dedup = modes.includes("strict_deduplication");
  const increase = modes.includes("strict_increase");
  const once = modes.includes("strict_once");
  const list: Entry[] = [];
  let id = 1;
  for (const row of rows) {
    let has = false;
    // reverse iteration, as `add` does
    for (let i = steps; i > 0; i--) {
      if (row.conds.includes(i)) {
        list.push({ t: row.t, cond: i, id });
        has = true;
      }
    }
    if (strictOrder && !has) list.push({ t: row.t, cond: 0, id });
    id++;
  }
  if (list.length === 0) return 0;
  if (!strictOrder && steps === 1) return 1;
  // std::stable_sort on (timestamp, event) pairs, or on (timestamp, event, unique_id)
  list.sort((a, b) => a.t - b.t || a.cond - b.cond || (once ? a.id - b.id : 0));
  return once
    ? levelStrictOnce(list, steps, window, strictOrder, dedup, increase)
    : levelNonStrictOnce(list, steps, window, strictOrder, dedup, increase);
}

function levelNonStrictOnce(
  list: Entry[],
  size: number,
  window: number,
  strictOrder: boolean,
  dedup: boolean,
  increase: boolean,
): number {
  const state: ([number, number] | null)[] = new Array(size).fill(null);
  let firstEvent = false;
  const maxLevel = () => {
    for (let e = size; e > 0; e--) if (state[e - 1]) return e;
    return 0;
  };
  for (const entry of list) {
    const idx = entry.cond - 1;
    if (strictOrder && idx === -1) {
      if (firstEvent) break;
      continue;
    }
    if (idx === 0) {
      state[0] = [entry.t, entry.t];
      firstEvent = true;
    } else if (dedup && state[idx]) {
      return maxLevel();
    } else if (strictOrder && firstEvent && !state[idx - 1]) {
      for (let e = 0; e < size; e++) if (!state[e]) return e;
    } else if (state[idx - 1]) {
      const first = state[idx - 1]![0];
      let matched = entry.t <= first + window;
      if (increase) matched = matched && state[idx - 1]![1] < entry.t;
      if (matched) {
        state[idx] = [first, entry.t];
        if (idx + 1 === size) return size;
      }
    }
  }
  return maxLevel();
}

interface Path {
  first: number;
  last: number;
  path: number[];
}

function levelStrictOnce(
  list: Entry[],
  size: number,
  window: number,
  strictOrder: boolean,
  dedup: boolean,
  increase: boolean,
): number {
  const seqs: Path[][] = Array.from({ length: size }, () => []);
  let hasFirst = false;
  const maxLevel = () => {
    for (let e = size; e > 0; e--) if (seqs[e - 1]!.length > 0) return e;
    return 0;
  };
  for (const entry of list) {
    const idx = entry.cond - 1;
    if (strictOrder && idx === -1) {
      if (hasFirst) break;
      continue;
    } else if (idx === 0) {
      const path = new Array<number>(size).fill(0);
      path[0] = entry.id;
      seqs[0]!.push({ first: entry.t, last: entry.t, path });
      hasFirst = true;
    } else if (dedup && seqs[idx]!.length > 0) {
      return maxLevel();
    } else if (strictOrder && hasFirst && seqs[idx - 1]!.length === 0) {
      for (let e = 0; e < size; e++) if (seqs[e]!.length === 0) return e;
    } else if (seqs[idx - 1]!.length > 0) {
      const prev = seqs[idx - 1]!;
      for (let k = 0; k < prev.length;) {
        const it = prev[k]!;
        let matched = entry.t <= it.first + window;
        if (!matched && prev.length > 1) {
          prev.splice(k, 1);
          continue;
        }
        for (let j = 0; j < idx; j++) {
          if (!matched) break;
          matched = it.path[j] !== entry.id;
        }
        if (matched && increase) matched = it.last < entry.t;
        if (matched) {
          const path = [...it.path];
          path[idx] = entry.id;
          seqs[idx]!.push({ first: it.first, last: entry.t, path });
          if (idx + 1 === size) return size;
        }
        k++;
      }
    }
  }
  return maxLevel();
}
