import assert from "node:assert/strict";
import { join, resolve } from "node:path";
import {
  ensureDataset,
  ensureLoaded,
  ensureModels,
  ensureWorkspace,
  notebookWorkspace,
  openNotebookWarehouse,
  PROJECT_ROOT,
} from "../../lib/pipeline/mod.ts";
import { planDatasetLoad } from "../../lib/load/mod.ts";
import { cliEnv } from "../_env.ts";
import { openDuckDb } from "../../lib/warehouse/mod.ts";

// Small enough to generate, load and build in a few seconds.
const SMALL = { users: 150, days: 6, seed: 7, start: "2026-02-02" };

Deno.test("notebookWorkspace() keys its folder by users, days, seed and start", async (t) => {
  await t.step("defaults are the pipeline's default scale, under data/notebooks", () => {
    const ws = notebookWorkspace();
    assert.equal(ws.key, "u35000-d90-s42-2026-01-01");
    assert.equal(ws.dir, join(PROJECT_ROOT, "data", "notebooks", ws.key));
    assert.equal(ws.datasetDir, join(ws.dir, "raw"));
    assert.equal(ws.truthPath, join(ws.dir, "raw", "truth.json"));
    assert.equal(ws.duckdbPath, join(ws.dir, "warehouse.duckdb"));
    assert.equal(ws.targetDir, join(ws.dir, "target"));
    assert.equal(ws.modelsDir, join(PROJECT_ROOT, "sql"));
    // Never the pipeline's own dataset or warehouse.
    assert.notEqual(ws.datasetDir, join(PROJECT_ROOT, "data", "raw"));
    assert.notEqual(ws.duckdbPath, join(PROJECT_ROOT, "data", "warehouse.duckdb"));
  });

  await t.step("every parameter changes the folder; equal parameters give equal paths", () => {
    const base = notebookWorkspace(SMALL, { baseDir: "/tmp/x" });
    assert.equal(base.dir, "/tmp/x/u150-d6-s7-2026-02-02");
    assert.deepEqual(notebookWorkspace({ ...SMALL }, { baseDir: "/tmp/x" }), base);
    const variants = [
      { ...SMALL, users: 151 },
      { ...SMALL, days: 7 },
      { ...SMALL, seed: 8 },
      { ...SMALL, start: "2026-02-03" },
    ].map((params) => notebookWorkspace(params, { baseDir: "/tmp/x" }).dir);
    assert.equal(new Set([base.dir, ...variants]).size, 5);
  });

  await t.step("a relative base folder resolves against the working directory", () => {
    const ws = notebookWorkspace(SMALL, { baseDir: "../data/notebooks" });
    assert.equal(ws.dir, resolve("../data/notebooks", ws.key));
  });

  await t.step("the period runs from start to the day after the last day", () => {
    const ws = notebookWorkspace(SMALL);
    assert.equal(ws.periodStart.toISOString(), "2026-02-02T00:00:00.000Z");
    assert.equal(ws.periodEnd.toISOString(), "2026-02-08T00:00:00.000Z");
  });

  await t.step("invalid parameters are refused, naming the parameter", () => {
    assert.throws(() => notebookWorkspace({ users: 0 }), /users/);
    assert.throws(() => notebookWorkspace({ start: "2026-13-01" }), /start/);
  });
});

