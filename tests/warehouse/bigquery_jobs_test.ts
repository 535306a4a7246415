// What every BigQuery job carries and how the adapter survives BigQuery's failures, asserted
// on the requests the REST-level fake receives: labels (run id, stage, model), the
// maximumBytesBilled limit, dry-run estimates, retries of 5xx / 429 / 403 rateLimitExceeded
// and backendError on job creation, polling and uploads, no retry of a 403 accessDenied,
// resubmission of a job that failed inside BigQuery for a transient reason, and result
// pages read into a Polars frame without per-row objects or stack-sized spreads.
// These prove the adapter's side of the protocol; real error texts, quotas and timings
// need a live project.
import assert from "node:assert/strict";
import { join } from "node:path";
import pl from "nodejs-polars";
import { type BigQueryWarehouse, openBigQuery } from "../../lib/warehouse/bigquery.ts";
import { withJobLabels } from "../../lib/warehouse/job_labels.ts";
import {
  fakeAuthClient,
  type FakeBigQuery,
  type FakeBigQueryOptions,
  type RecordedRequest,
  startFakeBigQuery,
} from "./_fake_bigquery.ts";

const PROJECT = "terraloop-test";
const DATASETS = {
  terraloop_raw: "US",
  terraloop_staging: "US",
  terraloop_marts: "US",
  terraloop_audit: "US",
};
const ONE = { fields: [{ name: "n", type: "INTEGER" }], rows: [["1"]] };

async function withFake(
  options: FakeBigQueryOptions,
  fn: (fake: FakeBigQuery, wh: BigQueryWarehouse) => Promise<void>,
  open: Parameters<typeof openBigQuery>[1] = {},
): Promise<void> {
  const fake = startFakeBigQuery({ datasets: DATASETS, ...options });
  try {
    const wh = await openBigQuery(PROJECT, {
      apiEndpoint: fake.endpoint,
      authClient: fakeAuthClient(),
      retry: { initialDelayMs: 1, maxDelayMs: 5 },
      ...open,
    });
    try {
      await fn(fake, wh);
    } finally {
      await wh.close();
    }
    assert.deepEqual(fake.unrouted(), []);
  } finally {
    await fake.close();
  }
}

/** A fault for the first `times` requests that `match` accepts. */
function failFirst(
  times: number,
  match: (request: RecordedRequest) => boolean,
  fault: { status: number; reason?: string; message?: string; lost?: boolean },
) {
  let left = times;
  return (request: RecordedRequest) => {
    if (left > 0 && match(request)) {
      left -= 1;
      return fault;
    }
    return undefined;
  };
}

const isInsert = (r: RecordedRequest) =>
  r.method === "POST" && r.path.endsWith("/jobs") &&
  !r.path.startsWith("/upload");
const isPoll = (r: RecordedRequest) => r.path.includes("/queries/");
const isUpload = (r: RecordedRequest) => r.path.startsWith("/upload/");

Deno.test("every query job carries the labels in force: app, run id, stage, model", async () => {
  await withFake({ onQuery: () => ONE }, async (fake, wh) => {
    await wh.query("select 0");
    await withJobLabels({ run_id: "3F2A-run", stage: "models" }, async () => {
      await withJobLabels({ model: "fct_events" }, () => wh.query("select 1"));
      await wh.dryRun("select 2");
    });
    const labels = fake.jobs().map((job) => job.configuration.labels);
    assert.deepEqual(labels, [
      { app: "terraloop" },
      { app: "terraloop", run_id: "3f2a-run", stage: "models", model: "fct_events" },
      { app: "terraloop", run_id: "3f2a-run", stage: "models" },
    ]);
  });
});

