/**
 * Private helper of the funnel metrics: ClickHouse's `windowFunnel(window, modes…)`, computed
 * for all users at once with as-of joins on one sorted sequence.
 *
 * ClickHouse (AggregateFunctionWindowFunnel.cpp) turns each event into one entry per step it
 * matches (cond j ≥ 1), plus, with `strict_order`, an entry cond 0 for an event that matches
 * none; it sorts a user's entries by (timestamp, cond) and scans them once, keeping per level
 * the latest chain that reached it. Here the entries are rows sorted by (user, time, cond,
 * input row), numbered `_seq` (cond-0 entries are left out: see the stops), and:
 *
 * - Shared events (ClickHouse's default algorithm): level j is reached at a cond-j entry when
 *   the latest entry before it that reached level j − 1 (a backward as-of join onto those
 *   entries) is the same user's, the entry is within the window of that chain's first event
 *   and, with `strict_increase`, strictly later than that chain's last event. Level by level,
 *   this yields exactly the entries where ClickHouse's scan moves a level forward.
 * - `strict_once`: ClickHouse keeps every chain and never reuses an event. Per step-1 entry
 *   the earliest extension is optimal when rows matching a step definition match every step
 *   with that definition, with one twist: at one instant, a definition offers as many events
 *   as there are rows of it, so a chain can use it there only while it has used fewer of them
 *   at that instant. Users with an event matching two different definitions are left to
 *   _strict_once_scan.ts, which follows ClickHouse's search user by user.
 * - The scan stops early in ClickHouse (`strict_deduplication`: an entry of an already reached
 *   level j ≥ 2; `strict_order`: a cond-0 entry, or an entry whose previous level is not
 *   reached, after the first step-1 entry). Reaching depends only on earlier entries, so the
 *   stop is the first such entry, and the user's level is the highest reached before it. A
 *   cond-0 entry sorts before every step entry at its instant, so its stop is a time: entries
 *   at or after it do not count. Sorting the events that match no step into the sequence cost
 *   more than finding each user's first one after the first step-1 entry with a join.
 */
import pl, { type Expr, type LazyDataFrame } from "nodejs-polars";
import { int, int32, MAX_KEY } from "./_frame.ts";
import { sequence } from "./_sequence.ts";
import { scanStrictOnce } from "./_strict_once_scan.ts";
import {
  anyOf,
  clashOf,
  type NormalStep,
  type PerUser,
  type Prepared,
  reachedFrom,
  windowEnd,
} from "./_funnel_core.ts";

/** Bits of the per-user pick key: level (6) · sequence (28) · start (28). */
const SEQ_SPAN = 2 ** 28;

/** One row per user: the level ClickHouse's windowFunnel gives, and the counted chain. */
export function windowFunnelPerUser(p: Prepared, exact: boolean): PerUser {
  const modes = p.modes ?? new Set();
  const overlap = modes.has("strict_once") ? overlapOf(p) : null;
  if (overlap) {
    // Users with an event matching two different definitions are scanned one by one (see
    // _strict_once_scan.ts); everyone else goes through the chains below.
    const found = p.base.filter(overlap).select("user_id").unique()
      .collectSync({ engine: "in-memory" });
    if (found.height > 0) {
      const within = (how: "semi" | "anti") => p.base.join(found.lazy(), { on: "user_id", how });
      const rest = vectorPerUser({ ...p, base: within("anti") }, modes, exact);
      const scanned = scanStrictOnce({ ...p, base: within("semi") }, modes);
      return {
        ...rest,
        frame: pl.concat([rest.frame, scanned.lazy()], { how: "diagonal" }),
      };
    }
  }
  return vectorPerUser(p, modes, exact);
}

/** {@linkcode windowFunnelPerUser} for events none of which match two different definitions. */
function vectorPerUser(p: Prepared, modes: ReadonlySet<string>, exact: boolean): PerUser {
  const { entries, starts } = entriesOf(p, modes.has("strict_order"), exact);
  const frame = modes.has("strict_once")
    ? distinctPerUser(p, entries, starts, modes)
    : sharedPerUser(p, entries, starts, modes);
  return { frame, hasTimes: true, clash: clashOf(entries, exact) };
}

