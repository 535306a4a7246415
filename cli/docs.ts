// deno task docs [--warehouse FILE] [--run-results FILE] [--out FILE] [--models-dir DIR]
import { DEFAULT_DOCS_PATH, writeDocs } from "../lib/docs/mod.ts";
import { warehouseConfigFromEnv } from "../lib/warehouse/mod.ts";
import { DEFAULTS, fail, parseTaskArgs, stageLine } from "./_common.ts";

const USAGE = `
Build the data dictionary: one self-contained HTML file (works offline) with the lineage
graph (sources -> staging -> marts), and for every model its description, grain,
materialisation, columns with types and descriptions, data tests with their latest status,
row count and compiled SQL for DuckDB and BigQuery. The warehouse is opened read-only.

usage: deno task docs [--warehouse FILE] [--run-results FILE] [--out FILE] [--models-dir DIR]

  --warehouse FILE     DuckDB file for column types and row counts (default
                       ${DEFAULTS.warehouse}, or TERRALOOP_DUCKDB_PATH); when it does not
                       exist, types come from the YAML and the page says so
  --run-results FILE   the models run's results, for data test statuses
                       (default ${DEFAULTS.targetDir}/run_results.json; a missing file is noted)
  --out FILE           where to write the page (default ${DEFAULT_DOCS_PATH})
  --models-dir DIR     the models directory (default ${DEFAULTS.modelsDir})
  -h, --help           this help
`;

if (import.meta.main) {
  const { values } = parseTaskArgs(Deno.args, {
    warehouse: { type: "string" },
    "run-results": { type: "string", default: `${DEFAULTS.targetDir}/run_results.json` },
    out: { type: "string", default: DEFAULT_DOCS_PATH },
    "models-dir": { type: "string", default: DEFAULTS.modelsDir },
  }, USAGE);
  let warehousePath: string;
  try {
    const config = warehouseConfigFromEnv(Deno.env.toObject(), { warehouse: values.warehouse });
    if (config.kind !== "duckdb") {
      throw new TypeError(
        "Cannot build docs: they read the DuckDB warehouse only, and TERRALOOP_WAREHOUSE " +
          `selects "${config.kind}"; unset it or pass --warehouse FILE`,
      );
    }
    warehousePath = config.path;
  } catch (error) {
    fail(error instanceof Error ? error.message : String(error));
  }
  try {
    const summary = await writeDocs({
      modelsDir: values["models-dir"],
      warehousePath,
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
  } catch (error) {
    fail(error instanceof Error ? error.message : String(error));
  }
}
