// deno task pipeline: generate → load → models (build + data tests) → report.
import { join } from "node:path";
import { GENERATE_FLAGS, generateArgsFromValues, generateDataset } from "../lib/generate/mod.ts";
import { relationNamingOf } from "../lib/warehouse/mod.ts";
import {
  DEFAULTS,
  fail,
  fmtInt,
  fmtRate,
  fmtSeconds,
  openTaskWarehouse,
  parseTaskArgs,
  peakRssMiB,
  progress,
  stageLine,
} from "./_common.ts";
import { runLoadStage } from "./load.ts";
import { renderRelation } from "../lib/models/mod.ts";
import { runModelsStage } from "./models.ts";
import { runReportStage } from "./report.ts";

const USAGE = `
Run every stage in order on the embedded DuckDB warehouse:
generate → load → models (build + data tests) → report.

usage: deno task pipeline [generator options] [--warehouse FILE] [--skip-generate]

  --users N           registry users (default 25000: about 1M events over 90 days)
  --days D            days in the period (default 90)
  --start DATE        first day, YYYY-MM-DD (default 2026-01-01)
  --seed S            random seed (default 42)
  --out DIR           dataset directory (default ${DEFAULTS.rawDir})
  --gzip              write gzipped event files
  --warehouse FILE    DuckDB file (default ${DEFAULTS.warehouse}, or TERRALOOP_DUCKDB_PATH);
                      TERRALOOP_WAREHOUSE=bigquery runs on BigQuery instead (see README)
  --skip-generate     reuse the dataset already in --out
  --target-dir DIR    where run_results.json goes (default ${DEFAULTS.targetDir})
  --report FILE       the HTML report (default ${DEFAULTS.reportsDir}/terraloop-report.html)
  -h, --help          this help

Stops with exit code 1 and names the model and test when an error-severity data test fails.
`;

const { help: _help, ...generateFlags } = GENERATE_FLAGS;
const { values } = parseTaskArgs(Deno.args, {
  ...generateFlags,
  warehouse: { type: "string" },
  "skip-generate": { type: "boolean", default: false },
  "target-dir": { type: "string", default: DEFAULTS.targetDir },
  report: { type: "string", default: `${DEFAULTS.reportsDir}/terraloop-report.html` },
}, USAGE);

let generate;
try {
  generate = generateArgsFromValues(values);
} catch (error) {
  fail(error instanceof Error ? error.message : String(error));
}
const started = performance.now();
// Open the warehouse first: a configuration problem should stop the run before any work.
const { warehouse, config, label } = await openTaskWarehouse({ warehouse: values.warehouse });
const { out } = generate;

if (!values["skip-generate"]) {
  const tick = progress("writing files");
  const summary = await generateDataset(out, {
    ...generate.options,
    onProgress: (p) => {
      if (p.stage === "write") tick(p.done, p.total, p.file ?? "");
    },
  }).catch((error) => fail(error instanceof Error ? error.message : String(error)));
  const c = summary.counts;
  stageLine("generate", [
    `${fmtInt(c.events)} events in ${fmtInt(c.lines)} lines`,
    `${fmtInt(c.users)} users`,
    `${fmtInt(c.listings)} listings`,
    `${fmtInt(c.malformed)} malformed`,
    fmtRate(c.events, summary.seconds).replace("rows", "events"),
    `peak ${peakRssMiB().toFixed(0)} MiB`,
  ], summary.seconds);
}

let exitCode = 0;
try {
  await runLoadStage(out, warehouse, true);

  const modelsStarted = performance.now();
  const targetDir = values["target-dir"]!;
  const results = await runModelsStage(warehouse, { ...relationNamingOf(config), targetDir });
  const built = results.models.filter((m) => m.status === "success");
  const rows = built.reduce((sum, m) => sum + (m.rows ?? 0), 0);
  const failedTests = results.tests.filter((t) => t.status === "fail" || t.status === "error");
  const warned = results.tests.filter((t) => t.status === "warn");
  const modelSeconds = (performance.now() - modelsStarted) / 1000;
  stageLine("models", [
    `${built.length}/${results.models.length} models`,
    `${fmtInt(rows)} rows`,
    `${results.tests.length} tests (${warned.length} warn, ${failedTests.length} failed)`,
    fmtRate(rows, modelSeconds),
  ], modelSeconds);
  if (results.success) {
    const idSync = renderRelation(
      { schema: "marts", name: "mart_id_sync" },
      warehouse.dialect,
      relationNamingOf(config),
    );
    const [sync] = await warehouse.query<Record<string, number>>(`select * from ${idSync}`);
    if (sync) {
      console.log(
        `  ID match with the user registry: ${sync.match_before_pct}% of event rows before ` +
          `trim(upper()), ${sync.match_after_non_orphan_pct}% of non-orphan rows after; ` +
          `${fmtInt(sync.n_orphan_events!)} orphan events kept and flagged`,
      );
    }
  }
  if (!results.success) {
    console.error(
      `\nerror: the pipeline stopped after the models stage:\n  ${results.errors.join("\n  ")}`,
    );
    exitCode = 1;
  } else if (config.kind === "duckdb") {
    await runReportStage(warehouse, {
      truthPath: join(out, "truth.json"),
      runResultsPath: join(targetDir, "run_results.json"),
      out: values.report,
    });
  } else {
    console.log("  report: skipped (the report reads DuckDB marts; BigQuery is not supported yet)");
  }
} catch (error) {
  console.error(`error: ${error instanceof Error ? error.message : String(error)}`);
  exitCode = 1;
} finally {
  await warehouse.close();
}
console.log(
  `${exitCode === 0 ? "✔" : "✘"} pipeline  ${exitCode === 0 ? "done" : "failed"} — ${
    fmtSeconds((performance.now() - started) / 1000)
  } (warehouse ${label})`,
);
Deno.exit(exitCode);
