// What a notebook imports from lib/notebook must not bring the Jupyter tooling along.
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { cliEnv } from "../_env.ts";

Deno.test("lib/notebook/mod.ts reaches no Jupyter tooling, and no pipeline stage", async () => {
  const mod = fileURLToPath(new URL("../../lib/notebook/mod.ts", import.meta.url));
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["info", "--json", mod],
    clearEnv: true,
    env: cliEnv(),
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.equal(output.code, 0, new TextDecoder().decode(output.stderr));
  const info = JSON.parse(new TextDecoder().decode(output.stdout)) as {
    modules: { specifier: string }[];
  };
  const local = info.modules.map((m) => m.specifier).filter((s) => s.startsWith("file:"))
    .map((s) => s.replace(/^.*\/lib\//, "lib/"));
  assert.ok(local.includes("lib/notebook/display.ts"), local.join("\n"));
  assert.ok(local.includes("lib/notebook/params.ts"), local.join("\n"));
  // Tooling (venv, kernelspec, runner, checks) and the stages are for tasks, not notebooks.
  const forbidden = local.filter((path) =>
    /^lib\/(jupyter|pipeline|load|models|warehouse|generate|report)\//.test(path) ||
    /^lib\/notebook\/(env|run|check|workspace)\.ts$/.test(path)
  );
  assert.deepEqual(forbidden, []);
});
