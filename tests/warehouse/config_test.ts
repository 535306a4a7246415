import assert from "node:assert/strict";
import {
  formatMemorySize,
  openWarehouse,
  parseMemorySize,
  relationNamingOf,
  type WarehouseConfig,
  warehouseConfigFromEnv,
  warehouseLabel,
  warehouseMemoryLabel,
} from "../../lib/warehouse/config.ts";
import { defaultMemoryLimitBytes } from "../../lib/warehouse/_memory.ts";

const GIB = 2 ** 30;
const DEFAULT_LIMIT = defaultMemoryLimitBytes();
import { BigQueryWarehouse } from "../../lib/warehouse/bigquery.ts";
import { DuckDbWarehouse } from "../../lib/warehouse/duckdb.ts";
import { fakeAuthClient, startFakeBigQuery } from "./_fake_bigquery.ts";

Deno.test("warehouseConfigFromEnv() reads TERRALOOP_* settings with defaults", async (t) => {
  const cases: [string, Record<string, string>, WarehouseConfig][] = [
    ["nothing set: DuckDB at the default path", {}, {
      kind: "duckdb",
      path: "data/warehouse.duckdb",
      memoryLimit: DEFAULT_LIMIT,
      tempDirectory: "data/warehouse.duckdb.tmp",
    }],
    ["DuckDB path", { TERRALOOP_DUCKDB_PATH: "/tmp/x.duckdb" }, {
      kind: "duckdb",
      path: "/tmp/x.duckdb",
      memoryLimit: DEFAULT_LIMIT,
      tempDirectory: "/tmp/x.duckdb.tmp",
    }],
    ["DuckDB memory limit and spill directory", {
      TERRALOOP_MEMORY_LIMIT: "2GiB",
      TERRALOOP_DUCKDB_TEMP_DIR: "/scratch/spill",
    }, {
      kind: "duckdb",
      path: "data/warehouse.duckdb",
      memoryLimit: 2 * GIB,
      tempDirectory: "/scratch/spill",
    }],
    ["in-memory DuckDB spills to its scratch directory", { TERRALOOP_DUCKDB_PATH: ":memory:" }, {
      kind: "duckdb",
      path: ":memory:",
      memoryLimit: DEFAULT_LIMIT,
    }],
    ["BigQuery with defaults", {
      TERRALOOP_WAREHOUSE: "bigquery",
      TERRALOOP_BQ_PROJECT: "acme-analytics",
    }, {
      kind: "bigquery",
      projectId: "acme-analytics",
      datasetPrefix: "terraloop",
      location: "US",
    }],
    ["BigQuery fully set", {
      TERRALOOP_WAREHOUSE: " bigquery ",
      TERRALOOP_BQ_PROJECT: "example.com:acme-analytics",
      TERRALOOP_BQ_DATASET_PREFIX: "tl_dev",
      TERRALOOP_BQ_LOCATION: "europe-west1",
      TERRALOOP_BQ_API_ENDPOINT: "http://127.0.0.1:9050",
    }, {
      kind: "bigquery",
      projectId: "example.com:acme-analytics",
      datasetPrefix: "tl_dev",
      location: "europe-west1",
      apiEndpoint: "http://127.0.0.1:9050",
    }],
    ["empty values count as unset", {
      TERRALOOP_WAREHOUSE: "",
      TERRALOOP_DUCKDB_PATH: "  ",
      TERRALOOP_MEMORY_LIMIT: "",
    }, {
      kind: "duckdb",
      path: "data/warehouse.duckdb",
      memoryLimit: DEFAULT_LIMIT,
      tempDirectory: "data/warehouse.duckdb.tmp",
    }],
  ];
  for (const [name, env, expected] of cases) {
    await t.step(name, () => {
      assert.deepEqual(warehouseConfigFromEnv(env), expected);
    });
  }
});

