import assert from "node:assert/strict";
import { join } from "node:path";
import { writeDocsProject } from "./_project.ts";
import { cliEnv } from "../_env.ts";

const CLI = new URL("../../cli/docs.ts", import.meta.url).pathname;

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

Deno.test("deno task docs: help, a page without a warehouse, clear errors naming the file", async (t) => {
  const project = await writeDocsProject();
  const dir = await Deno.makeTempDir({ prefix: "tl-docs-cli-" });
  try {
    await t.step("--help prints the usage with the flags and exits 0", async () => {
      const { code, stdout } = await cli("--help");
      assert.equal(code, 0);
      for (
        const flag of ["--warehouse FILE", "--run-results FILE", "--out FILE", "--models-dir DIR"]
      ) {
        assert.ok(stdout.includes(flag), `usage lacks ${flag}`);
      }
      assert.match(stdout, /default reports\/docs\.html/);
    });

    await t.step("an unknown flag exits 2 (usage) naming it", async () => {
      const { code, stderr } = await cli("--bogus");
      assert.equal(code, 2);
      assert.match(stderr, /bogus/);
    });

    await t.step(
      "without a warehouse it writes the page and says where types come from",
      async () => {
        const out = join(dir, "docs.html");
        const { code, stdout, stderr } = await cli(
          "--models-dir",
          project,
          "--warehouse",
          join(dir, "missing.duckdb"),
          "--run-results",
          join(dir, "missing.json"),
          "--out",
          out,
        );
        assert.equal(code, 0, stderr);
        assert.match(
          stdout,
          /note: No warehouse read \(warehouse ".*missing\.duckdb" does not exist/,
        );
        assert.match(
          stdout,
          /✔ docs\s+.*docs\.html, \d+ KiB, 2 models, 1 source table, 6 columns, no warehouse/,
        );
        assert.match(await Deno.readTextFile(out), /<svg aria-labelledby="tl-lineage-title"/);
        await assert.rejects(() => Deno.stat(join(dir, "missing.duckdb")), Deno.errors.NotFound);
      },
    );

    await t.step("a missing models directory exits 1 naming it", async () => {
      const { code, stderr } = await cli(
        "--models-dir",
        join(dir, "nope"),
        "--out",
        join(dir, "x.html"),
      );
      assert.equal(code, 1);
      assert.match(stderr, /error: Cannot read models directory ".*nope": it does not exist/);
    });

    await t.step("bad YAML exits 1 naming the file", async () => {
      await Deno.writeTextFile(join(project, "marts", "schema.yml"), "models: [\n  - name: x\n");
      const { code, stderr } = await cli(
        "--models-dir",
        project,
        "--warehouse",
        join(dir, "missing.duckdb"),
        "--out",
        join(dir, "y.html"),
      );
      assert.equal(code, 1);
      assert.match(stderr, /error: Cannot read ".*marts\/schema\.yml"/);
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
    await Deno.remove(project, { recursive: true });
  }
});
