/**
 * `deno task docs`: the data dictionary, one self-contained HTML page with the lineage graph
 * and every model's columns, tests, row count and compiled SQL.
 *
 * @module
 */
import { join } from "node:path";
import { DEFAULT_DOCS_PATH, writeDocs } from "../lib/docs/mod.ts";
import { PIPELINE_DEFAULTS } from "../lib/pipeline/mod.ts";
import { parseTaskArgs, runTask, stageLine, taskWarehouseConfig } from "./_common.ts";

const D = PIPELINE_DEFAULTS;
const RUN_RESULTS = join(D.targetDir, "run_results.json");

const USAGE = `
Build the data dictionary: one self-contained HTML file (works offline) with the lineage
graph (sources -> staging -> marts), and for every model its description, grain,
materialisation, columns with types and descriptions, data tests with their latest status,
row count and compiled SQL for DuckDB and BigQuery. The warehouse is opened read-only.

usage: deno task docs [--warehouse FILE] [--run-results FILE] [--out FILE] [--models-dir DIR]

  --warehouse FILE     DuckDB file for column types and row counts (default
                       ${D.warehousePath}, or TERRALOOP_DUCKDB_PATH); when it does not
                       exist, types come from the YAML and the page says so
  --run-results FILE   the models run's results, for data test statuses
                       (default ${RUN_RESULTS}; a missing file is noted)
  --out FILE           where to write the page (default ${DEFAULT_DOCS_PATH})
  --models-dir DIR     the models directory (default ${D.modelsDir})
  -h, --help           this help

Exit codes: 0 written; 1 the models or YAML cannot be read; 2 a wrong flag or setting.
`;

async function main(): Promise<void> {
  const { values } = parseTaskArgs(Deno.args, {
    warehouse: { type: "string" },
    "run-results": { type: "string", default: RUN_RESULTS },
    out: { type: "string", default: DEFAULT_DOCS_PATH },
    "models-dir": { type: "string", default: D.modelsDir },
  }, USAGE);
  const config = taskWarehouseConfig({ warehouse: values.warehouse });
  const summary = await writeDocs({
    modelsDir: values["models-dir"],
    warehouseConfig: config,
    runResultsPath: values["run-results"],
    out: values.out,
  });
  for (const note of summary.notes) console.log(`  note: ${note}`);
  const gaps = summary.problems.filter((problem) => problem.kind !== "not_built");
  for (const gap of gaps) console.log(`  gap: ${gap.message}`);
  stageLine("docs", [
    summary.path,
    `${(summary.bytes / 1024).toFixed(0)} KiB`,
    `${summary.models} models, ${summary.sources} source table${
      summary.sources === 1 ? "" : "s"
    }, ${summary.columns} columns`,
    summary.builtModels === null
      ? "no warehouse"
      : `${summary.builtModels}/${summary.models} built`,
    `${summary.testsWithStatus} test statuses`,
  ], summary.seconds);
}

if (import.meta.main) await runTask(main);