Deno.test("warehouseConfigFromEnv() lets flags override the environment", () => {
  const env = {
    TERRALOOP_WAREHOUSE: "duckdb",
    TERRALOOP_BQ_PROJECT: "from-env-project",
    TERRALOOP_BQ_LOCATION: "EU",
  };
  assert.deepEqual(
    warehouseConfigFromEnv(env, {
      target: "bigquery",
      bigqueryProject: "from-flag-project",
      datasetPrefix: "acme",
    }),
    {
      kind: "bigquery",
      projectId: "from-flag-project",
      datasetPrefix: "acme",
      location: "EU",
    },
  );
  assert.deepEqual(warehouseConfigFromEnv(env, { warehouse: "x.duckdb", target: "" }), {
    kind: "duckdb",
    path: "x.duckdb",
    memoryLimit: DEFAULT_LIMIT,
    tempDirectory: "x.duckdb.tmp",
  });
  assert.deepEqual(
    warehouseConfigFromEnv(
      { TERRALOOP_MEMORY_LIMIT: "8GB", TERRALOOP_DUCKDB_TEMP_DIR: "/env/spill" },
      { memoryLimit: "512MiB", tempDirectory: "/flag/spill" },
    ),
    {
      kind: "duckdb",
      path: "data/warehouse.duckdb",
      memoryLimit: 512 * 2 ** 20,
      tempDirectory: "/flag/spill",
    },
  );
});

Deno.test("the default memory limit is 40% of the machine, capped at 2.5 GiB", () => {
  assert.equal(defaultMemoryLimitBytes(24 * GIB), 2.5 * GIB);
  assert.equal(defaultMemoryLimitBytes(4 * GIB), Math.floor(4 * GIB * 0.4 / 2 ** 20) * 2 ** 20);
  assert.equal(defaultMemoryLimitBytes(256 * 2 ** 20), 256 * 2 ** 20); // floor
  assert.equal(defaultMemoryLimitBytes(undefined), 2.5 * GIB); // unknown machine: the cap
  assert.ok(DEFAULT_LIMIT >= 256 * 2 ** 20 && DEFAULT_LIMIT <= 2.5 * GIB);
});

Deno.test("parseMemorySize() reads decimal and binary units and percentages", async (t) => {
  const cases: [string, number][] = [
    ["4GB", 4e9],
    ["4 GiB", 4 * GIB],
    ["512mb", 512e6],
    ["1.5GiB", 1.5 * GIB],
    ["100MiB", 100 * 2 ** 20],
    ["50%", 4 * GIB],
  ];
  for (const [text, bytes] of cases) {
    await t.step(text, () => assert.equal(parseMemorySize(text, "X", 8 * GIB), bytes));
  }
  for (const bad of ["4", "four GB", "4 parsecs", "0%", "150%", "10MB", "-1GB"]) {
    await t.step(`refuses "${bad}"`, () => {
      assert.throws(() => parseMemorySize(bad, "TERRALOOP_MEMORY_LIMIT", 8 * GIB), (error) => {
        assert.ok(error instanceof TypeError);
        assert.match(error.message, /^TERRALOOP_MEMORY_LIMIT must be /);
        assert.ok(error.message.includes(`"${bad}"`), error.message);
        return true;
      });
    });
  }
  assert.equal(formatMemorySize(3 * GIB), "3.0 GiB");
  assert.equal(formatMemorySize(512 * 2 ** 20), "512 MiB");
});

