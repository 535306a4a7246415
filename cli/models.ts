// deno task models [run|compile|test|list] [--select SEL] [--target duckdb|bigquery] ...
import {
  compileProject,
  loadProject,
  type ModelResult,
  type Project,
  type RelationNaming,
  type RunEvent,
  runProject,
  type RunResults,
  selectModels,
  type TestResult,
  untestedKeys,
  writeCompiled,
} from "../lib/models/mod.ts";
import { type Dialect, DIALECTS, relationNamingOf, type Warehouse } from "../lib/warehouse/mod.ts";
import { DEFAULTS, fail, fmtInt, fmtSeconds, openTaskWarehouse, parseTaskArgs } from "./_common.ts";

const USAGE = `
Build the SQL models and run their data tests (like dbt build), or compile, test, list.

usage: deno task models [run|compile|test|list] [options]

  run                     build selected models in DAG order, testing each right after
                          it is built; a failed model or error-severity test skips
                          everything downstream (default command)
  compile                 render every model and test to ${DEFAULTS.targetDir}/compiled/<dialect>/
                          for both dialects (or only --target)
  test                    run the data tests of the selected models on existing tables
  list                    print models in build order with schema, materialisation, parents

  --select SEL            models to act on: name, name+ (and downstream), +name (and
                          upstream), several separated by commas or spaces (default: all)
  --target DIALECT        duckdb (default) or bigquery (default from TERRALOOP_WAREHOUSE);
                          bigquery needs TERRALOOP_BQ_PROJECT (see README)
  --warehouse FILE        DuckDB file (default ${DEFAULTS.warehouse}, or TERRALOOP_DUCKDB_PATH)
  --models-dir DIR        models directory (default ${DEFAULTS.modelsDir})
  --target-dir DIR        where run_results.json and compiled SQL go (default ${DEFAULTS.targetDir})
  --bigquery-project ID   BigQuery project in compiled names (default: none, the job's project)
  --dataset-prefix P      BigQuery dataset prefix: schema marts -> P_marts (default terraloop)
  -h, --help              this help

Exit code 1 when a model fails, an error-severity test fails, or the project is invalid.
`;

const COMMANDS = ["run", "build", "compile", "test", "list"] as const;
type Command = typeof COMMANDS[number];

/** Options shared by the models task and the pipeline task. */
export interface ModelsStageOptions extends RelationNaming {
  /** Models directory. */
  modelsDir?: string;
  /** An already loaded project. */
  project?: Project;
  /** dbt-style selector. */
  select?: string;
  /** `build` or `test`. */
  mode?: "build" | "test";
  /** Where run_results.json goes. */
  targetDir?: string;
}

/** Build (or test) models on `warehouse`, printing progress; shared with the pipeline task. */
export async function runModelsStage(
  warehouse: Warehouse,
  options: ModelsStageOptions = {},
): Promise<RunResults> {
  const targetDir = options.targetDir ?? DEFAULTS.targetDir;
  const results = await runProject(warehouse, {
    ...options,
    modelsDir: options.modelsDir ?? DEFAULTS.modelsDir,
    targetDir,
    onEvent: printEvent,
  });
  console.log(`  results: ${targetDir}/run_results.json`);
  return results;
}

function printEvent(event: RunEvent): void {
  switch (event.type) {
    case "start":
      console.log(
        event.mode === "build"
          ? `Building ${event.models.length} models with ${event.tests} data tests (run ${event.runId})`
          : `Testing ${event.models.length} models: ${event.tests} data tests (run ${event.runId})`,
      );
      break;
    case "model_done":
      console.log(modelLine(event.index, event.total, event.result));
      break;
    case "test_done":
      // Skipped tests are counted in the summary; their model's SKIP line says why.
      if (event.result.status !== "skipped") console.log(testLine(event.result));
      break;
    case "warning":
      console.warn(`  warning: ${event.message}`);
      break;
    case "done":
      printSummary(event.results);
      break;
  }
}

/** `[3/9] staging.stg_events ........ table 998,123 rows 1.42s` */
function modelLine(index: number, total: number, result: ModelResult): string {
  const counter = `[${index}/${total}]`.padEnd(String(total).length * 2 + 3);
  const head = `${counter} ${result.relation} `.padEnd(50, ".");
  if (result.status === "skipped") return `${head} SKIP  ${result.message}`;
  if (result.status === "error") {
    return `${head} ERROR ${fmtSeconds(result.seconds)}\n${indent(result.message ?? "", 6)}`;
  }
  const rows = result.rows === null ? "" : `${fmtInt(result.rows)} rows`;
  return `${head} ${result.materialized.padEnd(5)} ${rows.padStart(14)} ${
    fmtSeconds(result.seconds)
  }`;
}

