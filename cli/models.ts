/**
 * `deno task models [run|compile|test|list]`: build the SQL models and run their data tests
 * (like dbt build), or compile, test, list.
 *
 * @module
 */
import {
  compileProject,
  loadProject,
  type Project,
  type RelationNaming,
  selectModels,
  sourcesProblem,
  untestedKeys,
  writeCompiled,
} from "../lib/models/mod.ts";
import {
  dryRunModels,
  type DryRunSummary,
  PIPELINE_DEFAULTS,
  runModelsStage,
} from "../lib/pipeline/mod.ts";
import {
  type Dialect,
  DIALECTS,
  formatBytes,
  missingWarehouseProblem,
} from "../lib/warehouse/mod.ts";
import {
  asUsage,
  BIGQUERY_FLAGS,
  BIGQUERY_USAGE,
  bigQueryFlags,
  EXIT,
  openTaskWarehouse,
  parseTaskArgs,
  runTask,
  taskWarehouseConfig,
  UsageError,
} from "./_common.ts";
import { printModelsEvent, printModelsResults } from "./_print.ts";

const D = PIPELINE_DEFAULTS;

const USAGE = `
Build the SQL models and run their data tests (like dbt build), or compile, test, list.

usage: deno task models [run|compile|test|list] [options]

  run                     build selected models in DAG order, testing each right after
                          it is built; a failed model or error-severity test skips
                          everything downstream (default command)
  compile                 render every model and test to ${D.targetDir}/compiled/<dialect>/
                          for both dialects (or only --target)
  test                    run the data tests of the selected models on existing tables
  list                    print models in build order with schema, materialisation, parents

  --select SEL            models to act on: name, name+ (and downstream), +name (and
                          upstream), several separated by commas or spaces (default: all)
  --dry-run               with run on BigQuery: build nothing; print the bytes each
                          selected model would process (dry-run jobs) and the total; fails
                          when a table is over --maximum-bytes-billed
  --full-refresh          rebuild incremental models in full instead of merging new rows
  --warehouse FILE        DuckDB file (default ${D.warehousePath}, or TERRALOOP_DUCKDB_PATH)
  --models-dir DIR        models directory (default ${D.modelsDir})
  --target-dir DIR        where run_results.json and compiled SQL go (default ${D.targetDir})
${BIGQUERY_USAGE}
                          (compile: --target picks the dialect, --bigquery-project and
                          --dataset-prefix the compiled names)
  -h, --help              this help

Exit codes: 0 success; 1 a model failed, an error-severity test failed, the project is
invalid, or nothing was loaded (no raw tables: run load first); 2 a wrong command, flag, selection or setting.
`;

const COMMANDS = ["run", "build", "compile", "test", "list"] as const;
type Command = typeof COMMANDS[number];