Deno.test("warehouseConfigFromEnv() names the setting or flag that is wrong", async (t) => {
  const cases: [string, Record<string, string>, Record<string, string>, string][] = [
    [
      "unknown warehouse",
      { TERRALOOP_WAREHOUSE: "pg" },
      {},
      'TERRALOOP_WAREHOUSE must be "duckdb" or "bigquery", got "pg"',
    ],
    [
      "unknown --target",
      { TERRALOOP_WAREHOUSE: "duckdb" },
      { target: "snowflake" },
      '--target must be "duckdb" or "bigquery", got "snowflake"',
    ],
    [
      "missing project",
      { TERRALOOP_WAREHOUSE: "bigquery" },
      {},
      'TERRALOOP_BQ_PROJECT is required when TERRALOOP_WAREHOUSE is "bigquery": set it (or ' +
      "GOOGLE_CLOUD_PROJECT, or --bigquery-project) to the Google Cloud project id that holds " +
      "the datasets",
    ],
    [
      "bad GOOGLE_CLOUD_PROJECT",
      { TERRALOOP_WAREHOUSE: "bigquery", GOOGLE_CLOUD_PROJECT: "Bad Project" },
      {},
      "GOOGLE_CLOUD_PROJECT must be a Google Cloud project id (6-30 lower-case letters, " +
      'digits or hyphens, starting with a letter), got "Bad Project"',
    ],
    [
      "bad bytes billed",
      {
        TERRALOOP_WAREHOUSE: "bigquery",
        TERRALOOP_BQ_PROJECT: "acme-analytics",
        TERRALOOP_BQ_MAXIMUM_BYTES_BILLED: "10GB",
      },
      {},
      "TERRALOOP_BQ_MAXIMUM_BYTES_BILLED must be a whole number of bytes greater than 0 " +
      '(e.g. 10000000000 for 10 GB), got "10GB"',
    ],
    [
      "bad bytes billed flag",
      { TERRALOOP_WAREHOUSE: "bigquery", TERRALOOP_BQ_PROJECT: "acme-analytics" },
      { maximumBytesBilled: "0" },
      "--maximum-bytes-billed must be a whole number of bytes greater than 0 " +
      '(e.g. 10000000000 for 10 GB), got "0"',
    ],
    [
      "an endpoint with a password: refused, and the password not shown",
      {
        TERRALOOP_WAREHOUSE: "bigquery",
        TERRALOOP_BQ_PROJECT: "acme-analytics",
        TERRALOOP_BQ_API_ENDPOINT: "https://admin:s3cr3t-pw@bq.example.com",
      },
      {},
      "TERRALOOP_BQ_API_ENDPOINT must not contain a user name or password (BigQuery " +
      "credentials come from Application Default Credentials), got " +
      '"https://[redacted]@bq.example.com"',
    ],
    [
      "an invalid URL with a password: the password not shown",
      {
        TERRALOOP_WAREHOUSE: "bigquery",
        TERRALOOP_BQ_PROJECT: "acme-analytics",
        TERRALOOP_BQ_API_ENDPOINT: "http://admin:s3cr3t pw@[bad host",
      },
      {},
      'TERRALOOP_BQ_API_ENDPOINT must be an http(s) URL such as "http://127.0.0.1:9050", ' +
      'got "http://[redacted]@[bad host"',
    ],
    [
      "a Cloud Storage endpoint with a password",
      {
        TERRALOOP_WAREHOUSE: "bigquery",
        TERRALOOP_BQ_PROJECT: "acme-analytics",
        TERRALOOP_GCS_API_ENDPOINT: "http://u:s3cr3t-pw@127.0.0.1:1",
      },
      {},
      "TERRALOOP_GCS_API_ENDPOINT must not contain a user name or password (BigQuery " +
      "credentials come from Application Default Credentials), got " +
      '"http://[redacted]@127.0.0.1:1"',
    ],
    [
      "bad project",
      { TERRALOOP_WAREHOUSE: "bigquery", TERRALOOP_BQ_PROJECT: "My Project" },
      {},
      "TERRALOOP_BQ_PROJECT must be a Google Cloud project id (6-30 lower-case letters, " +
      'digits or hyphens, starting with a letter), got "My Project"',
    ],
    [
      "bad project flag",
      { TERRALOOP_WAREHOUSE: "bigquery", TERRALOOP_BQ_PROJECT: "fine-project" },
      { bigqueryProject: "x" },
      "--bigquery-project must be a Google Cloud project id (6-30 lower-case letters, " +
      'digits or hyphens, starting with a letter), got "x"',
    ],
    [
      "bad prefix",
      {
        TERRALOOP_WAREHOUSE: "bigquery",
        TERRALOOP_BQ_PROJECT: "acme-analytics",
        TERRALOOP_BQ_DATASET_PREFIX: "tl-dev",
      },
      {},
      'TERRALOOP_BQ_DATASET_PREFIX must contain only letters, digits and underscores, got "tl-dev"',
    ],
    [
      "bad location",
      {
        TERRALOOP_WAREHOUSE: "bigquery",
        TERRALOOP_BQ_PROJECT: "acme-analytics",
        TERRALOOP_BQ_LOCATION: "us central",
      },
      {},
      'TERRALOOP_BQ_LOCATION must be a BigQuery location such as "US", "EU" or ' +
      '"europe-west1", got "us central"',
    ],
    [
      "bad endpoint",
      {
        TERRALOOP_WAREHOUSE: "bigquery",
        TERRALOOP_BQ_PROJECT: "acme-analytics",
        TERRALOOP_BQ_API_ENDPOINT: "localhost:9050",
      },
      {},
      'TERRALOOP_BQ_API_ENDPOINT must be an http(s) URL such as "http://127.0.0.1:9050", ' +
      'got "localhost:9050"',
    ],
  ];
  for (const [name, env, flags, message] of cases) {
    await t.step(name, () => {
      assert.throws(() => warehouseConfigFromEnv(env, flags), { name: "TypeError", message });
      assert.doesNotMatch(message, /s3cr3t/);
    });
  }
});

