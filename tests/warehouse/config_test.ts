import assert from "node:assert/strict";
import {
  openWarehouse,
  relationNamingOf,
  type WarehouseConfig,
  warehouseConfigFromEnv,
  warehouseLabel,
} from "../../lib/warehouse/config.ts";
import { BigQueryWarehouse } from "../../lib/warehouse/bigquery.ts";
import { DuckDbWarehouse } from "../../lib/warehouse/duckdb.ts";
import { fakeAuthClient, startFakeBigQuery } from "./_fake_bigquery.ts";

Deno.test("warehouseConfigFromEnv() reads TERRALOOP_* settings with defaults", async (t) => {
  const cases: [string, Record<string, string>, WarehouseConfig][] = [
    ["nothing set: DuckDB at the default path", {}, {
      kind: "duckdb",
      path: "data/warehouse.duckdb",
    }],
    ["DuckDB path", { TERRALOOP_DUCKDB_PATH: "/tmp/x.duckdb" }, {
      kind: "duckdb",
      path: "/tmp/x.duckdb",
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
    }, { kind: "duckdb", path: "data/warehouse.duckdb" }],
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
  });
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
