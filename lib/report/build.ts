/**
 * The stakeholder report as one self-contained HTML page, built from {@linkcode ReportData}
 * alone: no I/O, no clock, so the same data always gives the same page.
 *
 * @module
 */
import {
  affinityHeatmap,
  funnelChart,
  pathsSankey,
  regionalBars,
  retentionHeatmap,
  rollingLines,
} from "../charts/mod.ts";
import {
  type CellFormat,
  formatDate,
  formatNumber,
  formatPValue,
  formatSeconds,
} from "../format/mod.ts";
import { escapeHtml, figureToHtml, html, page, raw, type RawHtml, tableHtml } from "../html/mod.ts";
import {
  activityInsight,
  flowSentence,
  type IdSyncRow,
  idSyncSentence,
  pathsInsight,
  retentionSentence,
} from "../insights/mod.ts";
import { dataHealthSection } from "./data_health.ts";
import { reportHeadlines } from "./headlines.ts";
import type { DataTestRow, RegionalData, ReportData } from "./types.ts";

/** Options for {@linkcode buildReport}. */
export interface BuildReportOptions {
  /**
   * Page title and main heading.
   * @default "TerraLoop marketplace report"
   */
  title?: string;
  /**
   * Tier whose category affinity is the third headline.
   * @default "Pro"
   */
  focusTier?: string;
}

/** Tiers in their natural order (charts and tables put them first, in this order). */
export const TIER_ORDER: readonly string[] = ["Basic", "Pro", "Enterprise"];

/** `id`s of the chart containers, in page order. */
export const REPORT_CHART_IDS = [
  "chart-activation",
  "chart-paths",
  "chart-regional",
  "chart-affinity",
  "chart-retention",
  "chart-rolling",
] as const;

const REPORT_CSS = `
.tl-lede { color: var(--tl-muted); margin-top: -0.25rem; }
.tl-insight { border-left: 4px solid var(--tl-accent); background: var(--tl-stripe);
  padding: 0.6rem 0.9rem; margin: 1rem 0; max-width: 62rem; }
.tl-headlines { padding-left: 1.25rem; }
.tl-headlines li { margin: 0.5rem 0; max-width: 62rem; }
.tl-callout { border: 1px solid var(--tl-border); border-left: 4px solid var(--tl-border);
  border-radius: 4px; padding: 0.5rem 0.9rem; margin: 1rem 0; max-width: 62rem; }
.tl-callout ul { margin: 0.25rem 0; padding-left: 1.25rem; }
.tl-callout-ok { border-left-color: #009e73; }
.tl-callout-warn { border-left-color: #e69f00; }
.tl-callout-fail { border-left-color: #d55e00; }
.tl-callout strong { font-weight: 600; }
.tl-kv { display: grid; grid-template-columns: max-content 1fr; gap: 0.2rem 1.25rem;
  margin: 1rem 0; }
.tl-kv dt { color: var(--tl-muted); }
.tl-kv dd { margin: 0; font-variant-numeric: tabular-nums; }
.tl-toc { columns: 2; max-width: 40rem; }
details > summary { cursor: pointer; color: var(--tl-accent); margin: 0.5rem 0; }
@media print { .tl-toc { display: none; } details > summary { display: none; } }
`;

const PCT: CellFormat = "pct:1";
const FIXED2: CellFormat = "fixed:2";

function _status(value: unknown): string {
  const s = String(value);
  const mark = s === "pass" || s === "success"
    ? "✔"
    : s === "warn"
    ? "⚠"
    : s === "skipped"
    ? "–"
    : "✘";
  return `${mark} ${s}`;
}

function _yesNo(value: unknown): string {
  return value ? "yes" : "no";
}

function _datetime(iso: string | null): string {
  if (!iso) return "n/a";
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : `${formatDate(d, true)} UTC`;
}

function _seconds(s: number | null): string {
  return s === null ? "n/a" : formatSeconds(s);
}

