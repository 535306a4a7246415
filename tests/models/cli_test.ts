import assert from "node:assert/strict";
import { join } from "node:path";
import { openDuckDb } from "../../lib/warehouse/mod.ts";
import { FIXTURE_DIR, seedRaw } from "./_fixture.ts";
import { cliEnv } from "../_env.ts";

const CLI = new URL("../../cli/models.ts", import.meta.url).pathname;

async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", CLI, ...args],
    stdout: "piped",
    stderr: "piped",
    clearEnv: true,
    env: cliEnv(),
  }).output();
  const decode = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
  return { code: output.code, stdout: decode(output.stdout), stderr: decode(output.stderr) };
}

Deno.test("deno task models: run prints one line per model and exits 0; bigquery run needs its project", async (t) => {
  const dir = await Deno.makeTempDir({ prefix: "models-cli-" });
  try {
    const file = join(dir, "wh.duckdb");
    const warehouse = await openDuckDb(file, { threads: 1 });
    await seedRaw(warehouse);
    await warehouse.close();
    await t.step("run builds and tests", async () => {
      const { code, stdout } = await cli(
        "--models-dir",
        FIXTURE_DIR,
        "--warehouse",
        file,
        "--target-dir",
        join(dir, "target"),
      );
      assert.equal(code, 0, stdout);
      assert.match(stdout, /\[1\/5\] staging\.stg_events \.+ view\s+\d+\.\d\d s/);
      assert.match(stdout, /\[5\/5\] marts\.mart_daily_activity \.+ table\s+3 rows \d+\.\d\d s/);
      assert.match(
        stdout,
        /✔ models: 5 built, 0 failed, 0 skipped; tests: 19 pass, 0 warn, 0 fail/,
      );
      const results = JSON.parse(await Deno.readTextFile(join(dir, "target", "run_results.json")));
      assert.equal(results.success, true);
    });
    await t.step("compile writes both dialects", async () => {
      const { code, stdout } = await cli(
        "compile",
        "--models-dir",
        FIXTURE_DIR,
        "--target-dir",
        join(dir, "target"),
      );
      assert.equal(code, 0);
      assert.match(stdout, /compiled 5 models and 19 tests for duckdb/);
      assert.match(stdout, /compiled 5 models and 19 tests for bigquery/);
      assert.match(
        await Deno.readTextFile(join(dir, "target", "compiled", "bigquery", "fct_events.sql")),
        /`terraloop_staging\.stg_events`/,
      );
    });
    await t.step("run --target bigquery without a project names the missing setting", async () => {
      const { code, stderr } = await cli(
        "run",
        "--target",
        "bigquery",
        "--models-dir",
        FIXTURE_DIR,
      );
      assert.equal(code, 2, "a configuration error is a usage error");
      assert.match(stderr, /TERRALOOP_BQ_PROJECT is required/);
    });
    await t.step("an unknown selection exits 2 (usage) naming the model", async () => {
      const { code, stderr } = await cli(
        "list",
        "--select",
        "fct_event+",
        "--models-dir",
        FIXTURE_DIR,
      );
      assert.equal(code, 2);
      assert.match(
        stderr,
        /unknown model "fct_event" in "fct_event\+" \(did you mean "fct_events"\?\)/,
      );
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("deno task models: nothing loaded says run load first, exits 1 and creates no file", async (t) => {
  const dir = await Deno.makeTempDir({ prefix: "models-cli-empty-" });
  try {
    const args = (file: string) => [
      "--models-dir",
      FIXTURE_DIR,
      "--warehouse",
      file,
      "--target-dir",
      join(dir, "target"),
    ];
    await t.step("a warehouse path that does not exist stays absent", async () => {
      const file = join(dir, "missing.duckdb");
      const { code, stderr } = await cli(...args(file));
      assert.equal(code, 1, stderr);
      assert.match(stderr, /no raw tables: run load first/);
      assert.match(stderr, /missing\.duckdb" does not exist/);
      assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name), []);
    });
    await t.step("a warehouse with no raw rows builds nothing", async () => {
      const file = join(dir, "empty.duckdb");
      const warehouse = await openDuckDb(file, { threads: 1 });
      await warehouse.close();
      const { code, stdout, stderr } = await cli(...args(file));
      assert.equal(code, 1, stderr);
      assert.match(stderr, /Cannot run models: no raw tables: run load first \(raw\./);
      assert.doesNotMatch(stdout, /\[1\/5\]/, "a model was built");
      await assert.rejects(() => Deno.stat(join(dir, "target", "run_results.json")));
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