Deno.test({
  name: "ensureDataset(), ensureLoaded() and ensureModels() do their stage once, then reuse it",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async (t) => {
    const base = await Deno.makeTempDir({ prefix: "tl-nbws-" });
    const ws = notebookWorkspace(SMALL, { baseDir: base });
    const wh = await openDuckDb(ws.duckdbPath);
    try {
      await t.step("ensureDataset() generates the first time and reuses afterwards", async () => {
        const first = await ensureDataset(ws);
        assert.equal(first.action, "generated");
        assert.ok(first.summary);
        assert.equal(first.truth.parameters.users, SMALL.users);
        const stamp = (await Deno.stat(ws.truthPath)).mtime?.getTime();
        const second = await ensureDataset(ws);
        assert.equal(second.action, "reused");
        assert.equal(second.summary, null);
        assert.deepEqual(second.truth, first.truth);
        assert.match(second.message, /Reused the dataset/);
        assert.equal((await Deno.stat(ws.truthPath)).mtime?.getTime(), stamp);
      });

      await t.step("a damaged or forced dataset is generated again, byte for byte", async () => {
        const events = (await ensureDataset(ws)).truth.files.find((f) =>
          f.name.startsWith("events-")
        )!;
        const path = join(ws.datasetDir, events.name);
        const original = await Deno.readFile(path);
        await Deno.writeFile(path, original.slice(0, 10));
        const again = await ensureDataset(ws);
        assert.equal(again.action, "generated");
        assert.deepEqual(await Deno.readFile(path), original);
        assert.equal((await ensureDataset(ws, { force: true })).action, "generated");
      });

      await t.step("ensureLoaded() loads every line once; a second call adds nothing", async () => {
        const first = await ensureLoaded(ws, wh);
        assert.equal(first.action, "loaded");
        assert.equal(first.dataset.action, "reused");
        const counts = first.dataset.truth.counts;
        const [raw] = await wh.query<{ events: number; rejected: number }>(
          `select (select count(*) from raw.events) as events,
                  (select count(*) from raw.events_rejected) as rejected`,
        );
        assert.equal(raw!.events + raw!.rejected, counts.lines);
        assert.equal(raw!.rejected, counts.malformed);
        const second = await ensureLoaded(ws, wh);
        assert.equal(second.action, "unchanged");
        assert.equal(second.load.rows + second.load.rejected, 0);
        assert.equal(second.load.unchanged, second.load.files.length);
        assert.match(second.message, /already loaded/);
      });

      await t.step("ensureModels() builds once, then reuses the build", async () => {
        const first = await ensureModels(ws, wh);
        assert.equal(first.action, "built");
        assert.equal(first.reason, "no previous build was found");
        assert.ok(first.results.success);
        assert.ok(await wh.exists({ schema: "marts", name: "fct_events" }));
        const second = await ensureModels(ws, wh);
        assert.equal(second.action, "reused");
        assert.equal(second.results.runId, first.results.runId);
        assert.equal(second.loaded.action, "unchanged");
      });

      await t.step("a missing model or force rebuilds", async () => {
        await wh.execute("drop table marts.dim_users");
        const rebuilt = await ensureModels(ws, wh);
        assert.equal(rebuilt.action, "built");
        assert.equal(rebuilt.reason, "marts.dim_users is missing");
        assert.ok(await wh.exists({ schema: "marts", name: "dim_users" }));
        const forced = await ensureModels(ws, wh, { force: true });
        assert.equal(forced.action, "built");
        assert.notEqual(forced.results.runId, rebuilt.results.runId);
      });

      await t.step("a build for another warehouse file is not reused", async () => {
        const other = await openDuckDb(join(base, "other.duckdb"));
        try {
          assert.equal((await ensureLoaded(ws, other)).action, "loaded");
          const result = await ensureModels(ws, other);
          assert.equal(result.action, "built");
          assert.match(result.reason ?? "", /previous build was for duckdb:/);
        } finally {
          await other.close();
        }
      });
    } finally {
      await wh.close();
      await Deno.remove(base, { recursive: true });
    }
  },
});

/**
 * Another process holding the DuckDB file read-only (file locks are per process, so a reader
 * in this process would not stand in the way): it prints the marts' event count once open and
 * keeps the file until `release()`.
 */
