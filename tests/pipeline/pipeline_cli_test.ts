// `deno task pipeline` as a user runs it: every stage, then a failing data test stops it.
import assert from "node:assert/strict";
import { join } from "node:path";
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
  try {
    await t.step("a small run prints one line per stage and writes the report", async () => {
      const { code, stdout, stderr } = await pipeline(
        root,
        "--users",
        "600",
        "--days",
        "14",
        "--out",
        raw,
        "--warehouse",
        warehouse,
        "--target-dir",
        join(dir, "target"),
        "--report",
        join(dir, "report.html"),
      );
      assert.equal(code, 0, stderr);
      assert.ok((await Deno.stat(join(dir, "report.html"))).size > 1_000_000);
      assert.ok((await Deno.stat(join(dir, "target", "run_results.json"))).isFile);
      for (const stage of ["generate", "load", "models", "report", "pipeline"]) {
        assert.match(stdout, new RegExp(`✔ ${stage}\\s`), `missing stage line for ${stage}`);
      }
      assert.match(stdout, /rows\/s/);
      assert.match(stdout, /rejected/);
    });

    await t.step(
      "an error-severity test failure stops the run with exit 1, naming model and test",
      async () => {
        const users = await Deno.readTextFile(join(raw, "users.csv"));
        const lines = users.split("\n");
        lines[1] = lines[1]!.replace(/,(Basic|Pro|Enterprise),/, ",Platinum,");
        await Deno.writeTextFile(join(raw, "users.csv"), lines.join("\n"));
        const { code, stdout, stderr } = await pipeline(
          root,
          "--skip-generate",
          "--out",
          raw,
          "--warehouse",
          warehouse,
        );
        assert.equal(code, 1);
        assert.match(stderr, /the pipeline stopped after the models stage/);
        assert.match(stderr + stdout, /accepted_values_stg_users_tier/);
        assert.doesNotMatch(stdout, /✔ report/);
        assert.match(stdout, /✘ pipeline/);
      },
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
