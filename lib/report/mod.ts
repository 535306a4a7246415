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
 * import assert from "node:assert/strict";
 * import { buildReport, collectReportData, reportHeadlines } from "./mod.ts";
 * import { runGenerateStage, runLoadStage, runModelsStage } from "../pipeline/mod.ts";
 * import { openDuckDb } from "../warehouse/mod.ts";
 *
 * // `deno task report` reads data/warehouse.duckdb; here a small one is built in memory.
 * const dir = await Deno.makeTempDir();
 * const wh = await openDuckDb(":memory:");
 * await runGenerateStage({ out: dir, users: 2000, days: 14 });
 * await runLoadStage(wh, { dir });
 * await runModelsStage(wh, { targetDir: dir });
 *
 * const data = await collectReportData(wh, { truthPath: `${dir}/truth.json` });
 * await wh.close();
 * await Deno.writeTextFile(`${dir}/report.html`, buildReport(data));
 * assert.equal(reportHeadlines(data).activation.lowest, "Basic");
 * await Deno.remove(dir, { recursive: true });
 * ```
 *
 * @module
 */
export * from "./types.ts";
export * from "./queries.ts";
export * from "./collect.ts";
export * from "./headlines.ts";
export * from "./build.ts";
export * from "./data_health.ts";
