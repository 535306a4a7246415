// `deno task pipeline` as a user runs it: every stage, then a failing data test stops it.
import assert from "node:assert/strict";
import { join } from "node:path";
import {
  DEFAULT_DAYS,
  DEFAULT_SEED,
  DEFAULT_START,
  DEFAULT_USERS,
} from "../../lib/generate/mod.ts";
import { PIPELINE_DEFAULTS } from "../../lib/pipeline/mod.ts";
import { cliEnv } from "../_env.ts";

async function pipeline(cwd: string, ...args: string[]) {
  const script = new URL("../../cli/pipeline.ts", import.meta.url).pathname;
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", script, ...args],
    cwd,
    clearEnv: true,
    env: cliEnv(),
  }).output();
  const decode = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
  return { code: output.code, stdout: decode(output.stdout), stderr: decode(output.stderr) };
}

Deno.test("deno task pipeline runs generate, load, models and report, then stops on a failing error test", async (t) => {
  const dir = await Deno.makeTempDir({ prefix: "terraloop-pipeline-" });
  // The models and report code read sql/ and node_modules relative to the project root.
  const root = new URL("../../", import.meta.url).pathname;
  const raw = join(dir, "raw");
  const warehouse = join(dir, "warehouse.duckdb");
  const paths = [
    "--out",
    raw,
    "--warehouse",
    warehouse,
    "--target-dir",
    join(dir, "target"),
    "--report",
    join(dir, "report.html"),
  ];
  try {
    await t.step("a small run prints one line per stage and writes the report", async () => {
      const { code, stdout, stderr } = await pipeline(
        root,
        "--users",
        "600",
        "--days",
        "14",
        ...paths,
      );
      assert.equal(code, 0, stderr);
      assert.ok((await Deno.stat(join(dir, "report.html"))).size > 1_000_000);
      assert.ok((await Deno.stat(join(dir, "target", "run_results.json"))).isFile);
      for (
        const stage of ["generate", "load", "models", "checks", "report", "alerts", "pipeline"]
      ) {
        assert.match(stdout, new RegExp(`✔ ${stage}\\s`), `missing stage line for ${stage}`);
      }
      assert.match(stdout, /rows\/s/);
      assert.match(stdout, /rejected/);
    });

    await t.step("a second run with nothing new says which models were up to date", async () => {
      const { code, stdout, stderr } = await pipeline(root, "--skip-generate", ...paths);
      assert.equal(code, 0, stderr);
      assert.match(stdout, /staging\.stg_users \.+ table\s+600 rows \d+\.\d\d s {2}up to date/);
      assert.match(stdout, /✔ models: 12 built \(8 up to date\), 0 failed/);
    });

    await t.step(
      "an error-severity test failure stops the run with exit 1, naming model and test",
      async () => {
        const users = await Deno.readTextFile(join(raw, "users.csv"));
        const lines = users.split("\n");
        lines[1] = lines[1]!.replace(/,(Basic|Pro|Enterprise),/, ",Platinum,");
        await Deno.writeTextFile(join(raw, "users.csv"), lines.join("\n"));
        const { code, stdout, stderr } = await pipeline(root, "--skip-generate", ...paths);
        assert.equal(code, 1);
        assert.match(stderr, /error: the pipeline failed:/);
        assert.match(stderr + stdout, /accepted_values_stg_users_tier/);
        assert.doesNotMatch(stdout, /✔ report/);
        assert.match(stdout, /✘ pipeline/);
        // Without SLACK_WEBHOOK_URL the run's alert is printed: the failing test, by model.
        assert.match(stdout, /TerraLoop pipeline: 1 failing/);
        assert.match(
          stdout,
          /stg_users\n\s+✗ accepted_values_stg_users_tier \(error\): 1 failing row/,
        );
      },
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

/** Runs a task entry point from the project root, without the caller's TERRALOOP_* settings. */
async function task(file: string, args: string[], env: Record<string, string> = {}) {
  const root = new URL("../../", import.meta.url).pathname;
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", join(root, "cli", file), ...args],
    cwd: root,
    clearEnv: true,
    env: cliEnv(env),
  }).output();
  const decode = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
  return { code: output.code, stdout: decode(output.stdout), stderr: decode(output.stderr) };
}

Deno.test("deno task pipeline --help takes every default from the constants the code uses", async () => {
  const { code, stdout } = await task("pipeline.ts", ["--help"]);
  assert.equal(code, 0);
  const D = PIPELINE_DEFAULTS;
  assert.equal(D.users, DEFAULT_USERS);
  for (
    const [flag, value] of [
      ["--users N", DEFAULT_USERS],
      ["--days D", DEFAULT_DAYS],
      ["--start DATE", DEFAULT_START],
      ["--seed S", DEFAULT_SEED],
      ["--out DIR", D.rawDir],
      ["--warehouse FILE", D.warehousePath],
      ["--target-dir DIR", D.targetDir],
      ["--report FILE", D.reportPath],
    ] as const
  ) {
    const line = stdout.split("\n").find((l) => l.trimStart().startsWith(flag));
    assert.ok(line, `no help line for ${flag}`);
    assert.ok(line.includes(`(default ${value}`), `${flag}: ${line}`);
  }
  // Observability: the anomaly flag, the checks' time and the alert settings.
  for (
    const text of ["--plant-anomaly KIND:EVENT:DATE:FACTOR", "--checks-now TIME", "--no-alerts"]
  ) {
    assert.ok(stdout.includes(text), `help does not mention ${text}`);
  }
  assert.match(
    stdout,
    /--suppression-hours H\n\s+hours an unchanged failure is not alerted again \(default\s+24,/,
  );
  for (
    const setting of [
      "SLACK_WEBHOOK_URL",
      "TERRALOOP_CHECKS_NOW",
      "TERRALOOP_ALERT_SUPPRESSION_HOURS",
    ]
  ) {
    assert.ok(stdout.includes(setting), `help does not mention ${setting}`);
  }
});

Deno.test("every task exits 2 on a wrong flag or setting and 1 when the run fails", async (t) => {
  const dir = await Deno.makeTempDir({ prefix: "tl-exit-codes-" });
  try {
    const usage: [string, string[], RegExp][] = [
      ["pipeline.ts", ["--nope"], /Unknown flag "--nope"/],
      ["pipeline.ts", ["--users", "many"], /--users must be a positive integer, got "many"/],
      ["pipeline.ts", ["--checks-now", "yesterday"], /--checks-now must be an ISO-8601 time/],
      [
        "pipeline.ts",
        ["--suppression-hours=-1"],
        /--suppression-hours must be a number of hours ≥ 0/,
      ],
      ["generate.ts", ["--days", "0"], /--days/],
      ["load.ts", ["a", "b"], /Unexpected argument "b"/],
      ["models.ts", ["frobnicate"], /unknown command "frobnicate"/],
      ["models.ts", ["--target", "oracle"], /--target must be duckdb or bigquery/],
      ["report.ts", ["--bogus"], /Unknown flag "--bogus"/],
      ["notebooks.ts", ["--timeout", "0"], /Invalid --timeout "0"/],
      ["notebooks.ts", ["deno.json"], /Cannot run notebook "deno\.json": not an \.ipynb file/],
      ["lab.ts", ["--port", "70000"], /Invalid --port "70000"/],
      ["check_notebooks.ts", ["--bogus"], /Unknown flag "--bogus"/],
      ["docs.ts", ["--out"], /--out/],
    ];
    for (const [file, args, message] of usage) {
      await t.step(`${file} ${args.join(" ")}: exit 2`, async () => {
        const { code, stderr } = await task(file, args);
        assert.equal(code, 2, stderr);
        assert.match(stderr, message);
        assert.match(stderr, /Run with --help for usage/);
      });
    }

    await t.step("a bad warehouse setting stops the pipeline with 2 before any work", async () => {
      const out = join(dir, "raw");
      const { code, stderr } = await task("pipeline.ts", ["--out", out], {
        TERRALOOP_WAREHOUSE: "oracle",
      });
      assert.equal(code, 2, stderr);
      assert.match(stderr, /TERRALOOP_WAREHOUSE must be "duckdb" or "bigquery", got "oracle"/);
      await assert.rejects(() => Deno.stat(out), Deno.errors.NotFound);
    });

    await t.step("a missing dataset is a runtime failure: exit 1", async () => {
      const missing = join(dir, "missing");
      const warehouse = join(dir, "wh.duckdb");
      const pipeline = await task("pipeline.ts", [
        "--skip-generate",
        "--out",
        missing,
        "--warehouse",
        warehouse,
      ]);
      assert.equal(pipeline.code, 1, pipeline.stderr);
      assert.match(pipeline.stderr, /Cannot load dataset ".*missing": directory not found/);
      assert.match(pipeline.stdout, /✘ pipeline {2}failed/);
      const load = await task("load.ts", [missing, "--warehouse", warehouse]);
      assert.equal(load.code, 1, load.stderr);
      assert.match(load.stderr, /^error: Cannot load dataset/m);
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
