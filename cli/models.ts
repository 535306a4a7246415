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
  untestedKeys,
  writeCompiled,
} from "../lib/models/mod.ts";
import { PIPELINE_DEFAULTS, runModelsStage } from "../lib/pipeline/mod.ts";
import { type Dialect, DIALECTS, WAREHOUSE_DEFAULTS } from "../lib/warehouse/mod.ts";
import { asUsage, EXIT, openTaskWarehouse, parseTaskArgs, runTask, UsageError } from "./_common.ts";
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
  --target DIALECT        duckdb (default) or bigquery (default from TERRALOOP_WAREHOUSE);
                          bigquery needs TERRALOOP_BQ_PROJECT (see README)
  --warehouse FILE        DuckDB file (default ${D.warehousePath}, or TERRALOOP_DUCKDB_PATH)
  --models-dir DIR        models directory (default ${D.modelsDir})
  --target-dir DIR        where run_results.json and compiled SQL go (default ${D.targetDir})
  --bigquery-project ID   BigQuery project in compiled names (default: none, the job's project)
  --dataset-prefix P      BigQuery dataset prefix: schema marts -> P_marts (default ${WAREHOUSE_DEFAULTS.datasetPrefix})
  -h, --help              this help

Exit codes: 0 success; 1 a model failed, an error-severity test failed, or the project is
invalid; 2 a wrong command, flag, selection or setting.
`;

const COMMANDS = ["run", "build", "compile", "test", "list"] as const;
type Command = typeof COMMANDS[number];

async function main(): Promise<number> {
  const { values, positionals } = parseTaskArgs(
    Deno.args,
    {
      select: { type: "string", short: "s" },
      target: { type: "string" },
      warehouse: { type: "string" },
      "models-dir": { type: "string", default: D.modelsDir },
      "target-dir": { type: "string", default: D.targetDir },
      "bigquery-project": { type: "string" },
      "dataset-prefix": { type: "string" },
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
  const warehouse = await openTaskWarehouse({
    target,
    warehouse: values.warehouse,
    bigqueryProject: values["bigquery-project"],
    datasetPrefix: values["dataset-prefix"],
  });
  try {
    const summary = await runModelsStage(warehouse, {
      modelsDir,
      project,
      select: values.select,
      mode: command === "test" ? "test" : "build",
      targetDir,
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