async function readerProcess(
  path: string,
  mode: "read" | "write" = "read",
): Promise<{ count: number; release(): Promise<void> }> {
  const script = `
    import { openDuckDb } from "${new URL("../../lib/warehouse/mod.ts", import.meta.url).href}";
    const wh = await openDuckDb(${JSON.stringify(path)}, { readOnly: ${mode === "read"} });
    const fct = wh.relation({ schema: "marts", name: "fct_events" });
    const [row] = await wh.query("select count(*) as n from " + fct);
    console.log(String(row.n));
    for await (const _ of Deno.stdin.readable) { /* hold the file until stdin closes */ }
    await wh.close();
  `;
  const child = new Deno.Command(Deno.execPath(), {
    args: ["eval", "--quiet", script],
    cwd: PROJECT_ROOT,
    clearEnv: true,
    env: cliEnv(),
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  while (!text.includes("\n")) {
    const { value, done } = await reader.read();
    if (done) break;
    text += value;
  }
  if (!/^\d+\n/.test(text)) {
    const stderr = await new Response(child.stderr).text();
    throw new Error(`reader process did not open ${path}: ${text}${stderr}`);
  }
  return {
    count: Number(text.trim()),
    release: async () => {
      await child.stdin.close();
      reader.releaseLock();
      await child.stdout.cancel().catch(() => {});
      await child.stderr.cancel().catch(() => {});
      await child.status;
    },
  };
}

Deno.test({
  name: "ensureWorkspace() writes only what is missing, then leaves the file to read-only " +
    "readers in other processes, many at once",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async (t) => {
    const base = await Deno.makeTempDir({ prefix: "tl-ws-readers-" });
    const ws = notebookWorkspace(SMALL, { baseDir: base });
    try {
      await t.step("a fresh workspace is generated, loaded and built, then closed", async () => {
        const first = await ensureWorkspace(ws);
        assert.equal(first.action, "updated");
        assert.match(first.reason ?? "", /does not exist yet/);
        assert.equal(first.plan, null);
        assert.match(first.messages[0]!, /^Generated [\d,]+ events/);
        assert.match(first.messages[1]!, /^Loaded \d+ of \d+ files/);
        assert.match(first.messages[2]!, /^Built \d+ models/);
        assert.equal(first.results?.success, true);
      });

      await t.step("two reader processes at once, and a check beside them reuses", async () => {
        const a = await readerProcess(ws.duckdbPath);
        const b = await readerProcess(ws.duckdbPath);
        try {
          assert.ok(a.count > 0);
          assert.equal(b.count, a.count);
          const again = await ensureWorkspace(ws);
          assert.equal(again.action, "reused");
          assert.equal(again.plan?.current, true);
          assert.match(again.messages[1]!, /^All \d+ files are loaded in duckdb:/);
          assert.match(again.messages[2]!, /^Reused the \d+ models built at /);
          assert.ok(again.results?.runId);
        } finally {
          await a.release();
          await b.release();
        }
      });

      await t.step("a writer elsewhere: the notebook's read fails saying what to do", async () => {
        const writer = await readerProcess(ws.duckdbPath, "write");
        try {
          await assert.rejects(
            () => openNotebookWarehouse(ws),
            /read-only: .*lock.*\(another process is writing it, .*: wait until it finishes, then try again\)/s,
          );
        } finally {
          await writer.release();
        }
      });

      await t.step(
        "source pipeline reads the tasks' warehouse read-only, never builds",
        async () => {
          const opened = await openNotebookWarehouse(ws, {
            source: "pipeline",
            env: { TERRALOOP_DUCKDB_PATH: ws.duckdbPath },
          });
          try {
            assert.equal(opened.source, "pipeline");
            assert.equal(opened.workspace, null);
            assert.equal(opened.period.start.toISOString(), "2026-02-02T00:00:00.000Z");
            assert.ok(opened.period.end.getTime() <= ws.periodEnd.getTime() + 86_400_000);
            assert.match(
              opened.messages[0]!,
              /^Reading the pipeline's warehouse duckdb:.* read-only/,
            );
            await assert.rejects(
              () => opened.warehouse.execute("create table x (a int)"),
              /read-only/i,
            );
          } finally {
            await opened.warehouse.close();
          }
          await assert.rejects(
            () =>
              openNotebookWarehouse(ws, {
                source: "pipeline",
                env: { TERRALOOP_DUCKDB_PATH: join(base, "nope.duckdb") },
              }),
            /Cannot open the pipeline's warehouse: warehouse ".*nope\.duckdb" does not exist; run `deno task pipeline` first/,
          );
          await assert.rejects(
            () => openNotebookWarehouse(ws, { source: "lake" }),
            /source "lake" is not one of "workspace", "pipeline" \(TERRALOOP_NOTEBOOK_SOURCE\)/,
          );
        },
      );

      await t.step(
        "when a write is needed while a reader holds the file, the error says why and what to do",
        async () => {
          // An extra delivery file: the raw tables are no longer current.
          const extra = join(ws.datasetDir, "events-2099-01-01.ndjson");
          await Deno.writeTextFile(extra, '{"event_id":"x1","user_id":"u1","event":"search"}\n');
          const reader = await readerProcess(ws.duckdbPath);
          try {
            await assert.rejects(
              () => ensureWorkspace(ws),
              (error: Error) => {
                assert.match(
                  error.message,
                  /^Cannot update the notebook workspace ".*" \(1 of \d+ files are not loaded\)/,
                );
                assert.match(error.message, /close the other process or its notebook kernel/);
                return true;
              },
            );
          } finally {
            await reader.release();
          }
          const updated = await ensureWorkspace(ws);
          assert.equal(updated.action, "updated");
          assert.match(updated.messages[1]!, /^Loaded 1 of \d+ files/);
          assert.match(updated.messages[2]!, /because new raw data was loaded/);
          await Deno.remove(extra);
          const pruned = await ensureWorkspace(ws, { upTo: "loaded" });
          assert.equal(pruned.action, "updated");
          assert.match(pruned.reason ?? "", /1 loaded files left the dataset/);
          assert.match(pruned.messages[1]!, /1 stale files pruned/);
          const reader2 = await openDuckDb(ws.duckdbPath, { readOnly: true });
          try {
            assert.equal((await planDatasetLoad(ws.datasetDir, reader2)).current, true);
          } finally {
            await reader2.close();
          }
        },
      );
    } finally {
      await Deno.remove(base, { recursive: true });
    }
  },
});
