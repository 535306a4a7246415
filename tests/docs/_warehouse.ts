/** A small generated dataset, loaded and modelled in a temporary DuckDB file, for docs tests. */
import { join } from "node:path";
import { generateDataset } from "../../lib/generate/mod.ts";
import { loadDataset } from "../../lib/load/mod.ts";
import { runProject, type RunResults } from "../../lib/models/mod.ts";
import { openDuckDb } from "../../lib/warehouse/mod.ts";

/** Paths of a built test warehouse (closed; open it again to read). */
export interface BuiltWarehouse {
  /** Temporary directory holding everything (remove it when done). */
  dir: string;
  /** The DuckDB file. */
  path: string;
  /** run_results.json path and content. */
  runResultsPath: string;
  results: RunResults;
}

/**
 * Generate 300 users over 14 days (seed 7), load them and build every model of `modelsDir`
 * into `<temp>/warehouse.duckdb`; the warehouse is closed on return.
 */
export async function buildSmallWarehouse(
  prefix: string,
  modelsDir = "sql",
): Promise<BuiltWarehouse> {
  const dir = await Deno.makeTempDir({ prefix });
  const dataDir = join(dir, "raw");
  await generateDataset(dataDir, { users: 300, days: 14, seed: 7 });
  const path = join(dir, "warehouse.duckdb");
  const wh = await openDuckDb(path, { threads: 1 });
  try {
    await loadDataset(dataDir, wh);
    const targetDir = join(dir, "target");
    const results = await runProject(wh, { modelsDir, targetDir });
    if (!results.success) throw new Error(`models failed: ${results.errors.join("; ")}`);
    return { dir, path, runResultsPath: join(targetDir, "run_results.json"), results };
  } finally {
    await wh.close();
  }
}

/** Copy a models directory (recursively) to `to`. */
export async function copyDir(from: string, to: string): Promise<void> {
  await Deno.mkdir(to, { recursive: true });
  for await (const entry of Deno.readDir(from)) {
    const source = join(from, entry.name);
    const target = join(to, entry.name);
    if (entry.isDirectory) await copyDir(source, target);
    else if (entry.isFile) await Deno.copyFile(source, target);
  }
}
