/**
 * Browser test harness: headless Chromium through playwright-core, offline by design.
 *
 * ```ts
 * import { browserTest } from "../_browser.ts";
 *
 * browserTest("report opens offline", async (browser) => {
 *   const view = await browser.openFile("reports/report.html");
 *   assertEquals(view.externalRequests, []);
 * });
 * ```
 *
 * Without Chromium, `browserTest` registers the test as ignored and prints a loud warning;
 * under CI (any truthy `CI`: `true`, `1`, …) a missing browser fails the test instead. Set `CHROMIUM_PATH` to use a
 * browser that is not on PATH as `chromium`.
 *
 * @module
 */
import { chromium } from "playwright-core";
import type { BrowserContext, Page } from "playwright-core";
import { isCi } from "./_env.ts";

/** Chromium flags: headless-friendly, and nothing that phones home. */
export const CHROMIUM_ARGS: readonly string[] = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--no-first-run",
  "--disable-quic",
  "--disable-sync",
];

/** URL schemes that do not leave the machine. */
const LOCAL_SCHEMES = ["file:", "data:", "about:"];

const CANDIDATES = ["chromium", "chromium-browser", "google-chrome", "google-chrome-stable"];

function _isExecutable(path: string): boolean {
  try {
    const info = Deno.statSync(path);
    return info.isFile && ((info.mode ?? 0o111) & 0o111) !== 0;
  } catch {
    return false;
  }
}

/**
 * Path of the Chromium to use: `$CHROMIUM_PATH` if set (it must exist), else the first of
 * chromium / chromium-browser / google-chrome on `PATH`; `undefined` when none is found.
 */
export function chromiumPath(): string | undefined {
  const fromEnv = Deno.env.get("CHROMIUM_PATH");
  if (fromEnv) return _isExecutable(fromEnv) ? fromEnv : undefined;
  const dirs = (Deno.env.get("PATH") ?? "/usr/local/bin:/usr/bin:/bin").split(":");
  for (const name of CANDIDATES) {
    for (const dir of dirs) {
      if (dir && _isExecutable(`${dir}/${name}`)) return `${dir}/${name}`;
    }
  }
  return undefined;
}

/** True when a Chromium executable is available. */
export function browserAvailable(): boolean {
  return chromiumPath() !== undefined;
}

/** What happened while a page was open; arrays fill in as events arrive. */
export interface PageView {
  /** The Playwright page. */
  page: Page;
  /** `console.error` messages (including CSP violations and failed loads). */
  consoleErrors: string[];
  /** Uncaught exceptions in the page. */
  pageErrors: string[];
  /** URLs requested that are not `file:`, `data:` or `about:` (or an allowed prefix). */
  externalRequests: string[];
  /** Messages of `alert` / `confirm` / `prompt` dialogs (each is dismissed). */
  dialogs: string[];
}

/** Options for {@linkcode BrowserSession.openFile} and {@linkcode BrowserSession.openUrl}. */
export interface OpenOptions {
  /** `prefers-color-scheme` to emulate. @default "light" */
  colorScheme?: "light" | "dark";
  /** Viewport size. @default { width: 1280, height: 900 } */
  viewport?: { width: number; height: number };
  /** URL prefixes that count as local (e.g. `http://127.0.0.1:8888/`). @default [] */
  allowPrefixes?: readonly string[];
  /** Abort requests that are not local, so a test never reaches the network. @default true */
  blockExternal?: boolean;
  /** `waitUntil` for navigation. @default "load" */
  waitUntil?: "load" | "domcontentloaded" | "networkidle";
}

/** A running browser with a fresh profile. */
export interface BrowserSession {
  /** The persistent context backed by the fresh profile directory. */
  context: BrowserContext;
  /** Open a local file (relative paths resolve against the working directory). */
  openFile(path: string, options?: OpenOptions): Promise<PageView>;
  /** Open any URL, recording requests outside `allowPrefixes`. */
  openUrl(url: string, options?: OpenOptions): Promise<PageView>;
}

/** Options for {@linkcode withBrowser}. */
export interface WithBrowserOptions {
  /** Launch timeout in ms. @default 60000 */
  timeout?: number;
}

/** Turn a file path into a `file://` URL (absolute or relative to the working directory). */
export function fileUrl(path: string): string {
  const absolute = path.startsWith("/") ? path : `${Deno.cwd()}/${path}`;
  return new URL(`file://${absolute.split("/").map(encodeURIComponent).join("/")}`).href;
}

function _isLocal(url: string, allow: readonly string[]): boolean {
  return LOCAL_SCHEMES.some((s) => url.startsWith(s)) || allow.some((p) => url.startsWith(p));
}

/**
 * Launch headless Chromium with a fresh user-data-dir, run `fn`, then close the browser and
 * delete the profile. Throws a clear `Error` if no Chromium is found.
 */
