// deno task load [DIR] [--warehouse FILE]
import { loadDataset, type LoadDatasetSummary } from "../lib/load/mod.ts";
import type { Warehouse } from "../lib/warehouse/mod.ts";
import {
  DEFAULTS,
  fail,
  fmtInt,
  fmtRate,
  openTaskWarehouse,
  parseTaskArgs,
  peakRssMiB,
  progress,
  stageLine,
} from "./_common.ts";

const USAGE = `
Load a dataset directory into the warehouse's raw tables (idempotent: files loaded before
with the same bytes are skipped; a changed file replaces its earlier rows).

usage: deno task load [DIR] [--warehouse FILE] [--prune]

  DIR                 dataset directory (default ${DEFAULTS.rawDir})
  --warehouse FILE    DuckDB file (default ${DEFAULTS.warehouse}, or TERRALOOP_DUCKDB_PATH);
                      TERRALOOP_WAREHOUSE=bigquery loads into BigQuery instead (see README)
  --prune             also remove raw rows of files no longer in DIR
  -h, --help          this help
`;

/** Load `dir` and print per-stage figures; shared by the load and pipeline tasks. */
export async function runLoadStage(
  dir: string,
  warehouse: Warehouse,
  prune = false,
): Promise<LoadDatasetSummary> {
  const tick = progress("loading files");
  const summary = await loadDataset(dir, warehouse, {
    prune,
    onFile: (result, index, total) => tick(index + 1, total, result.sourceFile),
  });
  const withRejects = summary.files.filter((f) => f.rejected > 0);
  for (const table of new Set(withRejects.map((f) => f.table))) {
    const files = withRejects.filter((f) => f.table === table);
    const lines = files.reduce((sum, f) => sum + f.rejected, 0);
    const where = files.length <= 3
      ? files.map((f) => `${f.sourceFile} (${f.rejected})`).join(", ")
      : `${files.length} files`;
    console.log(`  ${fmtInt(lines)} rejected lines in ${where} -> ${table}_rejected, with reasons`);
  }
  if (summary.pruned.length > 0) {
    console.log(`  removed rows of ${summary.pruned.length} files no longer in ${dir}`);
  }
  stageLine("load", [
    `${summary.files.length} files (${summary.unchanged} unchanged)`,
    `${fmtInt(summary.rows)} rows`,
    `${fmtInt(summary.rejected)} rejected`,
    fmtRate(summary.rows + summary.rejected, summary.seconds),
    `peak ${peakRssMiB().toFixed(0)} MiB`,
  ], summary.seconds);
  return summary;
}

if (import.meta.main) {
  const { values, positionals } = parseTaskArgs(
    Deno.args,
    {
      warehouse: { type: "string" },
      prune: { type: "boolean", default: false },
    },
    USAGE,
    true,
  );
  if (positionals.length > 1) fail(`expected at most one dataset directory\n${USAGE}`);
  const dir = positionals[0] ?? DEFAULTS.rawDir;
  const { warehouse } = await openTaskWarehouse({ warehouse: values.warehouse });
  try {
    await runLoadStage(dir, warehouse, values.prune);
  } catch (error) {
    fail(error instanceof Error ? error.message : String(error));
  } finally {
    await warehouse.close();
  }
}
