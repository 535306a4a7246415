// Where generate writes, and what a failed or killed run leaves: the period is validated,
// the destination is checked before the simulation runs, and the dataset is replaced only
// once every new file is written.
import assert from "node:assert/strict";
import { join } from "node:path";
import {
  generateDataset,
  type GenerateProgress,
  parseGenerateArgs,
} from "../../lib/generate/mod.ts";
import { listDatasetFiles } from "../../lib/load/mod.ts";
import { cliEnv } from "../_env.ts";

const SMALL = { users: 200, days: 5 } as const;

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "gen-dest-" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
}

async function listing(dir: string): Promise<Map<string, Uint8Array>> {
  const out = new Map<string, Uint8Array>();
  for await (const e of Deno.readDir(dir)) {
    out.set(e.name, e.isFile ? await Deno.readFile(join(dir, e.name)) : new Uint8Array());
  }
  return out;
}

Deno.test("generate refuses a period whose dates would leave four-digit years, naming the flags", async (t) => {
  const cases: [string[], RegExp][] = [
    [
      ["--start", "9999-12-20", "--days", "15"],
      /^--start 9999-12-20 with --days 15 ends on 10000-01-03; the period must end by 9999-12-29/,
    ],
    [
      ["--start", "9999-12-31", "--days", "1"],
      /^--start 9999-12-31 with --days 1 ends on 9999-12-31/,
    ],
    [["--start", "0001-01-01"], /^--start must be 1970-01-01 or later, got 0001-01-01/],
  ];
  for (const [args, expected] of cases) {
    await t.step(args.join(" "), () => {
      assert.throws(
        () => parseGenerateArgs(args),
        (e: Error) => e instanceof RangeError && expected.test(e.message),
      );
    });
  }
  await t.step("the latest period that fits is accepted", () => {
    assert.equal(parseGenerateArgs(["--start", "9999-12-15", "--days", "15"]).options.days, 15);
  });
  await t.step("generateDataset() refuses it too, before writing anything", async () => {
    await withDir(async (dir) => {
      const out = join(dir, "out");
      await assert.rejects(
        () => generateDataset(out, { ...SMALL, start: "9999-12-20", days: 15 }),
        /^RangeError: start 9999-12-20 with days 15 ends on 10000-01-03/,
      );
      await assert.rejects(() => Deno.stat(out), Deno.errors.NotFound);
    });
  });
});

Deno.test("generate checks --out before simulating: a file, or a directory it cannot write", async (t) => {
  await t.step("a file", async () => {
    await withDir(async (dir) => {
      const file = join(dir, "users.csv");
      await Deno.writeTextFile(file, "keep me\n");
      const progress: GenerateProgress[] = [];
      await assert.rejects(
        () => generateDataset(file, { ...SMALL, onProgress: (p) => progress.push(p) }),
        (e: Error) =>
          e.message === `Cannot write dataset to "${file}": it is a file, not a directory`,
      );
      assert.deepEqual(progress, [], "nothing was simulated");
      assert.equal(await Deno.readTextFile(file), "keep me\n");
    });
  });
  await t.step("a read-only directory", async () => {
    await withDir(async (dir) => {
      const readOnly = join(dir, "locked");
      await Deno.mkdir(readOnly);
      const unlock = await makeReadOnly(readOnly);
      try {
        const progress: GenerateProgress[] = [];
        await assert.rejects(
          () => generateDataset(readOnly, { ...SMALL, onProgress: (p) => progress.push(p) }),
          /^Error: Cannot write dataset to ".*locked": the directory is not writable/,
        );
        assert.deepEqual(progress, [], "nothing was simulated");
      } finally {
        await unlock();
      }
    });
  });
  await t.step("a path under a file", async () => {
    await withDir(async (dir) => {
      await Deno.writeTextFile(join(dir, "plain"), "x");
      await assert.rejects(
        () => generateDataset(join(dir, "plain", "raw"), SMALL),
        /Cannot write dataset to ".*plain\/raw": /,
      );
    });
  });
});

/**
 * Make a directory unwritable for this process: permission bits for a normal user; for
 * root (who ignores them) the immutable attribute. Returns the undo.
 */
async function makeReadOnly(dir: string): Promise<() => Promise<void>> {
  await Deno.chmod(dir, 0o555);
  const writable = await Deno.writeTextFile(join(dir, ".probe"), "").then(() => true, () => false);
  if (!writable) return () => Deno.chmod(dir, 0o755);
  await Deno.remove(join(dir, ".probe"));
  const chattr = (flag: string) =>
    new Deno.Command("chattr", { args: [flag, dir], stderr: "null" }).output();
  const set = await chattr("+i").catch(() => undefined);
  assert.ok(
    set?.success,
    "running as root: the test needs chattr +i (ext4/xfs/btrfs) to make a read-only directory",
  );
  return async () => {
    await chattr("-i");
    await Deno.chmod(dir, 0o755);
  };
}

