/**
 * Data health in sentences: where every delivered event line went, and how many user ids
 * matched the registry before and after standardisation. They read rows of the
 * `mart_pipeline_health` and `mart_id_sync` marts, whose row types live here.
 *
 * @module
 */
import { formatCount, formatPercent } from "../format/mod.ts";

/** One row of the `mart_pipeline_health` mart: where event lines went. */
export type OutcomeRow = {
  /** `load`, `staging` or `marts`. */
  stage: string;
  /** `rejected`, `duplicate`, `quarantined` or `kept`. */
  outcome: string;
  /** Why (e.g. `invalid JSON`, `unknown event name`, `orphan user id`). */
  reason: string;
  /** Event lines. */
  n_rows: number;
};

/** The one row of the `mart_id_sync` mart: user-id match rate before and after standardisation. */
export type IdSyncRow = {
  /** Clean event rows. */
  n_events: number;
  /** Rows whose raw user id matches the registry as delivered. */
  n_matched_before: number;
  /** Rows whose standardised user id matches the registry. */
  n_matched_after: number;
  /** Rows matching no registry user either way. */
  n_orphan_events: number;
  /** `n_matched_before / n_events` in %. */
  match_before_pct: number | null;
  /** `n_matched_after / n_events` in %. */
  match_after_pct: number | null;
  /** `n_matched_after / (n_events - n_orphan_events)` in %. */
  match_after_non_orphan_pct: number | null;
};

/**
 * The user-id match rate before and after standardisation (trim and upper-case), and how
 * many rows carry ids that are not in the registry.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * const idSync = {
 *   n_events: 41_230,
 *   n_matched_before: 39_911,
 *   n_matched_after: 40_890,
 *   n_orphan_events: 340,
 *   match_before_pct: 96.8,
 *   match_after_pct: 99.18,
 *   match_after_non_orphan_pct: 100,
 * };
 * assert.equal(
 *   idSyncSentence(idSync),
 *   "Before standardisation, 96.8% of 41,230 clean event rows (39,911) carried a user id that " +
 *     "matched the registry; after trimming and upper-casing ids, 99.2% (40,890) do, 100.0% of " +
 *     "rows from registry users. The other 340 rows (0.82%) carry ids that are not in the " +
 *     "registry: they are kept and flagged as orphans.",
 * );
 * ```
 */
export function idSyncSentence(row: IdSyncRow | null): string {
  if (!row) return "The mart_id_sync mart is missing, so the id match rate is unknown.";
  const pct = (v: number | null) => v === null ? "n/a" : formatPercent(v, 1);
  const orphanPct = row.n_events > 0 ? (row.n_orphan_events / row.n_events) * 100 : 0;
  return `Before standardisation, ${pct(row.match_before_pct)} of ${
    formatCount(row.n_events)
  } clean event rows (${formatCount(row.n_matched_before)}) carried a user id that matched ` +
    `the registry; after trimming and upper-casing ids, ${pct(row.match_after_pct)} ` +
    `(${formatCount(row.n_matched_after)}) do, ${
      pct(row.match_after_non_orphan_pct)
    } of rows from registry users. The other ${formatCount(row.n_orphan_events)} rows ` +
    `(${formatPercent(orphanPct, 2)}) carry ids that are not in the registry: they are kept ` +
    `and flagged as orphans.`;
}

/**
 * Every event line delivered, accounted for: rejected at load, duplicate, quarantined and
 * kept (and how many of those come from ids not in the registry), each with its share.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * const outcomes = [
 *   { stage: "load", outcome: "rejected", reason: "invalid JSON", n_rows: 10 },
 *   { stage: "staging", outcome: "duplicate", reason: "same event_id", n_rows: 40 },
 *   { stage: "staging", outcome: "quarantined", reason: "unknown event name", n_rows: 50 },
 *   { stage: "marts", outcome: "kept", reason: "registry user", n_rows: 9_800 },
 *   { stage: "marts", outcome: "kept", reason: "orphan user id", n_rows: 100 },
 * ];
 * assert.equal(
 *   flowSentence(outcomes),
 *   "Of 10,000 event lines delivered, 10 (0.10%) were rejected at load (invalid JSON), " +
 *     "40 (0.40%) were duplicate deliveries, 50 (0.50%) were quarantined (unknown event name) " +
 *     "and 9,900 (99.00%) were kept, 100 of them from user ids not in the registry " +
 *     "(flagged as orphans).",
 * );
 * ```
 */
export function flowSentence(outcomes: readonly OutcomeRow[]): string {
  if (outcomes.length === 0) {
    return "The mart_pipeline_health mart is missing, so the event accounting is unknown.";
  }
  const sum = (pred: (r: OutcomeRow) => boolean) =>
    outcomes.filter(pred).reduce((s, r) => s + r.n_rows, 0);
  const total = sum(() => true);
  const part = (n: number, what: string, reasons: OutcomeRow[]) => {
    const why = reasons.length > 0 ? ` (${reasons.map((r) => r.reason).join(", ")})` : "";
    return `${formatCount(n)} (${
      formatPercent(total > 0 ? (n / total) * 100 : 0, 2)
    }) ${what}${why}`;
  };
  const of = (outcome: string) => outcomes.filter((r) => r.outcome === outcome);
  const orphans = sum((r) => r.outcome === "kept" && /orphan/i.test(r.reason));
  return `Of ${formatCount(total)} event lines delivered, ` +
    `${part(sum((r) => r.outcome === "rejected"), "were rejected at load", of("rejected"))}, ` +
    `${part(sum((r) => r.outcome === "duplicate"), "were duplicate deliveries", [])}, ` +
    `${part(sum((r) => r.outcome === "quarantined"), "were quarantined", of("quarantined"))} and ${
      part(sum((r) => r.outcome === "kept"), "were kept", [])
    }, ${formatCount(orphans)} of them from user ids not in the registry (flagged as orphans).`;
}
