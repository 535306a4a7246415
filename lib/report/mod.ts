/**
 * The stakeholder report: one self-contained, offline HTML page with the three headline
 * findings (each a sentence from `lib/insights`, its chart and its table), retention,
 * activity by region, data health, and the run's parameters and timings.
 *
 * Collecting (mart readers and metrics) and rendering (pure) are separate, so the page can
 * be tested on a small hand-made {@linkcode ReportData}. The mart readers (`readFunnelEvents`,
 * `readListings`, …) are the same functions notebooks call.
 *
 * ```ts
 * import { buildReport, collectReportData, reportHeadlines } from "./mod.ts";
 * import { openDuckDb } from "../warehouse/mod.ts";
 *
 * const wh = await openDuckDb("data/warehouse.duckdb");
 * const data = await collectReportData(wh, { truthPath: "data/raw/truth.json" });
 * await wh.close();
 * await Deno.writeTextFile("reports/terraloop-report.html", buildReport(data));
 * reportHeadlines(data).activation.lowest; // "Basic"
 * ```
 *
 * @module
 */
export * from "./types.ts";
export * from "./queries.ts";
export * from "./collect.ts";
export * from "./headlines.ts";
export * from "./build.ts";