Deno.test("load jobs and their scratch tables carry the labels too", async () => {
  const dir = await Deno.makeTempDir();
  const path = join(dir, "x.ndjson");
  await Deno.writeTextFile(path, '{"text":"a"}\n');
  try {
    await withFake({}, async (fake, wh) => {
      await withJobLabels(
        { run_id: "r1", stage: "load" },
        () =>
          wh.loadNdjson(path, { schema: "raw", name: "_load_x" }, [
            { name: "text", type: "STRING" },
          ]),
      );
      const upload = fake.uploads()[0]!;
      assert.deepEqual(upload.metadata.configuration.labels, {
        app: "terraloop",
        run_id: "r1",
        stage: "load",
      });
      const created = fake.requests.find((r) => r.path.endsWith("/tables"))!.json as {
        labels: Record<string, string>;
      };
      assert.deepEqual(created.labels, { app: "terraloop", run_id: "r1", stage: "load" });
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("maximumBytesBilled is sent on every query job, dry runs included", async () => {
  await withFake({ onQuery: () => ({ ...ONE, bytesProcessed: 10 }) }, async (fake, wh) => {
    assert.equal(wh.maximumBytesBilled, 1_000_000);
    await wh.query("select 1");
    await wh.execute("select 2");
    await wh.dryRun("select 3");
    await wh.materialize({ schema: "marts", name: "m" }, "select 4", "table");
    const limits = fake.jobs().map((job) => job.configuration.query?.maximumBytesBilled);
    assert.ok(limits.length >= 5, `${limits.length} jobs`);
    assert.ok(limits.every((limit) => limit === "1000000"), JSON.stringify(limits));
  }, { maximumBytesBilled: 1_000_000 });
});

Deno.test("without a limit no maximumBytesBilled is sent", async () => {
  await withFake({ onQuery: () => ONE }, async (fake, wh) => {
    await wh.query("select 1");
    assert.equal(fake.jobs()[0]!.configuration.query?.maximumBytesBilled, undefined);
  });
});

Deno.test("dryRun() returns BigQuery's totalBytesProcessed and runs nothing", async () => {
  await withFake({ onQuery: () => ({ bytesProcessed: 123_456_789 }) }, async (fake, wh) => {
    const estimate = { bytesProcessed: 123_456_789, maximumBytesBilled: null };
    assert.deepEqual(await wh.dryRun("select * from big"), estimate);
    assert.deepEqual(await wh.estimate("select * from big"), estimate);
    assert.equal(fake.jobs()[0]!.configuration.dryRun, true);
    assert.deepEqual(fake.queries(), []);
    assert.ok(!fake.requests.some(isPoll), "a dry run is not polled");
  });
});

Deno.test("a table over the bytes limit is not built; the message names estimate and limit", async () => {
  await withFake(
    { onQuery: (_sql, { dryRun }) => dryRun ? { bytesProcessed: 52_428_800 } : ONE },
    async (fake, wh) => {
      await assert.rejects(
        wh.materialize({ schema: "marts", name: "fct_events" }, "select * from big", "table"),
        (error: Error) => {
          assert.equal(
            error.message,
            "BigQuery estimates 52,428,800 bytes (50.0 MiB) processed to build " +
              "`terraloop-test.terraloop_marts.fct_events`, over the maximum bytes billed of " +
              "10,485,760 bytes (10.0 MiB) (--maximum-bytes-billed / " +
              "TERRALOOP_BQ_MAXIMUM_BYTES_BILLED)",
          );
          return true;
        },
      );
      assert.deepEqual(fake.queries(), [], "nothing ran");
      assert.deepEqual(fake.dryRuns(), ["select * from big"]);
    },
    { maximumBytesBilled: 10_485_760 },
  );
});

Deno.test("transient HTTP failures are retried with the same job id", async (t) => {
  const cases: [string, (r: RecordedRequest) => boolean, { status: number; reason?: string }][] = [
    ["job creation: 503", isInsert, { status: 503, reason: "backendError" }],
    ["job creation: 500", isInsert, { status: 500, reason: "backendError" }],
    ["job creation: 429", isInsert, { status: 429, reason: "rateLimitExceeded" }],
    ["job creation: 403 rateLimitExceeded", isInsert, { status: 403, reason: "rateLimitExceeded" }],
    ["job creation: 403 backendError", isInsert, { status: 403, reason: "backendError" }],
    ["polling: 503", isPoll, { status: 503, reason: "backendError" }],
    ["polling: 429", isPoll, { status: 429, reason: "rateLimitExceeded" }],
    ["polling: 403 rateLimitExceeded", isPoll, { status: 403, reason: "rateLimitExceeded" }],
  ];
  for (const [name, match, fault] of cases) {
    await t.step(name, async () => {
      await withFake(
        { onQuery: () => ONE, faults: failFirst(2, match, fault) },
        async (fake, wh) => {
          assert.deepEqual(await wh.query("select 1 as n"), [{ n: 1 }]);
          const tries = fake.requests.filter(match);
          assert.equal(tries.filter((r) => r.status === fault.status).length, 2);
          assert.equal(tries.at(-1)!.status, 200);
          if (match === isInsert) {
            const ids = tries.map((r) =>
              (r.json as { jobReference: { jobId: string } }).jobReference.jobId
            );
            assert.equal(new Set(ids).size, 1, "one job id across the retries");
          }
        },
      );
    });
  }
});

Deno.test("a job whose creation reached BigQuery but whose answer was lost runs once", async () => {
  // The first insert creates the job and answers 503; the retry (same job id) meets 409
  // Already Exists, and the adapter waits for that job instead of failing or running twice.
  await withFake({
    onQuery: () => ONE,
    faults: failFirst(1, isInsert, { status: 503, reason: "backendError", lost: true }),
  }, async (fake, wh) => {
    assert.deepEqual(await wh.query("select 1 as n"), [{ n: 1 }]);
    assert.deepEqual(fake.requests.filter(isInsert).map((r) => r.status), [503, 409]);
    assert.equal(fake.queries().length, 1, "the job ran once");
  });
});

Deno.test("a 403 accessDenied is not retried and surfaces BigQuery's message", async () => {
  const message = "Access Denied: Project terraloop-test: User does not have bigquery.jobs.create";
  await withFake({
    onQuery: () => ONE,
    faults: failFirst(10, isInsert, { status: 403, reason: "accessDenied", message }),
  }, async (fake, wh) => {
    await assert.rejects(wh.query("select 1"), (error: Error) => {
      assert.match(
        error.message,
        /BigQuery job [0-9a-f-]{36} failed: Access Denied: Project terraloop-test/,
      );
      return true;
    });
    assert.equal(fake.requests.filter(isInsert).length, 1);
  });
});

Deno.test("retries are bounded: the last error is raised after the attempts", async () => {
  await withFake({
    onQuery: () => ONE,
    faults: failFirst(100, isInsert, {
      status: 503,
      reason: "backendError",
      message: "Service unavailable",
    }),
  }, async (fake, wh) => {
    await assert.rejects(wh.query("select 1"), /failed: Service unavailable/);
    assert.equal(fake.requests.filter(isInsert).length, 4);
  }, { retry: { attempts: 4, initialDelayMs: 1, maxDelayMs: 2 } });
});

Deno.test("a job failing inside BigQuery with a transient reason is resubmitted, boundedly", async (t) => {
  await t.step("backendError once: a second job succeeds", async () => {
    let failures = 1;
    await withFake({
      onQuery: () =>
        failures-- > 0
          ? { error: "Backend error, please retry", errorReason: "backendError" }
          : ONE,
    }, async (fake, wh) => {
      assert.deepEqual(await wh.query("select 1 as n"), [{ n: 1 }]);
      const jobs = fake.jobs();
      assert.equal(jobs.length, 2);
      assert.equal(jobs[0]!.configuration.query?.query, jobs[1]!.configuration.query?.query);
      assert.notEqual(jobs[0]!.jobReference.jobId, jobs[1]!.jobReference.jobId);
    });
  });
  await t.step("rateLimitExceeded every time: three jobs, then BigQuery's message", async () => {
    await withFake({
      onQuery: () => ({
        error: "Exceeded rate limits: too many table update operations",
        errorReason: "rateLimitExceeded",
      }),
    }, async (fake, wh) => {
      await assert.rejects(
        wh.execute("update t set x = 1"),
        /failed: Exceeded rate limits: too many table update operations/,
      );
      assert.equal(fake.jobs().length, 3);
    });
  });
  await t.step("invalidQuery: one job, no resubmission, BigQuery's message", async () => {
    await withFake({
      onQuery: () => ({ error: "Unrecognized name: nope at [1:8]" }),
    }, async (fake, wh) => {
      await assert.rejects(
        wh.query("select nope"),
        /^Error: BigQuery job [0-9a-f-]{36} failed: Unrecognized name: nope at \[1:8\]$/,
      );
      assert.equal(fake.jobs().length, 1);
    });
  });
});

Deno.test("uploads are retried on 503 and 429, and a load job failing transiently is resubmitted", async (t) => {
  const dir = await Deno.makeTempDir();
  const path = join(dir, "x.ndjson");
  await Deno.writeTextFile(path, '{"text":"a"}\n{"text":"b"}\n');
  const fields = [{ name: "text", type: "STRING" }];
  try {
    await t.step("HTTP 503 then 429 on the upload", async () => {
      let n = 0;
      await withFake({
        faults: (r) =>
          isUpload(r) && n++ < 2
            ? { status: n === 1 ? 503 : 429, reason: "backendError" }
            : undefined,
      }, async (fake, wh) => {
        assert.equal(await wh.loadNdjson(path, { schema: "raw", name: "_load_a" }, fields), 2);
        const uploads = fake.requests.filter(isUpload);
        assert.deepEqual(uploads.map((r) => r.status), [503, 429, 200]);
        // The whole body went up each time (the file is re-read for every attempt).
        assert.ok(uploads.every((r) => r.upload?.data === '{"text":"a"}\n{"text":"b"}\n'));
      });
    });
    await t.step("the load job fails with backendError once", async () => {
      let failures = 1;
      await withFake({
        onUpload: () =>
          failures-- > 0 ? { error: "Backend error", errorReason: "backendError" } : {},
      }, async (fake, wh) => {
        assert.equal(await wh.loadNdjson(path, { schema: "raw", name: "_load_b" }, fields), 2);
        assert.equal(fake.uploads().length, 2);
      });
    });
    await t.step("a load job failing for a bad row is not resubmitted", async () => {
      await withFake({
        onUpload: () => ({ error: "Error while reading data, error message: JSON parsing error" }),
      }, async (fake, wh) => {
        await assert.rejects(
          wh.loadNdjson(path, { schema: "raw", name: "_load_c" }, fields),
          /failed: Error while reading data, error message: JSON parsing error/,
        );
        assert.equal(fake.uploads().length, 1);
      });
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("queryFrame() reads 250k rows in pages into one typed frame", async () => {
  const n = 250_000;
  const rows: unknown[][] = new Array(n);
  for (let i = 0; i < n; i++) rows[i] = [`U${i}`, String(i), i % 2 === 0 ? "true" : "false"];
  const reply = {
    fields: [
      { name: "user_id", type: "STRING" },
      { name: "n", type: "INTEGER" },
      { name: "ok", type: "BOOLEAN" },
    ],
    rows,
    pageSize: 100_000,
  };
  await withFake({ onQuery: () => reply }, async (fake, wh) => {
    const frame = await wh.queryFrame("select * from t");
    assert.equal(frame.height, n);
    assert.ok(frame.getColumn("n").dtype.equals(pl.Int64));
    assert.equal(frame.getColumn("n").sum(), (n * (n - 1)) / 2);
    assert.equal(frame.getColumn("user_id").get(n - 1), `U${n - 1}`);
    assert.equal(frame.getColumn("ok").cast(pl.Int32).sum(), n / 2);
    assert.equal(fake.requests.filter(isPoll).length, 3, "three pages");
    // run() (the row path) takes pages of 100k rows without spreading them.
    const result = await wh.run("select * from t");
    assert.equal(result.rows.length, n);
  });
});
