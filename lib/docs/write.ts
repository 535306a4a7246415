/**
 * The docs stage: collect the catalog, draw the lineage, build the page and write it.
 *
 * @module
 */
import { writeTextFileAtomic } from "../html/mod.ts";
import {
  missingWarehouseProblem,
  openWarehouse,
  type Warehouse,
  WAREHOUSE_DEFAULTS,
  type WarehouseConfig,
  warehouseLabel,
} from "../warehouse/mod.ts";
import { buildDocsPage } from "./build.ts";
import { collectDocs, readRunResults } from "./catalog.ts";
import type { DictionaryProblem } from "./dictionary.ts";
import { lineageDot, renderLineageSvg } from "./lineage.ts";

/** Default output file of the docs page. */
export const DEFAULT_DOCS_PATH = "reports/docs.html";

/** Options for {@linkcode writeDocs}. */
export interface WriteDocsOptions {
  /**
   * Models directory.
   * @default {"sql"}
   */
  modelsDir?: string;
  /**
   * An open warehouse to read types and row counts from (only read; not closed here).
   * Takes precedence over `warehouseConfig`.
   * @default {undefined}
   */
  warehouse?: Warehouse;
  /**
   * The warehouse to open read-only for types and row counts; when it does not exist yet
   * (or is `null`) the page takes types from the YAML and says so.
   * @default {{ kind: "duckdb", path: "data/warehouse.duckdb" }}
   */
  warehouseConfig?: WarehouseConfig | null;
  /**
   * The models run's results, for test statuses; a missing file is noted on the page.
   * @default {"target/run_results.json"}
   */
  runResultsPath?: string | null;
  /**
   * Output file.
   * @default {"reports/docs.html"}
   */
  out?: string;
  /**
   * Clock, for reproducible pages in tests.
   * @default {() => new Date()}
   */
  now?: () => Date;
}

/** What {@linkcode writeDocs} wrote. */
export interface WriteDocsSummary {
  /** File written. */
  path: string;
  /** Its size in bytes. */
  bytes: number;
  /** Models documented. */
  models: number;
  /** Source tables documented. */
  sources: number;
  /** Columns documented, over all models. */
  columns: number;
  /** Models found built in the warehouse (`null` without a warehouse). */
  builtModels: number | null;
  /** Data tests with a status from the run results. */
  testsWithStatus: number;
  /** Data dictionary gaps (also listed on the page). */
  problems: DictionaryProblem[];
  /** The page's notes on the warehouse and the run results. */
  notes: string[];
  /** Wall-clock seconds. */
  seconds: number;
}

/**
 * Write the docs page: models, sources, lineage, columns, tests and compiled SQL as one
 * offline HTML file. Never writes to the warehouse.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * // Default: reports/docs.html from data/warehouse.duckdb (read-only) and target/run_results.json
 * const dir = await Deno.makeTempDir();
 * const summary = await writeDocs({
 *   warehouseConfig: { kind: "duckdb", path: `${dir}/missing.duckdb` },
 *   runResultsPath: `${dir}/run_results.json`,
 *   out: `${dir}/docs.html`,
 * });
 * assert.equal(summary.path, `${dir}/docs.html`);
 * assert.equal(summary.builtModels, null); // no warehouse yet: said on the page
 * assert.equal(summary.bytes, (await Deno.stat(`${dir}/docs.html`)).size);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function writeDocs(options: WriteDocsOptions = {}): Promise<WriteDocsSummary> {
  const started = performance.now();
  const out = options.out ?? DEFAULT_DOCS_PATH;
  const modelsDir = options.modelsDir ?? "sql";
  const runResultsPath = options.runResultsPath === undefined
    ? "target/run_results.json"
    : options.runResultsPath;
  const runResults = runResultsPath === null ? null : await readRunResults(runResultsPath);

  const config = options.warehouseConfig === undefined
    ? { kind: "duckdb" as const, path: WAREHOUSE_DEFAULTS.duckdbPath }
    : options.warehouseConfig;
  let warehouse = options.warehouse ?? null;
  let opened: Warehouse | null = null;
  let noWarehouseReason = "no warehouse given";
  if (!warehouse && config !== null) {
    const problem = await missingWarehouseProblem(config);
    if (problem) {
      noWarehouseReason = `${problem}; run \`deno task pipeline\` to build it`;
    } else {
      opened = await openWarehouse(config, { readOnly: true });
      warehouse = opened;
    }
  }
  try {
    const catalog = await collectDocs({
      modelsDir,
      warehouse,
      warehouseLabel: options.warehouse || config === null ? undefined : warehouseLabel(config),
      noWarehouseReason,
      runResults,
      runResultsLabel: runResultsPath ?? undefined,
      noRunResultsReason: runResultsPath === null
        ? "no run results given"
        : `"${runResultsPath}" does not exist`,
      ...(options.now ? { now: options.now } : {}),
    });
    const lineageSvg = await renderLineageSvg(lineageDot(catalog));
    const page = buildDocsPage(catalog, { lineageSvg });
    await writeTextFileAtomic(out, page);
    return {
      path: out,
      bytes: new TextEncoder().encode(page).length,
      models: catalog.models.length,
      sources: catalog.sources.length,
      columns: catalog.models.reduce((sum, model) => sum + model.columns.length, 0),
      builtModels: warehouse ? catalog.models.filter((model) => model.built).length : null,
      testsWithStatus: catalog.models
        .flatMap((model) => model.tests)
        .filter((test) => test.status !== "not run").length,
      problems: catalog.problems,
      notes: [catalog.warehouseNote, catalog.runResultsNote],
      seconds: (performance.now() - started) / 1000,
    };
  } finally {
    await opened?.close();
  }
}
