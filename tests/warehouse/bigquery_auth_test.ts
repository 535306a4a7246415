// Credentials for BigQuery: Application Default Credentials found or refused quickly, with a
// message naming GOOGLE_APPLICATION_CREDENTIALS and `gcloud auth application-default login`;
// a service-account key used without any token request (it signs its own JWT); nothing from
// a credentials file, no token and no URL password in any message. What is not shown here:
// user credentials from `gcloud auth application-default login` (their refresh goes to
// Google's OAuth endpoint), and the metadata server of a real Google Cloud machine.
import assert from "node:assert/strict";
import { join } from "node:path";
import { CredentialsError, resolveAuthClient } from "../../lib/warehouse/_bigquery_auth.ts";
import { redactSecrets } from "../../lib/warehouse/_secrets.ts";
import { openBigQuery } from "../../lib/warehouse/bigquery.ts";
import { jwtClaims, writeServiceAccountKey } from "./_credentials.ts";
import { startFakeBigQuery } from "./_fake_bigquery.ts";

const ADVICE = /GOOGLE_APPLICATION_CREDENTIALS.*`gcloud auth application-default login`/;

/** A port with nothing listening on it. */
function closedPort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}

Deno.test("no ADC at all: CredentialsError naming what to set, without the metadata server's 18 s wait", async () => {
  const home = await Deno.makeTempDir();
  try {
    await assert.rejects(
      resolveAuthClient({ env: { HOME: home, GCE_METADATA_HOST: `127.0.0.1:${closedPort()}` } }),
      (error: Error) => {
        assert.ok(error instanceof CredentialsError);
        assert.match(error.message, /^Cannot find Google Cloud credentials for BigQuery: /);
        assert.match(error.message, ADVICE);
        assert.ok(
          error.message.includes(join(home, ".config/gcloud/application_default_credentials.json")),
        );
        return true;
      },
    );
  } finally {
    await Deno.remove(home, { recursive: true });
  }
});

Deno.test("a metadata server that never answers is given metadataTimeoutMs, not more", async () => {
  // Accepts connections and never answers: the probe must give up by itself.
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const held: Deno.Conn[] = [];
  const accepting = (async () => {
    for await (const conn of listener) held.push(conn);
  })();
  const home = await Deno.makeTempDir();
  try {
    const host = `127.0.0.1:${(listener.addr as Deno.NetAddr).port}`;
    await assert.rejects(
      resolveAuthClient({ env: { HOME: home, GCE_METADATA_HOST: host }, metadataTimeoutMs: 300 }),
      (error: Error) => {
        assert.match(
          error.message,
          new RegExp(`metadata server at ${host} \\(no answer within 0\\.3 s\\)`),
        );
        assert.match(error.message, ADVICE);
        return true;
      },
    );
    assert.equal(held.length, 1, "the probe did connect, and gave up waiting");
  } finally {
    listener.close();
    for (const conn of held) conn.close();
    await accepting.catch(() => {});
    await Deno.remove(home, { recursive: true });
  }
});