/**
 * Render the whole report: three computed headlines (sentence, chart, table), retention,
 * rolling activity per region, data health, the run's parameters and timings. Every string
 * from data is escaped; plotly.js is inlined once by `page()`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { runGenerateStage, runLoadStage, runModelsStage } from "../pipeline/mod.ts";
 * import { openDuckDb } from "../warehouse/mod.ts";
 * import { collectReportData } from "./collect.ts";
 *
 * const dir = await Deno.makeTempDir();
 * const wh = await openDuckDb(":memory:");
 * await runGenerateStage({ out: dir, users: 500, days: 7 });
 * await runLoadStage(wh, { dir });
 * await runModelsStage(wh, { targetDir: dir });
 *
 * const data = await collectReportData(wh, { truthPath: `${dir}/truth.json` });
 * const html = buildReport(data, { title: "Week one" });
 * await Deno.writeTextFile(`${dir}/report.html`, html); // `deno task report`: reports/…
 * assert.ok(html.includes("<title>Week one</title>"));
 * await wh.close();
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export function buildReport(data: ReportData, options: BuildReportOptions = {}): string {
  const title = options.title ?? "TerraLoop marketplace report";
  const focusTier = options.focusTier ?? "Pro";
  const { activation, regional, affinity } = reportHeadlines(data, { focusTier });
  const p = data.parameters;
  const period = p.dataset
    ? `${p.dataset.start} to ${p.dataset.end} (exclusive), ${formatNumber(p.dataset.days)} days, ${
      formatNumber(p.dataset.users)
    } registered users`
    : `events from ${_datetime(p.eventsFrom)} to ${_datetime(p.eventsTo)}`;

  const body = html`
    <header>
      <h1>${title}</h1>
      <p class="tl-lede">${period}. Generated ${_datetime(p.generatedAt)} from <code>${p
        .warehouse}</code>.</p>
    </header>
    <nav class="tl-toc" aria-label="Contents">
      <ol>
        <li><a href="#activation">Activation gap by tier</a></li>
        <li><a href="#paths">Where users go after a session starts</a></li>
        <li><a href="#regions">Regional dominance</a></li>
        <li><a href="#affinity">Category affinity</a></li>
        <li><a href="#retention">Retention</a></li>
        <li><a href="#activity">Activity by region</a></li>
        <li><a href="#health">Data health</a></li>
        ${data.history?.runs.length
          ? html`<li><a href="#history">Tests and checks across runs</a></li>`
          : ""}
        <li><a href="#run">Run parameters and timing</a></li>
      </ol>
    </nav>
    <section id="headlines" aria-label="Headlines">
      <h2>Headlines</h2>
      <ol class="tl-headlines">
        <li>${activation.sentence}</li>
        <li>${regional.sentence}</li>
        <li>${affinity.sentence}</li>
      </ol>
      <p class="tl-muted">Every number above is computed from the warehouse when the report is
      built; intervals are 95%. Each finding has its chart and the table behind it below.</p>
    </section>
    ${_activationSection(data, activation.sentence, activation.title)}
    ${_pathsSection(data, activation.lowest)}
    ${_regionalSection(data, regional.sentence, regional.title)}
    ${_affinitySection(data, affinity.sentence, affinity.title)}
    ${_retentionSection(data)}
    ${_activitySection(data.rolling)}
    ${_healthSection(data)}
    ${dataHealthSection(data.history)}
    ${_runSection(data)}
  `;
  return page({ title, body, head: html`<style>${REPORT_CSS}</style>` });
}

function _activationSection(data: ReportData, sentence: string, title: string): RawHtml {
  const a = data.activation;
  const steps = a.steps.join(" → ");
  return html`
    <section id="activation">
      <h2>1. Activation gap by tier</h2>
      <p class="tl-insight">${sentence}</p>
      <p>Funnel ${steps}, ordered, each step within ${a.windowDays} days of the user's
      <code>${a.steps[0] ?? ""}</code>; clean events of registry users (orphans excluded). A user
      counts once, in their tier; bars show the share of the tier's first-step users reaching
      each step, with 95% Wilson intervals.</p>
      ${figureToHtml(
        funnelChart(a.funnel, {
          by: "tier",
          order: TIER_ORDER,
          legendTitle: "Tier",
          title,
          subtitle: `Share of each tier's ${a.steps[0] ?? "first-step"} users reaching each step ` +
            `within ${a.windowDays} days; bars show 95% intervals`,
        }),
        { id: "chart-activation" },
      )}
      ${tableHtml(a.funnel, {
        id: "table-activation",
        caption: "One row per tier and funnel step",
        columns: [
          { key: "tier", label: "Tier" },
          { key: "step", label: "Step", format: "int" },
          { key: "label", label: "Event" },
          { key: "users", label: "Users", format: "int" },
          { key: "conversion_pct", label: "% of step 1", format: PCT },
          { key: "conversion_ci_low", label: "95% CI low", format: PCT },
          { key: "conversion_ci_high", label: "95% CI high", format: PCT },
          { key: "step_conversion_pct", label: "% of previous step", format: PCT },
        ],
      })}
    </section>
  `;
}

function _pathsSection(data: ReportData, lowest: string | null): RawHtml {
  const p = data.paths;
  const a = data.activation;
  const tiers = TIER_ORDER.filter((t) => p.rows.some((r) => r.tier === t));
  // The Sankey follows the tier that activates least (headline 1), read from the numbers.
  const focus = lowest !== null && tiers.includes(lowest) ? lowest : tiers[0] ?? null;
  const insight = pathsInsight({
    paths: p.rows,
    breakdown: "tier",
    groups: focus ? [focus, ...tiers.filter((t) => t !== focus)] : tiers,
    top: 3,
    compare: a.activationStep,
  });
  const focusRows = focus ? p.rows.filter((r) => r.tier === focus) : [];
  return html`
    <section id="paths">
      <h2>Where users go after ${p.start}</h2>
      <p class="tl-insight">${insight.sentence}</p>
      <p>In each session, the ${p.steps} events after the session's first <code>${p
        .start}</code> (repeats of one event in a row merged); a journey ends with its session.
      Shares are of the tier's users at the step the edge leaves (distinct users: one with
      several sessions counts once per edge). Edges taken by fewer than ${p.minEdgeUsers} users
      are left out.</p>
      ${figureToHtml(
        pathsSankey(focusRows, {
          title: focus ? `After ${p.start}: the paths of ${focus} users` : "User paths",
          subtitle: `The ${p.steps} events after ${p.start} in a session; link width = users`,
        }),
        { id: "chart-paths" },
      )}
      <details>
        <summary>Table: one row per tier and edge</summary>
        ${tableHtml(p.rows, {
          id: "table-paths",
          caption: "One row per tier and edge between consecutive positions",
          columns: [
            { key: "tier", label: "Tier" },
            { key: "step", label: "From position", format: "int" },
            { key: "source", label: "From" },
            { key: "target", label: "To (empty: session ends)" },
            { key: "users", label: "Users", format: "int" },
            { key: "node_users", label: "Users at “From”", format: "int" },
            { key: "share_pct", label: "Share", format: PCT },
          ],
        })}
      </details>
    </section>
  `;
}

function _regionalSection(data: ReportData, sentence: string, title: string): RawHtml {
  return html`
    <section id="regions">
      <h2>2. Regional dominance</h2>
      <p class="tl-insight">${sentence}</p>
      <p>Density: published listings of the region's sellers per active user (a registry user
      with at least one clean event), with a 95% Poisson score interval. Eco impact: mean
      eco-score (kg CO₂e avoided) of the region's published listings, with a 95% t interval.</p>
      ${figureToHtml(
        regionalBars(data.regions.density, data.regions.ecoImpact, {
          title,
          subtitle: "Bars: 95% intervals",
          density: {
            title: "Published listings per active user",
            measure: "per_user",
            valueLabel: "Listings per active user",
          },
          eco: { title: "kg CO₂e avoided per published listing" },
        }),
        { id: "chart-regional" },
      )}
      ${tableHtml(_regionTable(data.regions), {
        id: "table-regions",
        caption: "One row per region; CI = 95% interval of the value to its left",
        columns: [
          { key: "region", label: "Region" },
          { key: "n_users", label: "Users", format: "int" },
          { key: "n_active_users", label: "Active", format: "int" },
          { key: "n_listings", label: "Published", format: "int" },
          { key: "listings_per_user", label: "Per active user", format: FIXED2 },
          { key: "listings_per_user_ci_low", label: "CI low", format: FIXED2 },
          { key: "listings_per_user_ci_high", label: "CI high", format: FIXED2 },
          { key: "listings_per_1000_users", label: "Per 1k active", format: "int" },
          { key: "mean_eco_score_kg_co2e", label: "kg CO₂e / listing", format: "fixed:1" },
          { key: "mean_ci_low_kg_co2e", label: "CI low", format: "fixed:1" },
          { key: "mean_ci_high_kg_co2e", label: "CI high", format: "fixed:1" },
          { key: "total_eco_score_kg_co2e", label: "kg CO₂e total", format: "int" },
        ],
      })}
      <h3>Published listings with the largest eco-score</h3>
      ${data.topListings.length === 0
        ? html`<p class="tl-muted">No published listings.</p>`
        : tableHtml(data.topListings, {
          id: "table-top-listings",
          caption: "One row per listing, as titled by the seller",
          columns: [
            { key: "listing_id", label: "Listing" },
            { key: "title", label: "Title" },
            { key: "category", label: "Category" },
            { key: "region", label: "Region" },
            { key: "tier", label: "Tier" },
            { key: "weight_kg", label: "Weight (kg)", format: "fixed:1" },
            { key: "eco_score_kg_co2e", label: "kg CO₂e avoided", format: "fixed:1" },
          ],
        })}
    </section>
  `;
}

/**
 * One table row per region: registry users, then `regionalDensity()`'s columns, then the
 * eco-impact columns, under their analytics names (the density's `n_listings` is the one
 * shown: published listings).
 */
