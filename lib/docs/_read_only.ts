/**
 * Open a DuckDB warehouse file for reading only, through the `Warehouse` interface: an
 * in-memory DuckDB that attaches the file `READ_ONLY` and makes it the default catalog, so
 * `marts.fct_events` names the file's table. Many such readers may hold the file at once,
 * and nothing is ever written to it.
 *
 * A stop-gap until `openDuckDb()` takes a read-only option; then this becomes one call.
 *
 * @module
 */
import { openDuckDb, type Warehouse } from "../warehouse/mod.ts";

const CATALOG = "docs_warehouse";

/**
 * Open `path` read-only. Throws an `Error` naming the file when it cannot be attached
 * (missing, not a DuckDB file, or held by a writer).
 */
export async function openReadOnlyDuckDb(path: string): Promise<Warehouse> {
  const warehouse = await openDuckDb(":memory:", { threads: 1 });
  try {
    await warehouse.execute(
      `attach ${warehouse.literal(path)} as ${CATALOG} (read_only); use ${CATALOG}`,
    );
  } catch (error) {
    await warehouse.close();
    const message = error instanceof Error ? error.message : String(error);
    const hint = /lock/i.test(message)
      ? " (another process is writing it, e.g. a running pipeline: wait until it finishes)"
      : "";
    throw new Error(`Cannot open warehouse "${path}" read-only: ${message}${hint}`, {
      cause: error,
    });
  }
  return warehouse;
}
