// Throwaway Google credentials for tests: a service-account key file with a freshly
// generated RSA key (it signs its own JWT access tokens, so nothing asks Google for a token),
// and a check that a bearer token is such a JWT, signed by that key.

/** A service-account key written to disk, with what a test needs to check its use. */
export interface TestServiceAccount {
  /** The key file (JSON, as Google issues it). */
  path: string;
  /** The PEM private key inside it (a test asserts it is never printed). */
  privateKeyPem: string;
  /** The client e-mail inside it. */
  email: string;
  /** Verify a JWT's signature with the key's public half. */
  verify(jwt: string): Promise<boolean>;
}

/**
 * Write a service-account key file into `dir`.
 *
 * @example
 * ```ts
 * const sa = await writeServiceAccountKey(await Deno.makeTempDir());
 * ```
 */
export async function writeServiceAccountKey(dir: string): Promise<TestServiceAccount> {
  const keys = await crypto.subtle.generateKey(
    {
      name: "RSASSA-PKCS1-v1_5",
      modulusLength: 2048,
      publicExponent: new Uint8Array([1, 0, 1]),
      hash: "SHA-256",
    },
    true,
    ["sign", "verify"],
  );
  const pkcs8 = new Uint8Array(await crypto.subtle.exportKey("pkcs8", keys.privateKey));
  const base64 = btoa(String.fromCharCode(...pkcs8)).replace(/(.{64})/g, "$1\n");
  const privateKeyPem = `-----BEGIN PRIVATE KEY-----\n${base64}\n-----END PRIVATE KEY-----\n`;
  const email = "terraloop-ci@terraloop-test.iam.gserviceaccount.com";
  const path = `${dir}/service-account.json`;
  await Deno.writeTextFile(
    path,
    JSON.stringify({
      type: "service_account",
      project_id: "terraloop-test",
      private_key_id: "0123456789abcdef",
      private_key: privateKeyPem,
      client_email: email,
      client_id: "100000000000000000000",
      token_uri: "https://oauth2.googleapis.com/token",
    }),
  );
  return {
    path,
    privateKeyPem,
    email,
    verify: async (jwt: string) => {
      const [header, payload, signature] = jwt.split(".");
      if (!header || !payload || !signature) return false;
      const bytes = (text: string) =>
        Uint8Array.from(
          atob(text.replaceAll("-", "+").replaceAll("_", "/")),
          (c) => c.charCodeAt(0),
        );
      return await crypto.subtle.verify(
        "RSASSA-PKCS1-v1_5",
        keys.publicKey,
        bytes(signature),
        new TextEncoder().encode(`${header}.${payload}`),
      );
    },
  };
}

/** The claims of a JWT (no verification). */
export function jwtClaims(jwt: string): Record<string, unknown> {
  const payload = jwt.split(".")[1] ?? "";
  return JSON.parse(atob(payload.replaceAll("-", "+").replaceAll("_", "/")));
}