function _regionTable(regions: RegionalData): Record<string, unknown>[] {
  const users = new Map(regions.users.map((r) => [r.region, r.n_users]));
  const eco = new Map(regions.ecoImpact.map((r) => [r.region, r]));
  const density = new Map(regions.density.map((r) => [r.region, r]));
  const names = [...new Set([...density.keys(), ...eco.keys()])].sort();
  return names.map((region) => {
    const d = density.get(region);
    const e = eco.get(region);
    return {
      region,
      n_users: users.get(region) ?? 0,
      n_active_users: d?.n_active_users ?? 0,
      n_listings: d?.n_listings ?? 0,
      listings_per_user: d?.listings_per_user ?? null,
      listings_per_user_ci_low: d?.listings_per_user_ci_low ?? null,
      listings_per_user_ci_high: d?.listings_per_user_ci_high ?? null,
      listings_per_1000_users: d?.listings_per_1000_users ?? null,
      mean_eco_score_kg_co2e: e?.mean_eco_score_kg_co2e ?? null,
      mean_ci_low_kg_co2e: e?.mean_ci_low_kg_co2e ?? null,
      mean_ci_high_kg_co2e: e?.mean_ci_high_kg_co2e ?? null,
      total_eco_score_kg_co2e: e?.total_eco_score_kg_co2e ?? 0,
    };
  });
}