/**
 * The user's first stop under the modes, or none: `_stop`, a sequence number (entries from it
 * on do not count), and `_stopT`, a time (entries at or after it do not count); either null.
 */
function stopsOf(
  p: Prepared,
  modes: ReadonlySet<string>,
  entries: LazyDataFrame,
  starts: LazyDataFrame,
  firstReach: (j: number) => LazyDataFrame,
  lookups: () => LazyDataFrame[],
): LazyDataFrame | null {
  const n = p.steps.length;
  const candidates: LazyDataFrame[] = [];
  if (modes.has("strict_deduplication")) {
    for (let j = 2; j <= n; j++) candidates.push(dedupStops(firstReach(j), entries, j));
  }
  if (modes.has("strict_order")) {
    candidates.push(...orderStops({ lookups: lookups() }, starts, n));
  }
  if (candidates.length === 0) return null;
  const bySeq = candidates.map((c) => c.withColumns(pl.lit(null).cast(pl.Int64).alias("_stopT")));
  if (modes.has("strict_order")) {
    bySeq.push(
      strayStops(p, starts).select(
        pl.col("_uc"),
        pl.lit(null).cast(pl.Int64).alias("_stop"),
        pl.col("_stopT"),
      ),
    );
  }
  return pl.concat(bySeq, { how: "vertical" })
    .groupBy("_uc", false)
    .agg(pl.col("_stop").min(), pl.col("_stopT").min());
}

/** ClickHouse's default scan: the highest level reached before the stop, its first entry. */
function sharedPerUser(
  p: Prepared,
  entries: LazyDataFrame,
  starts: LazyDataFrame,
  modes: ReadonlySet<string>,
): LazyDataFrame {
  const n = p.steps.length;
  const reach = sharedReach(p, entries, modes.has("strict_increase"));
  // A level's rows are in `_seq` order, so each user's first row is where the user first
  // reached it: the only row of that level the pick below can choose.
  const firsts = reach.levels.map((r, i) => padTimes(firstPerUser(r), i + 1, n));
  let all = pl.concat(firsts, { how: "vertical" });
  const stops = stopsOf(
    p,
    modes,
    entries,
    starts,
    (j) => reach.levels[j - 1]!,
    () => reach.lookups,
  );
  if (stops) {
    all = all.join(stops, { on: "_uc", how: "left" })
      .filter(
        pl.col("_stop").isNull().or(pl.col("_seq").lt(pl.col("_stop")))
          .and(pl.col("_stopT").isNull().or(pl.col("_tr").lt(pl.col("_stopT")))),
      );
  }
  // The highest level, then its earliest entry, then the earliest start: one Int64 key.
  const key = pl.col("_lvl").cast(pl.Int64).mul(int(SEQ_SPAN * SEQ_SPAN))
    .plus(int(SEQ_SPAN - 1).minus(pl.col("_seq")).mul(int(SEQ_SPAN)))
    .plus(int(SEQ_SPAN - 1).minus(pl.col("_o")));
  return all
    .withColumns(key.alias("_key"))
    .filter(pl.col("_key").eq(pl.col("_key").max().over("_uc")))
    .select(pl.col("_uc"), pl.col("_bd"), pl.col("_lvl").alias("_reached"), ...stepTimes(n));
}

/**
 * strict_once: one chain per step-1 run; per chain the level reached before the user's stop,
 * and per user the chain with the highest level, reaching it first, started earliest. The
 * stops need, per level, where the user first reached it: the earliest chain position.
 */