async function main(): Promise<number> {
  const { values, positionals } = parseTaskArgs(
    Deno.args,
    {
      select: { type: "string", short: "s" },
      ...BIGQUERY_FLAGS,
      "dry-run": { type: "boolean", default: false },
      "full-refresh": { type: "boolean", default: false },
      warehouse: { type: "string" },
      "models-dir": { type: "string", default: D.modelsDir },
      "target-dir": { type: "string", default: D.targetDir },
    },
    USAGE,
    { maxPositionals: 1 },
  );
  const command = (positionals[0] ?? "run") as Command;
  if (!COMMANDS.includes(command)) {
    throw new UsageError(
      `unknown command "${command}" (use ${COMMANDS.filter((c) => c !== "build").join(", ")})`,
    );
  }
  const target = values.target as Dialect | undefined;
  if (target !== undefined && !DIALECTS.includes(target)) {
    throw new UsageError(`--target must be duckdb or bigquery, not "${target}"`);
  }
  const modelsDir = values["models-dir"]!;
  const targetDir = values["target-dir"]!;
  const project = await loadProject(modelsDir);
  if (values.select) asUsage(() => selectModels(project, values.select));

  if (command === "compile") {
    const naming: RelationNaming = {
      ...(values["bigquery-project"] ? { bigqueryProject: values["bigquery-project"] } : {}),
      ...(values["dataset-prefix"] !== undefined
        ? { datasetPrefix: values["dataset-prefix"] }
        : {}),
    };
    await compileCommand(project, target ? [target] : DIALECTS, naming, targetDir);
    return EXIT.ok;
  }
  if (command === "list") {
    listCommand(project, values.select);
    return EXIT.ok;
  }
  if (values["dry-run"] && command !== "run" && command !== "build") {
    throw new UsageError(`--dry-run goes with the run command, not "${command}"`);
  }
  const flags = { ...bigQueryFlags(values), warehouse: values.warehouse };
  // A missing DuckDB file is not created: nothing was loaded there.
  // (A dry run on DuckDB is a usage error, said below once the warehouse is open.)
  const problem = values["dry-run"]
    ? null
    : await missingWarehouseProblem(taskWarehouseConfig(flags));
  if (problem) {
    throw new Error(`Cannot ${command} models: no raw tables: run load first (${problem})`);
  }
  const warehouse = await openTaskWarehouse(
    flags,
    values["dry-run"] ? {} : { duckdb: { create: false } },
  );
  if (values["dry-run"]) {
    try {
      if (!warehouse.estimate) {
        throw new UsageError(
          "--dry-run needs BigQuery (--target bigquery or TERRALOOP_WAREHOUSE=bigquery): only " +
            "it estimates the bytes a query processes",
        );
      }
      const summary = await dryRunModels(warehouse, { project, select: values.select });
      printDryRun(summary, warehouse.description);
      return summary.success ? EXIT.ok : EXIT.failure;
    } finally {
      await warehouse.close();
    }
  }
  try {
    const empty = await sourcesProblem(warehouse, project);
    if (empty) throw new Error(`Cannot ${command} models: ${empty}`);
    const summary = await runModelsStage(warehouse, {
      modelsDir,
      project,
      select: values.select,
      mode: command === "test" ? "test" : "build",
      targetDir,
      fullRefresh: values["full-refresh"],
      onProgress: printModelsEvent,
    });
    printModelsResults(summary);
    return summary.success ? EXIT.ok : EXIT.failure;
  } finally {
    await warehouse.close();
  }
}

async function compileCommand(
  project: Project,
  dialects: readonly Dialect[],
  naming: RelationNaming,
  targetDir: string,
): Promise<void> {
  for (const dialect of dialects) {
    const compiled = await compileProject(project, { dialect, ...naming });
    const files = await writeCompiled(compiled, { outDir: `${targetDir}/compiled` });
    console.log(
      `✔ compiled ${compiled.models.length} models and ${compiled.tests.length} tests for ` +
        `${dialect} -> ${targetDir}/compiled/${dialect}/ (${files.length} files)`,
    );
  }
}

function printDryRun(summary: DryRunSummary, warehouse: string): void {
  console.log(`dry run on ${warehouse}: bytes each model would process (nothing is built)`);
  const width = Math.max(...summary.models.map((m) => m.relation.length));
  for (const model of summary.models) {
    const bytes = model.bytesProcessed === null
      ? "not estimated"
      : formatBytes(model.bytesProcessed);
    const note = model.materialized === "view" && model.bytesProcessed !== null
      ? " (a view: processed each time it is read, 0 to build)"
      : "";
    const mark = model.message ? "✘" : "✔";
    console.log(
      `${mark} ${model.relation.padEnd(width)}  ${model.materialized.padEnd(5)}  ${bytes}${note}`,
    );
    if (model.message) console.log(`    ${model.message}`);
  }
  const limit = summary.limit === null ? "no limit" : `limit ${formatBytes(summary.limit)} per job`;
  console.log(`total (tables): ${formatBytes(summary.totalBytes)}; ${limit}`);
  for (const error of summary.errors) console.error(`error: ${error}`);
}

function listCommand(project: Project, select: string | undefined): void {
  const selected = selectModels(project, select);
  const width = Math.max(...selected.map((n) => `${project.models.get(n)!.schema}.${n}`.length));
  for (const name of selected) {
    const model = project.models.get(name)!;
    const tests = project.tests.filter((t) => t.model === name).length;
    const from = [...model.refs, ...model.sources.map((s) => `source:${s}`)].join(", ");
    console.log(
      `${`${model.schema}.${name}`.padEnd(width)}  ${model.materialized.padEnd(5)}  ` +
        `${String(tests).padStart(2)} tests  <- ${from || "(nothing)"}`,
    );
  }
  for (const problem of untestedKeys(project)) console.warn(`  warning: ${problem.message}`);
}

if (import.meta.main) await runTask(main);