function _affinitySection(data: ReportData, sentence: string, title: string): RawHtml {
  return html`
    <section id="affinity">
      <h2>3. Category affinity</h2>
      <p class="tl-insight">${sentence}</p>
      <p>All listings (published or not) by the seller's tier. Lift = the category's share of
      the tier's listings ÷ its share of all listings; 1 means no affinity. Intervals: delta
      method on log(lift); p-value: two-proportion z-test of the tier against the other tiers.</p>
      ${figureToHtml(
        affinityHeatmap(data.affinity, { title, rowOrder: TIER_ORDER }),
        { id: "chart-affinity" },
      )}
      ${tableHtml(data.affinity, {
        id: "table-affinity",
        caption: "One row per tier and category",
        columns: [
          { key: "tier", label: "Tier" },
          { key: "category", label: "Category" },
          { key: "n", label: "Listings", format: "int" },
          { key: "group_total", label: "Tier listings", format: "int" },
          { key: "share", label: "Share in tier", format: "share:1" },
          { key: "overall_share", label: "Share overall", format: "share:1" },
          { key: "lift", label: "Lift", format: FIXED2 },
          { key: "lift_ci_low", label: "95% CI low", format: FIXED2 },
          { key: "lift_ci_high", label: "95% CI high", format: FIXED2 },
          { key: "p_value", label: "p-value", format: formatPValue },
        ],
      })}
    </section>
  `;
}