function distinctPerUser(
  p: Prepared,
  entries: LazyDataFrame,
  starts: LazyDataFrame,
  modes: ReadonlySet<string>,
): LazyDataFrame {
  const n = p.steps.length;
  const chains = distinctChains(p, entries, modes.has("strict_increase")).cache();
  const reachedAt = (j: number) =>
    pl.when(pl.col("_reached").gtEq(int32(j))).then(pl.col(`_s${j}`)).otherwise(
      pl.lit(null).cast(pl.Int64),
    );
  let stops: LazyDataFrame | null = null;
  if (modes.has("strict_deduplication") || modes.has("strict_order")) {
    const firsts = chains.groupBy("_uc", false)
      .agg(...Array.from({ length: n }, (_, i) => reachedAt(i + 1).min().alias(`_fr${i + 1}`)))
      .cache();
    const firstReach = (j: number) =>
      firsts.select(pl.col(`_fr${j}`).alias("_seq"), pl.col("_uc"))
        .filter(pl.col("_seq").isNotNull())
        .sort("_seq");
    stops = stopsOf(
      p,
      modes,
      entries,
      starts,
      firstReach,
      () => Array.from({ length: n - 1 }, (_, i) => foundBefore(entries, firstReach(i + 1), i + 2)),
    );
  }
  let rows = chains;
  let level: Expr = pl.col("_reached");
  if (stops) {
    rows = rows.join(stops, { on: "_uc", how: "left" });
    // Reached positions and times increase with j, so the count of steps reached before the
    // stops is the level.
    let before: Expr = int(0);
    for (let j = 1; j <= n; j++) {
      const counts = pl.col("_reached").gtEq(int32(j))
        .and(pl.col("_stop").isNull().or(pl.col(`_s${j}`).lt(pl.col("_stop"))))
        .and(pl.col("_stopT").isNull().or(pl.col(`_t${j}`).lt(pl.col("_stopT"))));
      before = before.plus(counts.cast(pl.Int64));
    }
    level = before.cast(pl.Int32);
  }
  // deno-lint-ignore no-explicit-any
  let at: any = pl.when(pl.col("_lvl").eq(int32(1))).then(pl.col("_s1"));
  for (let j = 2; j <= n; j++) at = at.when(pl.col("_lvl").eq(int32(j))).then(pl.col(`_s${j}`));
  const key = pl.col("_lvl").cast(pl.Int64).mul(int(SEQ_SPAN * SEQ_SPAN))
    .plus(int(SEQ_SPAN - 1).minus(at.otherwise(int(0))).mul(int(SEQ_SPAN)))
    .plus(int(SEQ_SPAN - 1).minus(pl.col("_s1")));
  const times = Array.from(
    { length: n },
    (_, i) =>
      i === 0 ? pl.col("_t1") : pl.when(pl.col("_lvl").gt(int32(i))).then(pl.col(`_t${i + 1}`))
        .otherwise(pl.lit(null).cast(pl.Int64)).alias(`_t${i + 1}`),
  );
  return rows
    .withColumns(level.alias("_lvl"))
    .filter(pl.col("_lvl").gtEq(int32(1)))
    .withColumns(key.alias("_key"))
    .filter(pl.col("_key").eq(pl.col("_key").max().over("_uc")))
    .select(pl.col("_uc"), pl.col("_bd"), pl.col("_lvl").alias("_reached"), ...times);
}

/**
 * True on a row matching two different step definitions, or null when no two definitions
 * name the same event (then no row can).
 */
function overlapOf(p: Prepared): Expr | null {
  const defs = new Map<string, NormalStep & { index: number }>();
  p.steps.forEach((s, i) => {
    if (!defs.has(s.key)) defs.set(s.key, { ...s, index: i + 1 });
  });
  const list = [...defs.values()];
  const sameEvent = list.some((d, i) => list.some((e, j) => j > i && e.event === d.event));
  if (!sameEvent) return null;
  return list.map((d) => pl.col(`_m${d.index}`).fillNull(false).cast(pl.Int32))
    .reduce((x, y) => x.plus(y))
    .gt(1);
}

/**
 * The entries: one row per (event row, step it matches) with `_r` = the step number, sorted by
 * (user, time, `_r`, input row) and numbered; and, with `strictOrder`, `starts`: each user's
 * first step-1 entry (`_uc`, `user_id`, `_fs`, its sequence number, and `_ft`, its time).
 *
 * ClickHouse's cond-0 entries (strict_order: events matching no step) are not sequenced: they
 * sort before every step entry at their instant, so their stop is a time (see `strayStops`).
 */
