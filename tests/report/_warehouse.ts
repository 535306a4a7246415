/** A small generated dataset, loaded and modelled in a temporary directory, for report tests. */
import { join } from "node:path";
import { generateDataset, type TruthFile } from "../../lib/generate/mod.ts";
import { loadDataset } from "../../lib/load/mod.ts";
import { runProject, type RunResults } from "../../lib/models/mod.ts";
import { type DuckDbWarehouse, openDuckDb } from "../../lib/warehouse/mod.ts";

/** Paths and handles of a built test warehouse. */
export interface SmallWarehouse {
  /** Temporary directory holding everything (remove it when done). */
  dir: string;
  /** The DuckDB file. */
  path: string;
  /** Open warehouse with raw, staging and marts built. */
  wh: DuckDbWarehouse;
  /** The dataset's truth.json path and content. */
  truthPath: string;
  truth: TruthFile;
  /** run_results.json path and content. */
  runResultsPath: string;
  results: RunResults;
}

/** Generate 1,500 users over 28 days (seed 7), load them and build every model. */
export async function smallWarehouse(prefix: string): Promise<SmallWarehouse> {
  const dir = await Deno.makeTempDir({ prefix });
  const dataDir = join(dir, "raw");
  await generateDataset(dataDir, { users: 1500, days: 28, seed: 7 });
  const truthPath = join(dataDir, "truth.json");
  const truth: TruthFile = JSON.parse(await Deno.readTextFile(truthPath));
  const path = join(dir, "warehouse.duckdb");
  const wh = await openDuckDb(path);
  await loadDataset(dataDir, wh);
  const targetDir = join(dir, "target");
  const results = await runProject(wh, { modelsDir: "sql", targetDir });
  if (!results.success) throw new Error(`models failed: ${results.errors.join("; ")}`);
  return {
    dir,
    path,
    wh,
    truthPath,
    truth,
    runResultsPath: join(targetDir, "run_results.json"),
    results,
  };
}