function _retentionSection(data: ReportData): RawHtml {
  const r = data.retention;
  return html`
    <section id="retention">
      <h2>Retention</h2>
      <p class="tl-insight">${retentionSentence(r.rows, { unit: "week" })}</p>
      <p>Weekly first-time cohorts: a user's cohort is the (Monday-starting, UTC) week of their
      first clean event; week k counts cohort users with any event in the k-th week after it,
      up to ${r.intervals - 1} weeks. Weeks that had not started by the end of the data are
      left out.</p>
      ${figureToHtml(
        retentionHeatmap(r.rows, {
          title: "Weekly retention of first-time cohorts",
          subtitle: "Users active in each week since their first, as % of the cohort",
        }),
        { id: "chart-retention" },
      )}
      <details>
        <summary>Table: one row per cohort and week</summary>
        ${tableHtml(r.rows, {
          id: "table-retention",
          caption: "One row per cohort and week since the cohort week",
          columns: [
            { key: "cohort", label: "Cohort week", format: "date" },
            { key: "cohort_size", label: "Cohort users", format: "int" },
            { key: "period", label: "Week", format: "int" },
            { key: "users", label: "Active users", format: "int" },
            { key: "retention_pct", label: "Retention", format: PCT },
            { key: "is_complete", label: "Complete", format: _yesNo },
          ],
        })}
      </details>
    </section>
  `;
}

function _activitySection(rows: ReportData["rolling"]): RawHtml {
  return html`
    <section id="activity">
      <h2>Activity by region</h2>
      <p>Daily active users (registry users with any clean event that day, UTC) per region; lines
      are the trailing 7-day mean, dots the daily values. Days without activity count as zero.</p>
      ${figureToHtml(
        rollingLines(rows, {
          by: "region",
          title: activityInsight(rows, { by: "region" }).title,
          valueLabel: "Active users per day",
          rollingLabel: "7-day mean",
        }),
        { id: "chart-rolling" },
      )}
    </section>
  `;
}

