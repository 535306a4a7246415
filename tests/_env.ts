/**
 * The test suite's view of its environment: whether it runs under CI (any truthy `CI`,
 * as CI services set it: `true`, `1`, `yes`), and a clean environment for CLI subprocesses
 * so a caller's `TERRALOOP_*` settings never leak into a test.
 *
 * @module
 */

const FALSY = new Set(["", "0", "false", "no", "off"]);

/**
 * Whether `CI` is set to a truthy value (anything but empty, `0`, `false`, `no`, `off`).
 *
 * @example
 * ```ts
 * isCi({ CI: "1" }); // true
 * isCi({ CI: "false" }); // false
 * ```
 */
export function isCi(env: Record<string, string | undefined> = Deno.env.toObject()): boolean {
  const value = env.CI;
  return value !== undefined && !FALSY.has(value.trim().toLowerCase());
}

/** Variables a CLI subprocess may inherit: what Deno, npm and the OS need, nothing more. */
const PASS_THROUGH = [
  "PATH",
  "HOME",
  "TMPDIR",
  "LANG",
  "LC_ALL",
  "DENO_DIR",
  "XDG_CACHE_HOME",
  "NPM_CONFIG_REGISTRY",
  "npm_config_registry",
  "HTTP_PROXY",
  "HTTPS_PROXY",
  "NO_PROXY",
  "http_proxy",
  "https_proxy",
  "no_proxy",
  "CHROMIUM_PATH",
];

/**
 * A clean environment for a CLI subprocess (use with `clearEnv: true`): the pass-through
 * variables above from this process, `NO_COLOR=1`, `TZ=UTC`, then `extra`. `TERRALOOP_*`
 * settings of the caller are never included; a test that needs one passes it in `extra`.
 *
 * @example
 * ```ts
 * new Deno.Command(Deno.execPath(), {
 *   args: ["run", "-A", "cli/load.ts"],
 *   clearEnv: true,
 *   env: cliEnv({ TERRALOOP_WAREHOUSE: "duckdb" }),
 * });
 * ```
 */
export function cliEnv(
  extra: Record<string, string> = {},
  from: Record<string, string | undefined> = Deno.env.toObject(),
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const name of PASS_THROUGH) {
    const value = from[name];
    if (value !== undefined) env[name] = value;
  }
  return { ...env, NO_COLOR: "1", TZ: "UTC", ...extra };
}
