// The test suite's own guard rails: CI detection, golden files under CI, and CLI
// subprocesses that cannot see the caller's TERRALOOP_* settings.
import assert from "node:assert/strict";
import { join, relative } from "node:path";
import { cliEnv, isCi } from "./_env.ts";
import { goldenUpdateRequested } from "./models/golden.ts";

Deno.test("isCi() takes any truthy CI value, as CI services set it", async (t) => {
  const cases: [string | undefined, boolean][] = [
    ["true", true],
    ["1", true],
    ["TRUE", true],
    ["yes", true],
    ["woodpecker", true],
    [undefined, false],
    ["", false],
    ["0", false],
    ["false", false],
    ["no", false],
  ];
  for (const [value, expected] of cases) {
    await t.step(`CI=${value}`, () => assert.equal(isCi({ CI: value }), expected));
  }
});

Deno.test("UPDATE_GOLDEN=1 is refused under CI instead of rewriting the golden files", () => {
  assert.equal(goldenUpdateRequested({}), false);
  assert.equal(goldenUpdateRequested({ UPDATE_GOLDEN: "1" }), true);
  for (const ci of ["true", "1"]) {
    assert.throws(
      () => goldenUpdateRequested({ UPDATE_GOLDEN: "1", CI: ci }),
      /UPDATE_GOLDEN=1 is refused under CI/,
    );
  }
});

Deno.test("cliEnv() never passes the caller's TERRALOOP_* settings on", () => {
  const env = cliEnv({ TERRALOOP_DUCKDB_PATH: "/tmp/mine.duckdb" }, {
    PATH: "/usr/bin",
    HOME: "/root",
    TERRALOOP_WAREHOUSE: "bigquery",
    TERRALOOP_BQ_PROJECT: "prod-project",
    GOOGLE_APPLICATION_CREDENTIALS: "/secret.json",
  });
  assert.deepEqual(env, {
    PATH: "/usr/bin",
    HOME: "/root",
    NO_COLOR: "1",
    TZ: "UTC",
    TERRALOOP_DUCKDB_PATH: "/tmp/mine.duckdb",
  });
});

Deno.test("every Deno subprocess a test starts runs with a cleared environment", async () => {
  const root = new URL("./", import.meta.url).pathname;
  const offenders: string[] = [];
  let commands = 0;
  async function visit(dir: string): Promise<void> {
    for await (const entry of Deno.readDir(dir)) {
      const path = join(dir, entry.name);
      if (entry.isDirectory) await visit(path);
      else if (entry.name.endsWith(".ts") && path !== new URL(import.meta.url).pathname) {
        const source = await Deno.readTextFile(path);
        // Each `new Deno.Command(Deno.execPath(), {` up to the end of its options object.
        for (const match of source.matchAll(/new Deno\.Command\(Deno\.execPath\(\)/g)) {
          commands += 1;
          const options = source.slice(match.index, source.indexOf("})", match.index) + 2);
          if (!/clearEnv: true/.test(options)) {
            const line = source.slice(0, match.index).split("\n").length;
            offenders.push(`${relative(root, path)}:${line}`);
          }
        }
      }
    }
  }
  await visit(root);
  assert.ok(commands > 5, `found ${commands} subprocesses: the scan is looking in the right place`);
  assert.deepEqual(offenders, [], "add clearEnv: true and env: cliEnv(…) (tests/_env.ts)");
});

Deno.test("a browser test without Chromium fails under any truthy CI, and is skipped loudly otherwise", async (t) => {
  const dir = await Deno.makeTempDir({ prefix: "tl-browser-switch-" });
  const harness = new URL("./_browser.ts", import.meta.url).href;
  const file = join(dir, "switch_test.ts");
  await Deno.writeTextFile(
    file,
    `import { browserTest } from ${JSON.stringify(harness)};
     browserTest("needs a browser", async () => {});`,
  );
  const config = new URL("../deno.json", import.meta.url).pathname;
  const run = async (ci: string | undefined) => {
    const output = await new Deno.Command(Deno.execPath(), {
      args: ["test", "-A", `--config=${config}`, file],
      clearEnv: true,
      // A CHROMIUM_PATH that does not exist: no browser, whatever this machine has.
      env: cliEnv({
        CHROMIUM_PATH: join(dir, "no-chromium"),
        ...(ci === undefined ? {} : { CI: ci }),
      }),
      stdout: "piped",
      stderr: "piped",
    }).output();
    const decode = (b: Uint8Array) => new TextDecoder().decode(b);
    return { code: output.code, text: decode(output.stdout) + decode(output.stderr) };
  };
  try {
    for (const ci of ["true", "1"]) {
      await t.step(`CI=${ci}: the test runs and fails`, async () => {
        const { code, text } = await run(ci);
        assert.notEqual(code, 0, text);
        assert.match(text, /browser tests must run/);
      });
    }
    await t.step("no CI: the test is ignored with a warning", async () => {
      const { code, text } = await run(undefined);
      assert.equal(code, 0, text);
      assert.match(text, /SKIPPING browser test "needs a browser"/);
      assert.match(text, /1 ignored/);
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