function _testsCallout(tests: readonly DataTestRow[]): RawHtml {
  const failed = tests.filter((t) => t.status === "fail" || t.status === "error");
  const warned = tests.filter((t) => t.status === "warn");
  const skipped = tests.filter((t) => t.status === "skipped");
  const passed = tests.filter((t) => t.status === "pass");
  if (tests.length === 0) {
    return html`<div class="tl-callout tl-callout-warn" role="note"><strong>No data test
      results found.</strong> Run <code>deno task models</code> to build and test the
      models.</div>`;
  }
  const item = (t: DataTestRow) => {
    // A plain template: \`deno fmt\` reflows html\`\` templates, which would split " on".
    const where = t.model ? raw(` on <code>${escapeHtml(t.model)}</code>`) : "";
    const what = t.failures === null
      ? (t.message ?? "did not run")
      : `${formatNumber(t.failures)} failing rows`;
    const status = _status(t.status);
    const tail = `: ${what} (severity ${t.severity})`;
    return html`<li><strong>${status}</strong> ${t.name}${where}${tail}</li>`;
  };
  const summary = `${formatNumber(passed.length)} passed, ${formatNumber(warned.length)} ` +
    `warned, ${formatNumber(failed.length)} failed, ${formatNumber(skipped.length)} skipped ` +
    `of ${formatNumber(tests.length)} data tests.`;
  const kind = failed.length > 0 ? "fail" : warned.length > 0 ? "warn" : "ok";
  const issues = [...failed, ...warned, ...skipped];
  return html`<div class="tl-callout tl-callout-${kind}" role="${
    kind === "ok" ? "note" : "alert"
  }" id="tests-summary">
    <strong>${summary}</strong>
    ${issues.length > 0 ? html`<ul>${issues.map(item)}</ul>` : ""}
  </div>`;
}

function _idSyncTable(row: IdSyncRow): RawHtml {
  const share = (n: number) => row.n_events > 0 ? (n / row.n_events) * 100 : null;
  return tableHtml([
    { measure: "Clean event rows", rows: row.n_events, pct: share(row.n_events) },
    {
      measure: "Matching the registry as delivered",
      rows: row.n_matched_before,
      pct: row.match_before_pct,
    },
    {
      measure: "Matching after trim and upper-case",
      rows: row.n_matched_after,
      pct: row.match_after_pct,
    },
    {
      measure: "Matching neither way (orphans, kept and flagged)",
      rows: row.n_orphan_events,
      pct: share(row.n_orphan_events),
    },
  ], {
    id: "table-id-sync",
    caption: "mart_id_sync: clean event rows by user-id match",
    sortable: false,
    columns: [
      { key: "measure", label: "Rows" },
      { key: "rows", label: "Count", format: "int" },
      { key: "pct", label: "% of clean rows", format: "pct:2" },
    ],
  });
}

function _healthSection(data: ReportData): RawHtml {
  const h = data.health;
  const total = h.outcomes.reduce((s, r) => s + r.n_rows, 0);
  const outcomes = h.outcomes.map((r) => ({
    ...r,
    share_pct: total > 0 ? (r.n_rows / total) * 100 : null,
  }));
  const source = h.testSource;
  const sourceText = source.kind === "none"
    ? "No data test results were found (no run_results.json and no audit table)."
    : `Data tests from ${source.kind === "run_results" ? "run_results.json" : "the audit table"} ${
      source.location ?? ""
    }, run ${source.runId ?? "n/a"} at ${_datetime(source.runAt)}.`;
  const order: Record<string, number> = { fail: 0, error: 1, warn: 2, skipped: 3, pass: 4 };
  const tests = [...h.tests].sort((a, b) =>
    (order[a.status] ?? 5) - (order[b.status] ?? 5) || a.name.localeCompare(b.name)
  );
  return html`
    <section id="health">
      <h2>Data health</h2>
      <h3>Where every event line went</h3>
      <p class="tl-insight">${flowSentence(h.outcomes)}</p>
      ${outcomes.length === 0 ? "" : tableHtml(outcomes, {
        id: "table-outcomes",
        caption: "One row per stage, outcome and reason (mart_pipeline_health)",
        columns: [
          { key: "stage", label: "Stage" },
          { key: "outcome", label: "Outcome" },
          { key: "reason", label: "Reason" },
          { key: "n_rows", label: "Event lines", format: "int" },
          { key: "share_pct", label: "% of lines", format: "pct:2" },
        ],
      })}
      <h3>User-id match before and after standardisation</h3>
      <p class="tl-insight">${idSyncSentence(h.idSync)}</p>
      ${h.idSync === null ? "" : _idSyncTable(h.idSync)}
      <h3>Data tests</h3>
      ${_testsCallout(h.tests)}
      <p class="tl-muted">${sourceText}</p>
      ${tests.length === 0 ? "" : html`<details>
    <summary>Table: all ${formatNumber(tests.length)} data tests</summary>
    ${
        tableHtml(tests, {
          id: "table-tests",
          caption: "One row per data test; problems first",
          columns: [
            { key: "status", label: "Status", format: _status },
            { key: "name", label: "Test" },
            { key: "model", label: "Model" },
            { key: "severity", label: "Severity" },
            { key: "failures", label: "Failing rows", format: "int" },
            { key: "message", label: "Message" },
          ],
        })
      }
  </details>`}
      <h3>Rows per table, raw → staging → marts</h3>
      ${h.tables.length === 0
        ? html`<p class="tl-muted">No tables found.</p>`
        : tableHtml(h.tables, {
          id: "table-layers",
          caption: "One row per warehouse table",
          columns: [
            { key: "layer", label: "Layer" },
            { key: "table", label: "Table" },
            { key: "rows", label: "Rows", format: "int" },
          ],
        })}
    </section>
  `;
}

