/**
 * The report's history section: every data test's and check's outcome across the last runs
 * (from the audit tables), and one small chart per check (value, expected band, flagged
 * points).
 *
 * @module
 */
import { type CheckChartPoint, checkHistoryChart } from "../charts/mod.ts";
import { formatDate, formatNumber } from "../format/mod.ts";
import { figureToHtml, html, type RawHtml, tableHtml } from "../html/mod.ts";
import { readRunHistory, type RunHistory } from "../observe/mod.ts";
import type { Warehouse } from "../warehouse/types.ts";

export type { RunHistory };

/** Options of {@linkcode collectRunHistory}. */
export interface CollectRunHistoryOptions {
  /**
   * Runs shown, newest first.
   * @default {10}
   */
  runs?: number;
}

/**
 * The last runs from the audit tables, or null when the warehouse has none (or they cannot
 * be read: the report is still written, without the section).
 *
 * @example
 * ```ts ignore
 * const history = await collectRunHistory(wh, { runs: 10 });
 * ```
 */
export async function collectRunHistory(
  warehouse: Warehouse,
  options: CollectRunHistoryOptions = {},
): Promise<RunHistory | null> {
  try {
    const history = await readRunHistory(warehouse, { runs: options.runs ?? 10 });
    return history.runs.length === 0 ? null : history;
  } catch {
    return null;
  }
}

/** `id`s of the history section's elements. */
export const HISTORY_SECTION_ID = "history";

const MARK: Record<string, string> = {
  pass: "✔",
  warn: "⚠",
  fail: "✘",
  error: "✘",
  skipped: "–",
  not_enough_data: "…",
};

/**
 * The section: a sentence on the newest run, a table of checks and one of data tests with
 * one status column per run (newest first; ✔ pass, ⚠ warn, ✘ fail or error, – skipped,
 * … not enough data), and a chart per check. Empty when there is no history.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const history = {
 *   runs: [{ runId: "r2", runAt: "2026-04-02T05:00:00.000Z", status: "success" },
 *     { runId: "r1", runAt: "2026-04-01T05:00:00.000Z", status: "success" }],
 *   tests: [
 *     { runId: "r1", test: "not_null_x", model: "m", severity: "error", status: "pass", failures: 0 },
 *     { runId: "r2", test: "not_null_x", model: "m", severity: "error", status: "fail", failures: 3 },
 *   ],
 *   checks: [],
 *   series: [],
 * };
 * const section = String(dataHealthSection(history));
 * assert.match(section, /<section id="history">/);
 * assert.match(section, /1 of 1 data test failing or warning/);
 * ```
 */
