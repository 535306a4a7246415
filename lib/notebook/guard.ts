/**
 * Stop-on-error for "Run All" in the Deno kernel. JupyterLab sends every cell of a Run All to
 * the kernel at once and counts on the kernel to drop the queued ones after an error; Deno's
 * kernel (2.9) runs them all, so one failure cascades into a page of confusing follow-on
 * errors. A notebook that starts each code cell with {@linkcode guard} gets this instead:
 * the cells queued behind a failure fail at once with a message naming the first failure.
 *
 * How the failure is seen: Deno's kernel reports a cell's error through a small function
 * that asks `error instanceof Error`; {@linkcode guard} (on its first call) wraps
 * `Error[Symbol.hasInstance]` to note the value that function reports, and nothing else.
 * A cell that starts within {@linkcode CASCADE_MS} of such a report was queued behind the
 * failure (a person reading the error and running a cell again takes longer), so it is
 * skipped; the cells skipped after it are reported the same way and keep the cascade going.
 * A cell run later runs normally, so fixing the failed cell and running it again just works.
 *
 * @module
 */

/** Longest gap, in ms, between a failure report and the start of a cell it skips. */
export const CASCADE_MS = 1_500;

const STATE_KEY = Symbol.for("terraloop.notebook.guard");
const SKIPPED = Symbol.for("terraloop.notebook.skipped");

/** What the kernel last reported as a cell's error. */
interface Report {
  value: unknown;
  at: number;
}

/** Kept on `globalThis` so a re-imported module shares one state and one hook. */
interface GuardState {
  installed: boolean;
  report: Report | null;
  firstFailure: string | null;
}

/**
 * Thrown by {@linkcode guard} in a cell that was queued behind a failed cell; its message
 * names the first failure.
 */
export class SkippedCellError extends Error {
  /** The first failure, as `Name: message`. */
  readonly firstFailure: string;
  /** Marks the error for the guard without an `instanceof` test. */
  readonly [SKIPPED] = true;

  /** @param firstFailure the first failed cell's error, as `Name: message` */
  constructor(firstFailure: string) {
    super(
      `Not run: an earlier cell failed first with ${firstFailure}. Fix that cell (the first ` +
        `one above with an error), run it again, then run the cells below it.`,
    );
    this.name = "SkippedCell";
    this.firstFailure = firstFailure;
  }
}

/** Options for {@linkcode guard}, for tests; notebooks call `guard()`. */
export interface GuardOptions {
  /**
   * The clock, in ms.
   * @default {Date.now}
   */
  now?: () => number;
}

/**
 * First line of a notebook cell: throws {@linkcode SkippedCellError}, naming the first
 * failure, when this cell was queued behind a cell that failed (Run All, or cells run in
 * quick succession); otherwise returns and the cell runs. Outside the Deno kernel it only
 * installs its hook and returns.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { guard, recordCellFailure } from "./guard.ts";
 *
 * guard(); // first line of each cell after the imports: nothing failed, the cell runs
 * recordCellFailure(new TypeError("x is undefined")); // as the kernel's report of a failed cell
 * assert.throws(() => guard(), /^SkippedCell: Not run: .* with TypeError: x is undefined\./);
 * ```
 */
export function guard(options: GuardOptions = {}): void {
  const state = _state();
  if (!state.installed) _install(state);
  const now = (options.now ?? Date.now)();
  const report = state.report;
  state.report = null;
  if (report === null || now - report.at > CASCADE_MS) {
    state.firstFailure = null;
    return;
  }
  // Inside a cascade the first failure keeps its name, even when an unguarded cell fails too.
  state.firstFailure ??= describeCellError(report.value);
  throw new SkippedCellError(state.firstFailure);
}

/**
 * Notes `value` as a cell's reported error, as the kernel hook does (exported for tests).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { guard, recordCellFailure } from "./guard.ts";
 *
 * recordCellFailure(new TypeError("boom"));
 * assert.throws(() => guard(), /first with TypeError: boom/);
 * ```
 */
export function recordCellFailure(value: unknown, at: number = Date.now()): void {
  _state().report = { value, at };
}

/**
 * `Name: message` for an error value, as the kernel shows it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { describeCellError } from "./guard.ts";
 *
 * assert.equal(describeCellError(new RangeError("too big")), "RangeError: too big");
 * assert.equal(describeCellError("plain text"), "plain text");
 * ```
 */
export function describeCellError(value: unknown): string {
  if (_isSkipped(value)) return (value as SkippedCellError).firstFailure;
  if (value instanceof Error) return `${value.name}: ${value.message}`;
  return String(value);
}

function _isSkipped(value: unknown): boolean {
  return typeof value === "object" && value !== null &&
    (value as Record<symbol, unknown>)[SKIPPED] === true;
}

function _state(): GuardState {
  const global = globalThis as unknown as Record<symbol, GuardState | undefined>;
  return global[STATE_KEY] ??= { installed: false, report: null, firstFailure: null };
}

// The function Deno's kernel (2.x) calls on a cell's thrown value to report it.
const KERNEL_REPORTER =
  /object instanceof Error[\s\S]*JSON\.stringify\(\{ name, message, stack \}\)/;

function _install(state: GuardState): void {
  const original = Function.prototype[Symbol.hasInstance];
  // Only a sloppy-mode function may read its caller, so the hook is built from source; it
  // notes the value when the caller is the kernel's reporter and otherwise only delegates.
  const make = new Function(
    "original",
    "isReporter",
    "record",
    `return function hasInstance(value) {
      if (this === Error) {
        var caller = hasInstance.caller;
        if (caller && isReporter(caller)) record(value);
      }
      return original.call(this, value);
    };`,
  ) as (
    original: (this: unknown, value: unknown) => boolean,
    isReporter: (caller: unknown) => boolean,
    record: (value: unknown) => void,
  ) => (value: unknown) => boolean;
  const hook = make(
    original,
    (caller) => KERNEL_REPORTER.test(String(caller)),
    (value) => recordCellFailure(value),
  );
  Object.defineProperty(Error, Symbol.hasInstance, { value: hook, configurable: true });
  state.installed = true;
}