function entriesOf(
  p: Prepared,
  strictOrder: boolean,
  exact: boolean,
): { entries: LazyDataFrame; starts: LazyDataFrame } {
  const rows = p.base.withRowIndex("_i").cache();
  const parts = p.steps.map((_, i) =>
    rows.filter(pl.col(`_m${i + 1}`)).select(
      pl.col("user_id"),
      pl.col("_t"),
      pl.col("_bd"),
      pl.col("_i"),
      pl.lit(i + 1).cast(pl.Int32).alias("_r"),
    )
  );
  const kept = ["_seq", "_uc", "_t", "_bd", "_r", "_clash"];
  const entries = sequence(pl.concat(parts, { how: "vertical" }), true, exact, ["_i"])
    .select(...kept, ...(strictOrder ? ["user_id"] : []))
    .cache();
  return {
    entries,
    starts: firstPerUser(entries.filter(pl.col("_r").eq(int32(1))))
      .select(
        pl.col("_uc"),
        pl.col("user_id"),
        pl.col("_seq").alias("_fs"),
        pl.col("_t").alias("_ft"),
      ),
  };
}

/**
 * strict_order's stop at an event matching no step, as a time `_stopT` per user (`_uc`): the
 * first such event strictly after the user's first step-1 event. At one instant, ClickHouse
 * sorts it before every step entry, so entries from that instant on do not count.
 */
function strayStops(p: Prepared, starts: LazyDataFrame): LazyDataFrame {
  return p.base.filter(anyOf(p.steps.length).not())
    .select("user_id", "_t")
    .join(starts.select("user_id", "_uc", "_ft"), { on: "user_id", how: "inner" })
    .filter(pl.col("_t").gt(pl.col("_ft")))
    .groupBy("_uc", false)
    .agg(pl.col("_t").min().alias("_stopT"));
}

function stepTimes(j: number): string[] {
  return Array.from({ length: j }, (_, i) => `_t${i + 1}`);
}

/** Entries that reached each level and the lookups behind them, for the stops. */
interface Reach {
  levels: LazyDataFrame[];
  /** Per level j ≥ 2 (index j − 2): the cond-j entries with `_found` (level j − 1 reached before). */
  lookups: LazyDataFrame[];
}

/** ClickHouse's default scan (events may serve several steps). */
function sharedReach(p: Prepared, entries: LazyDataFrame, increase: boolean): Reach {
  const n = p.steps.length;
  let previous = entries.filter(pl.col("_r").eq(int32(1))).select(
    pl.col("_seq"),
    pl.col("_uc"),
    pl.col("_bd"),
    pl.col("_seq").alias("_o"),
    pl.col("_t").alias("_t1"),
    windowEnd(pl.col("_t"), p.window).alias("_end"),
  ).cache();
  const levels = [previous];
  const lookups: LazyDataFrame[] = [];
  for (let j = 2; j <= n; j++) {
    const before = previous.select(
      pl.col("_seq").alias("_ps"),
      pl.col("_uc").alias("_pu"),
      pl.col("_bd"),
      pl.col("_o"),
      ...stepTimes(j - 1).map((c) => pl.col(c)),
      pl.col("_end"),
    );
    const joined = entries.filter(pl.col("_r").eq(int32(j)))
      .select("_seq", "_uc", "_t")
      .joinAsof(before, {
        leftOn: "_seq",
        rightOn: "_ps",
        strategy: "backward",
        allowExactMatches: false,
        checkSortedness: false,
      })
      .withColumns(pl.col("_pu").eq(pl.col("_uc")).fillNull(false).alias("_found"))
      .cache();
    lookups.push(joined.select("_seq", "_uc", "_found"));
    let ok = pl.col("_found").and(pl.col("_t").ltEq(pl.col("_end")));
    if (increase) ok = ok.and(pl.col(`_t${j - 1}`).lt(pl.col("_t")));
    previous = joined.filter(ok.fillNull(false)).select(
      pl.col("_seq"),
      pl.col("_uc"),
      pl.col("_bd"),
      pl.col("_o"),
      ...stepTimes(j - 1).map((c) => pl.col(c)),
      pl.col("_t").alias(`_t${j}`),
      pl.col("_end"),
    ).cache();
    levels.push(previous);
  }
  return { levels: levels.map((l) => l.drop("_end")), lookups };
}