function _runSection(data: ReportData): RawHtml {
  const p = data.parameters;
  const d = p.dataset;
  const t = data.timing;
  const dataset = d
    ? html`
      <dt>Seed</dt>
      <dd>${d.seed}</dd>
      <dt>Users</dt>
      <dd>${formatNumber(d.users)}</dd>
      <dt>Days</dt>
      <dd>${formatNumber(d.days)}</dd>
      <dt>Start</dt>
      <dd>${d.start}</dd>
      <dt>End (exclusive)</dt>
      <dd>${d.end}</dd>
      <dt>Generator</dt>
      <dd>${d.generator}</dd>
      <dt>truth.json</dt>
      <dd><code>${p.truthPath}</code></dd>
    `
    : html`
      <dt>Seed and scale</dt>
      <dd>unknown: ${p.datasetProblem ?? "truth.json not read"}</dd>
    `;
  return html`
    <section id="run">
      <h2>Run parameters and timing</h2>
      <dl class="tl-kv">
        ${dataset}
        <dt>Warehouse</dt><dd><code>${p.warehouse}</code></dd>
        <dt>Clean events</dt><dd>${_datetime(p.eventsFrom)} to ${_datetime(p.eventsTo)}</dd>
        <dt>Generated at</dt><dd>${_datetime(p.generatedAt)}</dd>
        <dt>Report queries and metrics</dt><dd>${_seconds(t.collectSeconds)}</dd>
        <dt>Models run</dt><dd>${t.modelsSeconds === null
          ? "no run_results.json for this warehouse"
          : `${_seconds(t.modelsSeconds)} for ${t.models.length} model${
            t.models.length === 1 ? "" : "s"
          }`}</dd>
      </dl>
      ${tableHtml(t.parts, {
        id: "table-report-timing",
        caption: "Time per report part (queries and Polars metrics)",
        columns: [
          { key: "part", label: "Part" },
          { key: "seconds", label: "Seconds", format: FIXED2 },
        ],
      })}
      ${t.models.length === 0 ? "" : tableHtml(t.models, {
        id: "table-model-timing",
        caption: "One row per model, in build order (target/run_results.json)",
        columns: [
          { key: "name", label: "Model" },
          { key: "materialized", label: "Materialised as" },
          { key: "status", label: "Status", format: _status },
          { key: "rows", label: "Rows", format: "int" },
          { key: "seconds", label: "Seconds", format: FIXED2 },
        ],
      })}
    </section>
  `;
}
