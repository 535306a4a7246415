import assert from "node:assert/strict";
import { join } from "node:path";
import { cliEnv } from "../_env.ts";

const CLI = new URL("../../cli/load.ts", import.meta.url).pathname;

const USERS_HEADER = "user_id,full_name,email,company,tier,region,signup_at\n";
const USERS = USERS_HEADER +
  "U000001,Ann Lee,ann@example.com,Acme,Basic,NA,2026-01-01T00:00:00Z\n" +
  "U000002,Bo Chen,bo@example.com,Beta,Pro,EU,2026-01-02T00:00:00Z\n";
const LISTINGS =
  "listing_id,user_id,title,category,weight_kg,eco_score_kg_co2e,region,created_at\n" +
  "L0000001,U000002,Old servers,Electronics,120.5,310.2,EMEA,2026-01-03T09:00:00Z\n";
const EVENT = JSON.stringify({
  event_id: "E1",
  user_id: "U000001",
  event: "session_start",
  ts: "2026-01-05T10:00:00Z",
});

async function load(dir: string, warehouse: string) {
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", CLI, dir, "--warehouse", warehouse],
    stdout: "piped",
    stderr: "piped",
    clearEnv: true,
    env: cliEnv(),
  }).output();
  const decode = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
  return { code: output.code, stdout: decode(output.stdout), stderr: decode(output.stderr) };
}

Deno.test("deno task load prints the warnings and the files whose previous rows were kept", async () => {
  const root = await Deno.makeTempDir({ prefix: "load-cli-" });
  try {
    const dir = join(root, "raw");
    await Deno.mkdir(dir);
    await Deno.writeTextFile(join(dir, "users.csv"), USERS);
    await Deno.writeTextFile(join(dir, "listings.csv"), LISTINGS);
    await Deno.writeTextFile(join(dir, "events-2026-01-01.ndjson"), EVENT + "\n");
    const warehouse = join(root, "wh.duckdb");
    const first = await load(dir, warehouse);
    assert.equal(first.code, 0, first.stderr);
    assert.doesNotMatch(first.stdout + first.stderr, /warning|kept/);

    await Deno.writeTextFile(join(dir, "users.csv"), USERS_HEADER + "U1;Ann;a@x\nU2;Bo;b@x\n");
    const second = await load(dir, warehouse);
    assert.equal(second.code, 0, second.stderr);
    assert.match(
      second.stderr,
      /warning: .*users\.csv: all 2 rows are malformed; the 2 rows loaded before are kept/,
    );
    assert.match(second.stdout, /kept the previous rows of users\.csv/);
    assert.match(second.stdout, /3 files \(2 unchanged, 1 kept\)/);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
