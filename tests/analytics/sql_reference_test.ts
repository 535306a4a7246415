import assert from "node:assert/strict";
import { DuckDBInstance } from "@duckdb/node-api";
import { funnel } from "../../lib/analytics/funnel.ts";
import { orderedFunnelSql } from "../../lib/analytics/sql_reference.ts";
import { col, events, type Row, us } from "./_events.ts";

function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
}

function randomRows(seed: number): Row[] {
  const rnd = lcg(seed);
  const t0 = us("2026-03-02T10:00:00Z");
  return Array.from({ length: 500 }, () => [
    `u${Math.floor(rnd() * 50)}`,
    ["A", "B", "C", "X"][Math.floor(rnd() * 4)]!,
    t0 + Math.floor(rnd() * 600) * 60_000_000 + (rnd() < 0.1 ? 1 : 0),
    { tier: rnd() < 0.1 ? null : rnd() < 0.5 ? "Basic" : "Pro" },
  ]);
}

function sqlValue(v: unknown): string {
  return v === null || v === undefined ? "null" : `'${String(v).replaceAll("'", "''")}'`;
}

Deno.test("orderedFunnelSql() on DuckDB gives the same funnel as funnel()", async (t) => {
  const instance = await DuckDBInstance.create(":memory:");
  const connection = await instance.connect();
  try {
    for (const seed of [5, 6]) {
      const rows = randomRows(seed);
      await connection.run(
        `create or replace table events as select user_id, event, make_timestamp(us) as ts, tier from (values ${
          rows.map(([u, e, ts, p]) =>
            `(${sqlValue(u)}, ${sqlValue(e)}, ${ts}, ${sqlValue(p?.tier)})`
          )
            .join(", ")
        }) as v(user_id, event, us, tier)`,
      );
      const frame = events(rows, ["tier"]);
      for (const steps of [["A", "B", "C"], ["A", "B", "A"], ["C", "C"]]) {
        await t.step(`seed ${seed}, ${steps.join("→")}`, async () => {
          const window = { value: 45, unit: "minute" as const };
          const sql = orderedFunnelSql({ steps, window, breakdown: "tier" });
          const duck = (await connection.runAndReadAll(sql)).getRowObjectsJson();
          const ours = funnel(frame, { steps, window, breakdown: "tier" });
          assert.deepEqual(duck.map((r) => r.tier ?? null), col(ours, "tier"));
          assert.deepEqual(duck.map((r) => Number(r.step)), col(ours, "step"));
          assert.deepEqual(duck.map((r) => Number(r.users)), col(ours, "users"));
          for (const c of ["median_time_to_convert_s", "p90_time_to_convert_s"]) {
            const theirs = duck.map((r) => (r[c] === null ? null : Number(r[c])));
            const mine = col<number | null>(ours, c);
            theirs.forEach((v, i) => {
              if (v === null || mine[i] === null) assert.equal(v, mine[i], c);
              else assert.ok(Math.abs(v - mine[i]!) < 1e-6, `${c}[${i}]: ${v} vs ${mine[i]}`);
            });
          }
        });
      }
    }
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
});