function testLine(result: TestResult): string {
  const label = { pass: "pass", warn: "WARN", fail: "FAIL", error: "ERROR", skipped: "skip" }[
    result.status
  ];
  let line = `      ${label.padEnd(5)} ${result.name}`;
  if (result.failures) {
    line += ` (${fmtInt(result.failures)} failing row${result.failures === 1 ? "" : "s"})`;
  }
  if (result.message) line += `: ${result.message.split("\n")[0]}`;
  if (result.sample.length > 0 && (result.status === "fail" || result.status === "warn")) {
    // Up to three rows, cut to one screen line each; run_results.json has five, in full.
    line += "\n" +
      result.sample.slice(0, 3).map((row) => `            ${clip(JSON.stringify(row), 110)}`)
        .join("\n");
  }
  return line;
}

function printSummary(results: RunResults): void {
  const m = results.summary.models;
  const t = results.summary.tests;
  const models = results.mode === "build"
    ? `models: ${m.success} built, ${m.error} failed, ${m.skipped} skipped; `
    : "";
  console.log(
    `${results.success ? "✔" : "✘"} ${models}tests: ${t.pass} pass, ${t.warn} warn, ` +
      `${t.fail} fail, ${t.error} error, ${t.skipped} skipped — ${
        fmtSeconds(results.elapsedSeconds)
      }`,
  );
  for (const error of results.errors) console.error(`  ✘ ${error.split("\n").join("\n    ")}`);
}

function clip(text: string, width: number): string {
  return text.length > width ? `${text.slice(0, width - 1)}…` : text;
}

function indent(text: string, width: number): string {
  return text.split("\n").map((line) => " ".repeat(width) + line).join("\n");
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

if (import.meta.main) {
  const { values, positionals } = parseTaskArgs(
    Deno.args,
    {
      select: { type: "string", short: "s" },
      target: { type: "string" },
      warehouse: { type: "string" },
      "models-dir": { type: "string", default: DEFAULTS.modelsDir },
      "target-dir": { type: "string", default: DEFAULTS.targetDir },
      "bigquery-project": { type: "string" },
      "dataset-prefix": { type: "string" },
    },
    USAGE,
    true,
  );
  if (positionals.length > 1) {
    fail(`expected one command, got "${positionals.join(" ")}"\n${USAGE}`);
  }
  const command = (positionals[0] ?? "run") as Command;
  if (!COMMANDS.includes(command)) {
    fail(`unknown command "${command}" (use ${COMMANDS.filter((c) => c !== "build").join(", ")})`);
  }
  const target = values.target as Dialect | undefined;
  if (target !== undefined && !DIALECTS.includes(target)) {
    fail(`--target must be duckdb or bigquery, not "${target}"`);
  }
  const naming: RelationNaming = {
    ...(values["bigquery-project"] ? { bigqueryProject: values["bigquery-project"] } : {}),
    ...(values["dataset-prefix"] !== undefined ? { datasetPrefix: values["dataset-prefix"] } : {}),
  };
  const modelsDir = values["models-dir"]!;
  const targetDir = values["target-dir"]!;
  let project: Project;
  try {
    project = await loadProject(modelsDir);
    if (values.select) selectModels(project, values.select);
  } catch (error) {
    fail(error instanceof Error ? error.message : String(error));
  }

  if (command === "compile") {
    await compileCommand(project, target ? [target] : DIALECTS, naming, targetDir)
      .catch((error) => fail(error instanceof Error ? error.message : String(error)));
  } else if (command === "list") {
    listCommand(project, values.select);
  } else {
    const { warehouse, config } = await openTaskWarehouse({
      target,
      warehouse: values.warehouse,
      bigqueryProject: values["bigquery-project"],
      datasetPrefix: values["dataset-prefix"],
    });
    Object.assign(naming, relationNamingOf(config));
    let results: RunResults;
    try {
      results = await runModelsStage(warehouse, {
        ...naming,
        modelsDir,
        project,
        select: values.select,
        mode: command === "test" ? "test" : "build",
        targetDir,
      });
    } catch (error) {
      fail(error instanceof Error ? error.message : String(error));
    } finally {
      await warehouse.close();
    }
    if (!results.success) Deno.exit(1);
  }
}