/**
 * ClickHouse's strict_once scan. Per step-1 run (the first of the step-1 entries at one
 * instant), the earliest extension: the next run of step j's entries after the previous
 * step's entry (or after its instant, with `strict_increase`), taken when the chain has used
 * fewer than the run's rows of that definition at that instant, else the run after it.
 */
function distinctChains(
  p: Prepared,
  entries: LazyDataFrame,
  increase: boolean,
): LazyDataFrame {
  const n = p.steps.length;
  const newTime = pl.col("_uc").neq(pl.col("_uc").shift(1))
    .or(pl.col("_t").neq(pl.col("_t").shift(1)))
    .fillNull(true);
  const newRun = newTime.or(pl.col("_r").neq(pl.col("_r").shift(1))).fillNull(true);
  const lastOfRun = pl.col("_uc").neq(pl.col("_uc").shift(-1))
    .or(pl.col("_t").neq(pl.col("_t").shift(-1)))
    .or(pl.col("_r").neq(pl.col("_r").shift(-1)))
    .fillNull(true);
  const runs = entries
    .withColumns(
      pl.when(newTime).then(pl.col("_seq")).otherwise(pl.lit(null).cast(pl.Int64))
        .forwardFill().alias("_g"),
      pl.when(lastOfRun).then(pl.col("_seq")).otherwise(pl.lit(null).cast(pl.Int64))
        .backwardFill().alias("_runEnd"),
      newRun.alias("_newRun"),
    )
    .filter(pl.col("_newRun"))
    .withColumns(pl.col("_runEnd").minus(pl.col("_seq")).plus(int(1)).alias("_cnt"))
    .cache();
  let a = runs.filter(pl.col("_r").eq(int32(1))).select(
    pl.col("_seq").alias("_s1"),
    pl.col("_uc"),
    pl.col("_bd"),
    pl.col("_t").alias("_t1"),
    windowEnd(pl.col("_t"), p.window).alias("_end"),
  );
  const links: Expr[] = [];
  for (let j = 2; j <= n; j++) {
    const next = runs.filter(pl.col("_r").eq(int32(j))).select(
      pl.col("_seq").alias(`_cs${j}`),
      pl.col("_g").alias(`_cg${j}`),
      pl.col("_uc").alias(`_cu${j}`),
      pl.col("_t").alias(`_ct${j}`),
      pl.col("_cnt").alias(`_cc${j}`),
      pl.col("_seq").shift(-1).alias(`_ns${j}`),
      pl.col("_uc").shift(-1).alias(`_nu${j}`),
      pl.col("_t").shift(-1).alias(`_nt${j}`),
    );
    let used: Expr = int(0);
    for (let i = 1; i < j; i++) {
      if (p.steps[i - 1]!.key === p.steps[j - 1]!.key) {
        used = used.plus(pl.col(`_t${i}`).eq(pl.col(`_ct${j}`)).fillNull(false).cast(pl.Int64));
      }
    }
    const take = pl.col(`_cu${j}`).eq(pl.col("_uc")).and(used.lt(pl.col(`_cc${j}`)))
      .fillNull(false);
    const pick = (candidate: string, fallback: string) =>
      pl.when(take).then(pl.col(candidate)).otherwise(pl.col(fallback));
    a = a
      .sort(`_s${j - 1}`)
      .joinAsof(next, {
        leftOn: `_s${j - 1}`,
        rightOn: increase ? `_cg${j}` : `_cs${j}`,
        strategy: "forward",
        allowExactMatches: false,
        checkSortedness: false,
      })
      .withColumns(
        pick(`_cs${j}`, `_ns${j}`).fillNull(int(MAX_KEY)).alias(`_s${j}`),
        pick(`_cu${j}`, `_nu${j}`).alias(`_u${j}`),
        pick(`_ct${j}`, `_nt${j}`).alias(`_t${j}`),
      );
    links.push(
      pl.col(`_u${j}`).eq(pl.col("_uc")).and(pl.col(`_t${j}`).ltEq(pl.col("_end")))
        .fillNull(false),
    );
  }
  return a.withColumns(reachedFrom(links).alias("_reached"));
}