Deno.test("warehouseConfigFromEnv() names a wrong memory limit by its flag or variable", () => {
  assert.throws(
    () => warehouseConfigFromEnv({ TERRALOOP_MEMORY_LIMIT: "lots" }),
    /TERRALOOP_MEMORY_LIMIT must be a memory size such as "4GB", "512MiB" or "40%", got "lots"/,
  );
  assert.throws(
    () => warehouseConfigFromEnv({}, { memoryLimit: "3 furlongs" }),
    /--memory-limit must be a memory size/,
  );
});

Deno.test("warehouseMemoryLabel() states the limit and the spill directory", () => {
  assert.equal(
    warehouseMemoryLabel(warehouseConfigFromEnv({ TERRALOOP_MEMORY_LIMIT: "2GiB" })),
    "memory limit 2.0 GiB, spills to data/warehouse.duckdb.tmp",
  );
  assert.equal(
    warehouseMemoryLabel({
      kind: "bigquery",
      projectId: "p-12345",
      datasetPrefix: "t",
      location: "US",
    }),
    null,
  );
});

Deno.test("openWarehouse() gives DuckDB the configured memory limit and spill directory", async () => {
  const dir = await Deno.makeTempDir();
  const config = warehouseConfigFromEnv({
    TERRALOOP_DUCKDB_PATH: `${dir}/w.duckdb`,
    TERRALOOP_MEMORY_LIMIT: "300MiB",
  });
  const wh = await openWarehouse(config);
  try {
    assert.ok(wh instanceof DuckDbWarehouse);
    const [row] = await wh.query<{ memory: string; temp: string }>(
      "select current_setting('memory_limit') as memory, current_setting('temp_directory') as temp",
    );
    assert.deepEqual(row, { memory: "300.0 MiB", temp: `${dir}/w.duckdb.tmp` });
    assert.deepEqual(wh.limits, {
      memoryLimit: 300 * 2 ** 20,
      tempDirectory: `${dir}/w.duckdb.tmp`,
      loadBatchBytes: 16 * 2 ** 20, // a 24th of 300 MiB is below the 16 MiB floor
    });
    // releaseMemory() evicts the cache and puts the configured limit back.
    await wh.releaseMemory();
    const [after] = await wh.query<{ memory: string }>(
      "select current_setting('memory_limit') as memory",
    );
    assert.equal(after?.memory, "300.0 MiB");
  } finally {
    await wh.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a read-only openWarehouse() keeps the memory limit but spills to its own scratch directory", async () => {
  const dir = await Deno.makeTempDir();
  const config = warehouseConfigFromEnv({
    TERRALOOP_DUCKDB_PATH: `${dir}/w.duckdb`,
    TERRALOOP_MEMORY_LIMIT: "300MiB",
  });
  await (await openWarehouse(config)).close();
  const wh = await openWarehouse(config, { readOnly: true });
  try {
    assert.ok(wh instanceof DuckDbWarehouse);
    const [row] = await wh.query<{ memory: string; temp: string }>(
      "select current_setting('memory_limit') as memory, current_setting('temp_directory') as temp",
    );
    assert.equal(row?.memory, "300.0 MiB");
    assert.notEqual(row?.temp, `${dir}/w.duckdb.tmp`, "nothing is written beside the file");
    assert.equal(row?.temp, wh.limits.tempDirectory);
    assert.ok(!wh.limits.tempDirectory.startsWith(dir), wh.limits.tempDirectory);
  } finally {
    await wh.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("warehouseConfigFromEnv() takes GOOGLE_CLOUD_PROJECT when TERRALOOP_BQ_PROJECT is unset", () => {
  const env = { TERRALOOP_WAREHOUSE: "bigquery", GOOGLE_CLOUD_PROJECT: "gcloud-project" };
  assert.equal(
    (warehouseConfigFromEnv(env) as { projectId: string }).projectId,
    "gcloud-project",
  );
  assert.equal(
    (warehouseConfigFromEnv({ ...env, TERRALOOP_BQ_PROJECT: "terraloop-project" }) as {
      projectId: string;
    }).projectId,
    "terraloop-project",
    "TERRALOOP_BQ_PROJECT wins",
  );
  assert.equal(
    (warehouseConfigFromEnv(env, { bigqueryProject: "flag-project" }) as { projectId: string })
      .projectId,
    "flag-project",
    "the flag wins",
  );
});

Deno.test("warehouseConfigFromEnv() reads the bytes-billed limit and the Cloud Storage endpoint", () => {
  const env = {
    TERRALOOP_WAREHOUSE: "bigquery",
    TERRALOOP_BQ_PROJECT: "acme-analytics",
    TERRALOOP_BQ_MAXIMUM_BYTES_BILLED: "10_000_000_000",
    TERRALOOP_GCS_API_ENDPOINT: "http://127.0.0.1:4443",
  };
  assert.deepEqual(warehouseConfigFromEnv(env), {
    kind: "bigquery",
    projectId: "acme-analytics",
    datasetPrefix: "terraloop",
    location: "US",
    storageEndpoint: "http://127.0.0.1:4443",
    maximumBytesBilled: 10_000_000_000,
  });
  assert.equal(
    (warehouseConfigFromEnv(env, { maximumBytesBilled: "5000" }) as { maximumBytesBilled: number })
      .maximumBytesBilled,
    5000,
  );
});

Deno.test("relationNamingOf() gives the compiler the project and prefix for BigQuery only", () => {
  assert.deepEqual(relationNamingOf({ kind: "duckdb", path: "x" }), {});
  assert.deepEqual(
    relationNamingOf({
      kind: "bigquery",
      projectId: "acme-analytics",
      datasetPrefix: "tl",
      location: "US",
    }),
    { bigqueryProject: "acme-analytics", datasetPrefix: "tl" },
  );
});

Deno.test("warehouseLabel() names the DuckDB file or the BigQuery project, datasets and location", () => {
  assert.equal(warehouseLabel({ kind: "duckdb", path: "data/w.duckdb" }), "data/w.duckdb");
  assert.equal(
    warehouseLabel({
      kind: "bigquery",
      projectId: "acme-prod",
      datasetPrefix: "tl",
      location: "EU",
    }),
    "bigquery:acme-prod (tl_*, EU)",
  );
  assert.equal(
    warehouseLabel({ kind: "bigquery", projectId: "acme-prod", datasetPrefix: "", location: "US" }),
    "bigquery:acme-prod (*, US)",
  );
});

Deno.test("openWarehouse() opens the adapter the config names", async () => {
  const duck = await openWarehouse({ kind: "duckdb", path: ":memory:" });
  try {
    assert.ok(duck instanceof DuckDbWarehouse);
    assert.equal(duck.dialect, "duckdb");
  } finally {
    await duck.close();
  }

  const fake = startFakeBigQuery();
  try {
    const config = warehouseConfigFromEnv({
      TERRALOOP_WAREHOUSE: "bigquery",
      TERRALOOP_BQ_PROJECT: "acme-analytics",
      TERRALOOP_BQ_LOCATION: "EU",
      TERRALOOP_BQ_API_ENDPOINT: fake.endpoint,
    });
    const wh = await openWarehouse(config, { bigquery: { authClient: fakeAuthClient() } });
    try {
      assert.ok(wh instanceof BigQueryWarehouse);
      assert.equal(wh.dialect, "bigquery");
      assert.equal(wh.description, "bigquery:acme-analytics/terraloop_* (EU)");
      assert.deepEqual(
        [...fake.datasets].sort(),
        [
          ["terraloop_audit", "EU"],
          ["terraloop_marts", "EU"],
          ["terraloop_raw", "EU"],
          ["terraloop_staging", "EU"],
        ],
      );
      assert.ok(fake.requests.length > 0);
      assert.ok(fake.requests.every((r) => r.path.includes("/projects/acme-analytics/")));
    } finally {
      await wh.close();
    }
  } finally {
    await fake.close();
  }
});
