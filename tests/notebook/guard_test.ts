import assert from "node:assert/strict";
import {
  CASCADE_MS,
  describeCellError,
  guard,
  recordCellFailure,
  SkippedCellError,
} from "../../lib/notebook/mod.ts";

// The guard keeps its state on globalThis (one per kernel); these steps run in order.
Deno.test("guard() skips the cells queued behind a failure, naming the first one", async (t) => {
  let clock = 1_000_000;
  const now = () => clock;

  await t.step("with no failure reported, a cell runs", () => {
    guard({ now });
  });

  await t.step("a cell that starts right after a reported failure is skipped", () => {
    recordCellFailure(new TypeError("x is undefined"), clock);
    clock += 5;
    assert.throws(() => guard({ now }), (error: Error) => {
      assert.ok(error instanceof SkippedCellError);
      assert.equal(error.name, "SkippedCell");
      assert.equal(error.firstFailure, "TypeError: x is undefined");
      assert.match(
        error.message,
        /^Not run: an earlier cell failed first with TypeError: x is undefined\./,
      );
      // The kernel reports the skip too: that keeps the cascade going.
      recordCellFailure(error, clock);
      return true;
    });
  });

  await t.step("later queued cells name the first failure, even after another error", () => {
    clock += 3;
    assert.throws(() => guard({ now }), /first with TypeError: x is undefined/);
    // An unguarded cell in the cascade failed on its own: still the first failure is named.
    recordCellFailure(new ReferenceError("funnel is not defined"), clock);
    clock += 3;
    assert.throws(() => guard({ now }), /first with TypeError: x is undefined/);
  });

  await t.step("a cell run later (by a person) runs, and the next failure is a new one", () => {
    recordCellFailure(new SkippedCellError("TypeError: x is undefined"), clock);
    clock += CASCADE_MS + 1;
    guard({ now });
    recordCellFailure(new RangeError("bad window"), clock);
    clock += 1;
    assert.throws(() => guard({ now }), /first with RangeError: bad window/);
  });

  await t.step(
    "a report is used once: a second guard in the same cascade gap does not see it",
    () => {
      clock += CASCADE_MS + 1;
      guard({ now });
      guard({ now });
    },
  );
});

Deno.test("guard()'s hook leaves instanceof answers unchanged", () => {
  guard({ now: () => 0 });
  class MyError extends Error {}
  assert.equal(new TypeError("t") instanceof Error, true);
  assert.equal(new MyError("m") instanceof Error, true);
  assert.equal(new MyError("m") instanceof MyError, true);
  assert.equal(new Error("e") instanceof MyError, false);
  assert.equal({} instanceof Error, false);
  assert.equal((("text" as unknown) as object) instanceof Error, false);
  assert.equal((null as unknown as object) instanceof Error, false);
});

Deno.test("describeCellError() names an error as the kernel shows it", () => {
  assert.equal(describeCellError(new RangeError("too big")), "RangeError: too big");
  assert.equal(describeCellError("plain"), "plain");
  assert.equal(describeCellError(new SkippedCellError("Error: first")), "Error: first");
});