/** Cond-`j` entries with `_found`: an entry of `level` comes before them for the same user. */
function foundBefore(entries: LazyDataFrame, level: LazyDataFrame, j: number): LazyDataFrame {
  return entries.filter(pl.col("_r").eq(int32(j)))
    .select("_seq", "_uc")
    .joinAsof(level.select(pl.col("_seq").alias("_ps"), pl.col("_uc").alias("_pu")), {
      leftOn: "_seq",
      rightOn: "_ps",
      strategy: "backward",
      allowExactMatches: false,
      checkSortedness: false,
    })
    .select(
      "_seq",
      "_uc",
      pl.col("_pu").eq(pl.col("_uc")).fillNull(false).alias("_found"),
    );
}

/**
 * strict_deduplication: the first cond-`j` entry after an entry that reached level `j`
 * (`level`: such entries, or only each user's first, sorted by `_seq`).
 */
function dedupStops(level: LazyDataFrame, entries: LazyDataFrame, j: number): LazyDataFrame {
  const later = entries.filter(pl.col("_r").eq(int32(j)))
    .select(pl.col("_seq").alias("_ds"), pl.col("_uc").alias("_du"));
  return level.select("_seq", "_uc")
    .joinAsof(later, {
      leftOn: "_seq",
      rightOn: "_ds",
      strategy: "forward",
      allowExactMatches: false,
      checkSortedness: false,
    })
    .filter(pl.col("_du").eq(pl.col("_uc")).fillNull(false))
    .select(pl.col("_uc"), pl.col("_ds").alias("_stop"));
}

/**
 * strict_order's stops at step entries: after the user's first step-1 entry (`starts`), the
 * first cond-j entry (j ≥ 2) with level j − 1 not reached before it. (Its stops at events
 * matching no step are `strayStops`.)
 */
function orderStops(
  reach: Pick<Reach, "lookups">,
  starts: LazyDataFrame,
  n: number,
): LazyDataFrame[] {
  const firsts = starts.select("_uc", "_fs");
  const out: LazyDataFrame[] = [];
  for (let j = 2; j <= n; j++) {
    out.push(
      reach.lookups[j - 2]!.filter(pl.col("_found").not())
        .join(firsts, { on: "_uc", how: "inner" })
        .filter(pl.col("_seq").gt(pl.col("_fs")))
        .select(pl.col("_uc"), pl.col("_seq").alias("_stop")),
    );
  }
  return out;
}

/** Each user's first row of a frame in `_seq` order. */
function firstPerUser(frame: LazyDataFrame): LazyDataFrame {
  return frame.filter(pl.col("_uc").neq(pl.col("_uc").shift(1)).fillNull(true));
}

/** A level's entries with `_lvl`, `_tr` (the entry's time) and all n time columns (null beyond the level). */
function padTimes(level: LazyDataFrame, j: number, n: number): LazyDataFrame {
  const missing = Array.from(
    { length: n - j },
    (_, i) => pl.lit(null).cast(pl.Int64).alias(`_t${j + i + 1}`),
  );
  return level.select(
    pl.col("_seq"),
    pl.col("_uc"),
    pl.col("_bd"),
    pl.col("_o"),
    pl.lit(j).cast(pl.Int32).alias("_lvl"),
    pl.col(`_t${j}`).alias("_tr"),
    ...stepTimes(j).map((c) => pl.col(c)),
    ...missing,
  );
}
