import assert from "node:assert/strict";
import { notebookParam } from "../../lib/notebook/mod.ts";

Deno.test("notebookParam() reads TERRALOOP_<NAME> typed like its fallback", async (t) => {
  const key = "TERRALOOP_NB_TEST_PARAM";
  try {
    await t.step("unset gives the fallback", () => {
      Deno.env.delete(key);
      assert.equal(notebookParam("nb_test_param", 7), 7);
    });
    await t.step("numbers parse", () => {
      Deno.env.set(key, "500");
      assert.equal(notebookParam("nb-test-param", 7), 500);
    });
    await t.step("booleans parse", () => {
      Deno.env.set(key, "yes");
      assert.equal(notebookParam("nb_test_param", false), true);
    });
    await t.step("strings pass through", () => {
      Deno.env.set(key, "../data/raw/demo");
      assert.equal(notebookParam("nb_test_param", "x"), "../data/raw/demo");
    });
    await t.step("a bad number names the variable", () => {
      Deno.env.set(key, "lots");
      assert.throws(
        () => notebookParam("nb_test_param", 1),
        /TERRALOOP_NB_TEST_PARAM: "lots" is not a number/,
      );
    });
  } finally {
    Deno.env.delete(key);
  }
});