Deno.test("a failed generate leaves the previous dataset as it was", async () => {
  await withDir(async (dir) => {
    await generateDataset(dir, { ...SMALL, seed: 1 });
    await Deno.writeTextFile(join(dir, "notes.txt"), "mine\n");
    const before = await listing(dir);
    await assert.rejects(
      () =>
        generateDataset(dir, {
          ...SMALL,
          seed: 2,
          onProgress: (p) => {
            if (p.stage === "write" && p.done === 3) throw new Error("disk full (simulated)");
          },
        }),
      /disk full/,
    );
    assert.deepEqual(await listing(dir), before, "same files, same bytes, no staging directory");
  });
});

Deno.test("generate killed with SIGKILL at random points leaves the old dataset or the new one, never a mix", async () => {
  const seed = Number(Deno.env.get("FAULT_SEED") ?? Date.now() % 100_000);
  let state = seed;
  const random = () => (state = (state * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const options = { users: 3000, days: 20 };
  const module = new URL("../../lib/generate/mod.ts", import.meta.url).href;
  await withDir(async (root) => {
    const oldRef = join(root, "old");
    const newRef = join(root, "new");
    await generateDataset(oldRef, { ...options, seed: 1 });
    await generateDataset(newRef, { ...options, seed: 2 });
    const expected = { old: await listing(oldRef), new: await listing(newRef) };
    const script = join(root, "gen.ts");
    await Deno.writeTextFile(
      script,
      `import { generateDataset } from ${JSON.stringify(module)};
       console.log("ready");
       await generateDataset(Deno.args[0], { users: ${options.users}, days: ${options.days}, seed: 2 });
       console.log("done");`,
    );
    const run = async (out: string, killAfterMs?: number) => {
      const config = new URL("../../deno.json", import.meta.url).pathname;
      const child = new Deno.Command(Deno.execPath(), {
        args: ["run", "-A", `--config=${config}`, script, out],
        clearEnv: true,
        env: cliEnv(),
        stdout: "piped",
        stderr: "inherit",
      }).spawn();
      const reader = child.stdout.getReader();
      const ready = await reader.read(); // "ready": generation starts now
      assert.match(new TextDecoder().decode(ready.value), /^ready\n$/, "the child started");
      const started = performance.now();
      if (killAfterMs !== undefined) {
        await new Promise((resolve) => setTimeout(resolve, killAfterMs));
        try {
          child.kill("SIGKILL");
        } catch {
          // it finished first
        }
      }
      const status = await child.status;
      const ms = performance.now() - started;
      if (killAfterMs === undefined) assert.equal(status.code, 0, "the timing run succeeded");
      reader.releaseLock();
      await child.stdout.cancel();
      return ms;
    };
    // How long a whole run takes here, so the kills land inside one.
    const fullMs = await run(join(root, "timing"));
    const outcomes: string[] = [];
    const attempts = 4;
    for (let attempt = 0; attempt < attempts; attempt++) {
      const out = join(root, `out-${attempt}`);
      await generateDataset(out, { ...options, seed: 1 });
      // One kill in each quarter of a run: simulating, rendering, writing, renaming.
      const delay = Math.floor((attempt + random()) / attempts * fullMs);
      await run(out, delay);
      const files = await listing(out);
      for (const name of files.keys()) {
        if (name.startsWith(".terraloop-generating-")) files.delete(name); // removed by the next run
      }
      const same = (want: Map<string, Uint8Array>) =>
        files.size === want.size &&
        [...want].every(([name, bytes]) => {
          const got = files.get(name);
          return got !== undefined && got.length === bytes.length &&
            got.every((b, i) => b === bytes[i]);
        });
      const which = same(expected.old) ? "old" : same(expected.new) ? "new" : undefined;
      if (which === undefined) {
        // Only the moment of the renames may show both, and then the loader refuses it.
        await assert.rejects(
          () => listDatasetFiles(out),
          /is incomplete/,
          `FAULT_SEED=${seed}: killed after ${delay} ms, the dataset is a mix: ${[
            ...files.keys(),
          ]}`,
        );
        outcomes.push("marked incomplete");
      } else {
        outcomes.push(which);
      }
    }
    assert.equal(outcomes.length, attempts, `FAULT_SEED=${seed}`);
  });
});

Deno.test("a dataset directory marked incomplete is refused by the loader", async () => {
  await withDir(async (dir) => {
    await generateDataset(dir, SMALL);
    await Deno.writeTextFile(join(dir, ".terraloop-incomplete"), "");
    await assert.rejects(() => listDatasetFiles(dir), /is incomplete .*run generate again/);
  });
});