Deno.test("GOOGLE_APPLICATION_CREDENTIALS that cannot be used is named, its content never shown", async (t) => {
  const dir = await Deno.makeTempDir();
  try {
    const secret = "-----BEGIN PRIVATE KEY-----\nMIIsecretsecret\n-----END PRIVATE KEY-----";
    await Deno.writeTextFile(
      join(dir, "broken.json"),
      `{"type": "service_account", "private_key": "${secret}`,
    );
    await Deno.writeTextFile(join(dir, "no-type.json"), JSON.stringify({ private_key: secret }));
    await Deno.writeTextFile(
      join(dir, "no-email.json"),
      JSON.stringify({ type: "service_account", private_key: secret }),
    );
    const cases: [string, RegExp][] = [
      [
        "missing.json",
        /Cannot use GOOGLE_APPLICATION_CREDENTIALS ".*missing\.json": the file does not exist; set GOOGLE/,
      ],
      [
        "broken.json",
        /Cannot use GOOGLE_APPLICATION_CREDENTIALS ".*broken\.json": the file is not JSON/,
      ],
      ["no-type.json", /".*no-type\.json": not a Google credentials file \(no "type"\)/],
      ["no-email.json", /".*no-email\.json": "client_email" is missing/],
    ];
    for (const [name, expected] of cases) {
      await t.step(name, async () => {
        await assert.rejects(
          resolveAuthClient({ env: { GOOGLE_APPLICATION_CREDENTIALS: join(dir, name) } }),
          (error: Error) => {
            assert.ok(error instanceof CredentialsError);
            assert.match(error.message, expected);
            assert.doesNotMatch(error.message, /secret|PRIVATE KEY/);
            return true;
          },
        );
      });
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a service-account key signs its own JWT: the API sees it, no token endpoint is called", async () => {
  const dir = await Deno.makeTempDir();
  const sa = await writeServiceAccountKey(dir);
  const fake = startFakeBigQuery({ datasets: { terraloop_raw: "US" } });
  try {
    const wh = await openBigQuery("terraloop-test", {
      apiEndpoint: fake.endpoint,
      keyFilename: sa.path,
      schemas: ["raw"],
    });
    await wh.close();
    assert.ok(fake.requests.length > 0);
    for (const request of fake.requests) {
      const token = request.authorization?.replace(/^Bearer /, "") ?? "";
      assert.ok(await sa.verify(token), "signed by the service account's key");
      const claims = jwtClaims(token);
      assert.equal(claims.iss, sa.email);
      assert.match(String(claims.scope), /auth\/bigquery/);
    }
    assert.ok(fake.requests.every((r) => r.path.startsWith("/bigquery/")), "no token request");
  } finally {
    await fake.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("GOOGLE_APPLICATION_CREDENTIALS naming a service-account key is used the same way", async () => {
  const dir = await Deno.makeTempDir();
  const sa = await writeServiceAccountKey(dir);
  try {
    const client = await resolveAuthClient({ env: { GOOGLE_APPLICATION_CREDENTIALS: sa.path } });
    const headers = new Headers(await client.getRequestHeaders("http://127.0.0.1/x"));
    assert.ok(await sa.verify(headers.get("authorization")!.replace(/^Bearer /, "")));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("gcloud's well-known file is found under CLOUDSDK_CONFIG", async () => {
  const dir = await Deno.makeTempDir();
  const sa = await writeServiceAccountKey(dir);
  try {
    await Deno.rename(sa.path, join(dir, "application_default_credentials.json"));
    const client = await resolveAuthClient({ env: { CLOUDSDK_CONFIG: dir } });
    const headers = new Headers(await client.getRequestHeaders("http://127.0.0.1/x"));
    assert.ok(await sa.verify(headers.get("authorization")!.replace(/^Bearer /, "")));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("redactSecrets() removes keys, tokens and URL passwords from any text", async (t) => {
  const cases: [string, string][] = [
    [
      "request to http://admin:hunter2@127.0.0.1:9/x failed",
      "request to http://[redacted]@127.0.0.1:9/x failed",
    ],
    ["authorization: Bearer ya29.a0AfH6SM-abc.def", "authorization: Bearer [redacted]"],
    ["token ya29.a0AfH6SMabc leaked", "token ya29.[redacted] leaked"],
    [
      '{"access_token":"abc123","expires_in":3599}',
      '{"access_token":"[redacted]","expires_in":3599}',
    ],
    [
      "refresh_token=1//0gabc&client_secret=xyz",
      "refresh_token=[redacted]&client_secret=[redacted]",
    ],
    ["-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----", "[private key]"],
    ["Not found: Table p:d.t", "Not found: Table p:d.t"],
  ];
  for (const [input, expected] of cases) {
    await t.step(input, () => assert.equal(redactSecrets(input), expected));
  }
});
