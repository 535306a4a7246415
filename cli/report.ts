/**
 * `deno task report`: the stakeholder report, one self-contained HTML file, from the
 * warehouse's marts.
 *
 * @module
 */
import { join } from "node:path";
import { PIPELINE_DEFAULTS, runReportStage } from "../lib/pipeline/mod.ts";
import { missingWarehouseProblem, openWarehouse } from "../lib/warehouse/mod.ts";
import { parseTaskArgs, runTask, taskWarehouseConfig } from "./_common.ts";
import { printReportDone } from "./_print.ts";

const D = PIPELINE_DEFAULTS;
const TRUTH = join(D.rawDir, "truth.json");
const RUN_RESULTS = join(D.targetDir, "run_results.json");

const USAGE = `
Build the stakeholder report: one self-contained HTML file (works offline) with the three
headline findings computed from the marts, retention, activity by region, data health and
the run's parameters and timings.

usage: deno task report [--warehouse FILE] [--truth FILE] [--run-results FILE] [--out FILE]

  --warehouse FILE     DuckDB file with built marts (default ${D.warehousePath},
                       or TERRALOOP_DUCKDB_PATH); TERRALOOP_WAREHOUSE=bigquery reads BigQuery
  --truth FILE         the dataset's truth.json, for seed and scale
                       (default ${TRUTH}; a missing file is noted)
  --run-results FILE   the models run's results, for data tests and model timings
                       (default ${RUN_RESULTS}; else the audit table)
  --out FILE           where to write the report (default ${D.reportPath})
  -h, --help           this help

Exit codes: 0 written; 1 the warehouse or its marts are missing, or a query failed; 2 a wrong
flag or setting.
`;

async function main(): Promise<void> {
  const { values } = parseTaskArgs(Deno.args, {
    warehouse: { type: "string" },
    truth: { type: "string", default: TRUTH },
    "run-results": { type: "string", default: RUN_RESULTS },
    out: { type: "string", default: D.reportPath },
  }, USAGE);
  const config = taskWarehouseConfig({ warehouse: values.warehouse });
  // Opening a missing DuckDB file would create an empty warehouse; say what to run instead.
  const problem = await missingWarehouseProblem(config);
  if (problem) {
    throw new Error(
      `Cannot build report: ${problem}; run \`deno task pipeline\` ` +
        "(or `deno task load` and `deno task models`) first",
    );
  }
  const warehouse = await openWarehouse(config, { readOnly: true });
  try {
    printReportDone(
      await runReportStage(warehouse, {
        truthPath: values.truth,
        runResultsPath: values["run-results"],
        out: values.out,
      }),
    );
  } finally {
    await warehouse.close();
  }
}

if (import.meta.main) await runTask(main);
