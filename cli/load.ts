/**
 * `deno task load [DIR]`: a dataset directory into the warehouse's raw tables.
 *
 * @module
 */
import { PIPELINE_DEFAULTS, runLoadStage } from "../lib/pipeline/mod.ts";
import { openTaskWarehouse, parseTaskArgs, runTask } from "./_common.ts";
import { loadTicker, printLoadDone } from "./_print.ts";

const USAGE = `
Load a dataset directory into the warehouse's raw tables (idempotent: files loaded before
with the same bytes are skipped; a changed file replaces its earlier rows).

usage: deno task load [DIR] [--warehouse FILE] [--prune]

  DIR                 dataset directory (default ${PIPELINE_DEFAULTS.rawDir})
  --warehouse FILE    DuckDB file (default ${PIPELINE_DEFAULTS.warehousePath}, or TERRALOOP_DUCKDB_PATH);
                      TERRALOOP_WAREHOUSE=bigquery loads into BigQuery instead (see README)
  --prune             also remove raw rows of files no longer in DIR
  -h, --help          this help

Exit codes: 0 loaded; 1 a file or the warehouse failed; 2 a wrong flag or setting.
`;

async function main(): Promise<void> {
  const { values, positionals } = parseTaskArgs(
    Deno.args,
    {
      warehouse: { type: "string" },
      prune: { type: "boolean", default: false },
    },
    USAGE,
    { maxPositionals: 1 },
  );
  const warehouse = await openTaskWarehouse({ warehouse: values.warehouse });
  try {
    printLoadDone(
      await runLoadStage(warehouse, {
        dir: positionals[0] ?? PIPELINE_DEFAULTS.rawDir,
        prune: values.prune,
        onProgress: loadTicker(),
      }),
    );
  } finally {
    await warehouse.close();
  }
}

if (import.meta.main) await runTask(main);