export async function withBrowser<T>(
  fn: (session: BrowserSession) => Promise<T>,
  options: WithBrowserOptions = {},
): Promise<T> {
  const executablePath = chromiumPath();
  if (!executablePath) throw new Error(_missingMessage());
  const profile = await Deno.makeTempDir({ prefix: "tl-chromium-profile-" });
  const context = await chromium.launchPersistentContext(profile, {
    executablePath,
    headless: true,
    args: [...CHROMIUM_ARGS],
    timeout: options.timeout ?? 60_000,
    viewport: { width: 1280, height: 900 },
  });
  const open = async (url: string, opts: OpenOptions): Promise<PageView> => {
    const allow = opts.allowPrefixes ?? [];
    const page = await context.newPage();
    const view: PageView = {
      page,
      consoleErrors: [],
      pageErrors: [],
      externalRequests: [],
      dialogs: [],
    };
    page.on("console", (msg) => {
      if (msg.type() === "error") view.consoleErrors.push(msg.text());
    });
    page.on("pageerror", (err) => view.pageErrors.push(err.message));
    page.on("dialog", (dialog) => {
      view.dialogs.push(`${dialog.type()}: ${dialog.message()}`);
      dialog.dismiss().catch(() => {});
    });
    page.on("request", (req) => {
      if (!_isLocal(req.url(), allow)) view.externalRequests.push(req.url());
    });
    if (opts.blockExternal ?? true) {
      await page.route(
        (u) => !_isLocal(u.href, allow),
        (route) => route.abort("blockedbyclient"),
      );
    }
    await page.emulateMedia({ colorScheme: opts.colorScheme ?? "light" });
    if (opts.viewport) await page.setViewportSize(opts.viewport);
    await page.goto(url, { waitUntil: opts.waitUntil ?? "load" });
    return view;
  };
  const session: BrowserSession = {
    context,
    openFile: (path, opts = {}) => open(fileUrl(path), opts),
    openUrl: (url, opts = {}) => open(url, opts),
  };
  try {
    return await fn(session);
  } finally {
    await context.close().catch(() => {});
    await Deno.remove(profile, { recursive: true }).catch(() => {});
  }
}

/**
 * Open one local file in a fresh browser, hand the view to `fn`, then close everything.
 * Shorthand for `withBrowser((b) => b.openFile(path).then(fn))`.
 */
export function openFile<T>(
  path: string,
  fn: (view: PageView) => Promise<T>,
  options: OpenOptions = {},
): Promise<T> {
  return withBrowser(async (browser) => fn(await browser.openFile(path, options)));
}

/** Save a full-page PNG screenshot, creating the folder; returns the path. */
export async function screenshot(page: Page, path: string): Promise<string> {
  const dir = path.includes("/") ? path.slice(0, path.lastIndexOf("/")) : ".";
  await Deno.mkdir(dir || "/", { recursive: true });
  await page.screenshot({ path, fullPage: true });
  return path;
}

/**
 * Poll a JavaScript expression in the page until it is truthy. Uses `page.evaluate` from
 * here rather than `page.waitForFunction`, whose in-page polling of string predicates needs
 * `eval` and is refused by a strict Content-Security-Policy.
 */
export async function waitForExpression(
  page: Page,
  expression: string,
  timeout = 30_000,
): Promise<void> {
  const deadline = Date.now() + timeout;
  let last: unknown;
  while (true) {
    last = await page.evaluate(expression);
    if (last) return;
    if (Date.now() > deadline) {
      throw new Error(`Timed out after ${timeout} ms waiting for: ${expression} (last: ${last})`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Wait until `count` Plotly charts have drawn (each has an `svg.main-svg`). */
export async function waitForCharts(page: Page, count: number, timeout = 30_000): Promise<void> {
  await waitForExpression(
    page,
    `[...document.querySelectorAll(".js-plotly-plot")]` +
      `.filter((el) => el.querySelector("svg.main-svg")).length >= ${Number(count)}`,
    timeout,
  );
}

function _missingMessage(): string {
  const env = Deno.env.get("CHROMIUM_PATH");
  return env
    ? `Cannot run browser test: CHROMIUM_PATH="${env}" is not an executable file`
    : "Cannot run browser test: no Chromium found on PATH (looked for " +
      `${CANDIDATES.join(", ")}); install it (apt-get install chromium) or set CHROMIUM_PATH`;
}

/** Options for {@linkcode browserTest}. */
export interface BrowserTestOptions extends WithBrowserOptions {
  /** Passed to `Deno.test`. @default false */
  only?: boolean;
}

/**
 * Register a `Deno.test` that runs `fn` inside {@linkcode withBrowser}. Without Chromium the
 * test is registered with `ignore: true` and a warning is printed, unless under CI (any
 * truthy `CI`), where it runs and fails with the reason. Playwright keeps its own timers and pipes, so the op and
 * resource sanitizers are off for these tests.
 */
export function browserTest(
  name: string,
  fn: (browser: BrowserSession, t: Deno.TestContext) => Promise<void>,
  options: BrowserTestOptions = {},
): void {
  const available = browserAvailable();
  const ci = isCi();
  if (!available && !ci) {
    console.warn(
      `\n%c!!! SKIPPING browser test "${name}": ${_missingMessage()}. ` +
        "Set CI=true to make this a failure. !!!\n",
      "color: yellow; font-weight: bold",
    );
  }
  Deno.test({
    name,
    ignore: !available && !ci,
    only: options.only ?? false,
    sanitizeOps: false,
    sanitizeResources: false,
    fn: async (t) => {
      if (!available) throw new Error(`${_missingMessage()} (CI=true: browser tests must run)`);
      await withBrowser((browser) => fn(browser, t), options);
    },
  });
}
