import assert from "node:assert/strict";
import { GENERATE_USAGE, parseGenerateArgs } from "../../lib/generate/mod.ts";
import { readDataset, tempDir } from "./_dataset.ts";
import { cliEnv } from "../_env.ts";

Deno.test("parseGenerateArgs() maps flags to options with defaults", async (t) => {
  await t.step("no flags: default out, no options set", () => {
    assert.deepEqual(parseGenerateArgs([]), { options: {}, out: "data/raw", help: false });
  });
  await t.step("every flag", () => {
    const parsed = parseGenerateArgs([
      "--users",
      "2000",
      "--days=30",
      "--start",
      "2026-03-01",
      "--seed",
      "9",
      "--out",
      "/tmp/x",
      "--gzip",
    ]);
    assert.deepEqual(parsed, {
      options: { users: 2000, days: 30, start: "2026-03-01", seed: 9, gzip: true },
      out: "/tmp/x",
      help: false,
    });
  });
  await t.step("--help and -h", () => {
    assert.equal(parseGenerateArgs(["--help"]).help, true);
    assert.equal(parseGenerateArgs(["-h"]).help, true);
  });
});

Deno.test("parseGenerateArgs() rejects bad values and unknown flags with clear messages", async (t) => {
  const cases: [string[], RegExp][] = [
    [["--users", "abc"], /^--users must be a positive integer, got "abc"$/],
    [["--users", "0"], /^--users must be a positive integer from 1 to 899999, got 0$/],
    [["--users", "1e3"], /^--users must be a positive integer, got "1e3"$/],
    [["--days=-2"], /^--days must be a positive integer, got "-2"$/],
    [["--days", "-2"], /^Cannot parse generate flags: Option '--days' argument is ambiguous/],
    [["--seed", "x"], /^--seed must be an integer, got "x"$/],
    [["--start", "2026-13-01"], /^--start must be a real calendar date, got "2026-13-01"$/],
    [["--bogus"], /^Unknown flag "--bogus" for generate: expected one of --users/],
    [["stray"], /^Cannot parse generate flags:/],
    [["--users"], /^Cannot parse generate flags:/],
  ];
  for (const [args, message] of cases) {
    await t.step(args.join(" "), () => {
      assert.throws(
        () => parseGenerateArgs(args),
        (e) => e instanceof TypeError || e instanceof RangeError ? message.test(e.message) : false,
      );
    });
  }
});

Deno.test("cli/generate.ts prints help, fails on bad flags, and writes a dataset", async (t) => {
  const run = async (args: string[]) => {
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", "cli/generate.ts", ...args],
      clearEnv: true,
      env: cliEnv(),
      stdout: "piped",
      stderr: "piped",
    }).output();
    const decode = (b: Uint8Array) => new TextDecoder().decode(b);
    return { code: out.code, stdout: decode(out.stdout), stderr: decode(out.stderr) };
  };
  await t.step("--help", async () => {
    const r = await run(["--help"]);
    assert.equal(r.code, 0);
    assert.equal(r.stdout.trim(), GENERATE_USAGE.trim());
  });
  await t.step("unknown flag exits 2 naming it", async () => {
    const r = await run(["--nope"]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /Unknown flag "--nope"/);
  });
  await t.step("small run prints a summary whose numbers match truth.json", async () => {
    await using dir = await tempDir("gen_cli_");
    const r = await run(["--users", "150", "--days", "7", "--seed", "3", "--out", dir.path]);
    assert.equal(r.code, 0, r.stderr);
    const ds = await readDataset(dir.path);
    assert.match(r.stdout, new RegExp(`events ${ds.truth.counts.events} \\(true\\)`));
    assert.match(r.stdout, new RegExp(`lines ${ds.truth.counts.lines} =`));
    assert.match(r.stdout, /events\/s/);
    assert.equal(ds.truth.parameters.seed, 3);
  });
});