export function dataHealthSection(history: RunHistory | null | undefined): RawHtml {
  if (!history || history.runs.length === 0) return html``;
  const runs = history.runs;
  const newest = runs[0]!;
  const runLabel = (i: number) => {
    const run = runs[i]!;
    const d = new Date(run.runAt);
    return `${i === 0 ? "Newest" : `Run −${i}`} (${
      Number.isNaN(d.getTime()) ? run.runId.slice(0, 8) : formatDate(d, true)
    })`;
  };
  const runColumns = runs.map((_, i) => ({ key: `run_${i}`, label: runLabel(i) }));
  const statusOf = (rows: { runId: string; status: string }[], runId: string) => {
    const row = rows.find((r) => r.runId === runId);
    return row ? `${MARK[row.status] ?? "?"} ${row.status}` : "";
  };

  const checkNames = [...new Set(history.checks.map((c) => c.checkName))].sort();
  const checkRows = checkNames.map((name) => {
    const rows = history.checks.filter((c) => c.checkName === name);
    const latest = rows.find((r) => r.runId === newest.runId) ?? rows[0]!;
    const row: Record<string, unknown> = {
      check: name,
      target: latest.target,
      kind: latest.kind,
      severity: latest.severity,
    };
    runs.forEach((run, i) => row[`run_${i}`] = statusOf(rows, run.runId));
    row.message = latest.message;
    return row;
  });

  const testNames = [...new Set(history.tests.map((t) => t.test))];
  const failingEver = (name: string) =>
    history.tests.some((t) => t.test === name && t.status !== "pass" && t.status !== "skipped");
  testNames.sort((a, b) => Number(failingEver(b)) - Number(failingEver(a)) || a.localeCompare(b));
  const testRows = testNames.map((name) => {
    const rows = history.tests.filter((t) => t.test === name);
    const latest = rows.find((r) => r.runId === newest.runId) ?? rows[0]!;
    const row: Record<string, unknown> = {
      test: name,
      model: latest.model,
      severity: latest.severity,
    };
    runs.forEach((run, i) => row[`run_${i}`] = statusOf(rows, run.runId));
    row.failures = latest.failures;
    return row;
  });

  const newestTests = history.tests.filter((t) => t.runId === newest.runId);
  const newestChecks = history.checks.filter((c) => c.runId === newest.runId);
  const bad = (s: string) => s === "fail" || s === "error" || s === "warn";
  const sentence = `In the newest run (${runLabel(0).replace(/^Newest \((.*)\)$/, "$1")} UTC), ${
    newestChecks.filter((c) => bad(c.status)).length
  } of ${formatNumber(newestChecks.length)} check${newestChecks.length === 1 ? "" : "s"} and ${
    newestTests.filter((t) => bad(t.status)).length
  } of ${formatNumber(newestTests.length)} data test${
    newestTests.length === 1 ? "" : "s"
  } failing or warning; ${runs.length} run${runs.length === 1 ? "" : "s"} shown.`;

  const charts = checkNames.map((name, i) => {
    const latest = history.checks.find((c) => c.checkName === name && c.runId === newest.runId) ??
      history.checks.find((c) => c.checkName === name)!;
    const points = history.series.filter((p) => p.checkName === name);
    if (points.length === 0) return html``;
    const volume = latest.kind === "volume_anomaly";
    const chartPoints: CheckChartPoint[] = points.map((p) => ({
      series: p.series,
      x: volume ? p.at : p.runAt,
      value: p.value,
      expected: p.expected,
      lower: latest.kind === "freshness" ? 0 : p.lower,
      upper: p.upper,
      flagged: p.isAnomalous,
    }));
    const figure = checkHistoryChart(chartPoints, {
      title: volume
        ? `Rows per day of ${latest.target} in the newest run`
        : latest.kind === "freshness"
        ? `Age of the newest row of ${latest.target} at each run`
        : `JSON keys of ${latest.target} at each run`,
      subtitle: volume
        ? "Band: the expected range; circles: flagged days"
        : latest.kind === "freshness"
        ? "Band: fresh (up to warn_after); circles: stale"
        : "Circles: runs where keys appeared, vanished or changed type",
      valueLabel: volume ? "Rows" : latest.kind === "freshness" ? "Age (hours)" : "Keys",
      xLabel: volume ? "Date (UTC)" : "Run (UTC)",
      bandLabel: latest.kind === "freshness" ? "Fresh (within warn_after)" : "Expected band",
      decimals: latest.kind === "freshness" ? 1 : 0,
    });
    return html`<h3>${name}</h3>
      <p>${MARK[latest.status] ?? ""} ${latest.status}: ${latest.message}</p>
      ${figureToHtml(figure, { id: `chart-check-${i + 1}` })}`;
  });

  return html`
    <section id="${HISTORY_SECTION_ID}">
      <h2>Tests and checks across runs</h2>
      <p class="tl-insight">${sentence}</p>
      ${checkRows.length === 0 ? "" : tableHtml(checkRows, {
        id: "table-check-history",
        caption: "One row per check; one column per run, newest first (audit.check_results)",
        sortable: false,
        columns: [
          { key: "check", label: "Check" },
          { key: "target", label: "Watches" },
          { key: "kind", label: "Kind" },
          { key: "severity", label: "Severity" },
          ...runColumns,
          { key: "message", label: "Newest result" },
        ],
      })}
      ${charts}
      ${testRows.length === 0 ? "" : html`<details>
    <summary>Table: ${formatNumber(testRows.length)} data tests across ${runs.length} runs</summary>
    ${
        tableHtml(testRows, {
          id: "table-test-history",
          caption:
            "One row per data test (ever failing first); one column per run, newest first (audit.data_test_results)",
          sortable: false,
          columns: [
            { key: "test", label: "Test" },
            { key: "model", label: "Model" },
            { key: "severity", label: "Severity" },
            ...runColumns,
            { key: "failures", label: "Failing rows (newest)", format: "int" },
          ],
        })
      }
  </details>`}
    </section>
  `;
}
