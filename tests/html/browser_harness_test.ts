import assert from "node:assert/strict";
import { browserTest, chromiumPath, fileUrl } from "../_browser.ts";

Deno.test("fileUrl() makes an encoded absolute file URL", () => {
  assert.equal(fileUrl("/tmp/a b/r#1.html"), "file:///tmp/a%20b/r%231.html");
  assert.ok(fileUrl("x.html").startsWith(`file://${Deno.cwd()}`));
});

Deno.test("chromiumPath() honours CHROMIUM_PATH and rejects a missing file", () => {
  const saved = Deno.env.get("CHROMIUM_PATH");
  try {
    Deno.env.set("CHROMIUM_PATH", "/nonexistent/chromium");
    assert.equal(chromiumPath(), undefined);
  } finally {
    if (saved === undefined) Deno.env.delete("CHROMIUM_PATH");
    else Deno.env.set("CHROMIUM_PATH", saved);
  }
});

// The page tests assert "no requests, no dialogs, no errors"; this proves the harness
// would have seen them.
browserTest(
  "withBrowser() records and blocks outside requests, dialogs and errors",
  async (browser) => {
    const dir = await Deno.makeTempDir({ prefix: "tl-harness-" });
    try {
      const path = `${dir}/leaky.html`;
      await Deno.writeTextFile(
        path,
        `<!DOCTYPE html><title>leaky</title>
<img src="http://192.0.2.1/pixel.png">
<script>alert("hello"); console.error("boom"); setTimeout(() => { throw new Error("late"); });</script>`,
      );
      const view = await browser.openFile(path);
      await view.page.waitForTimeout(200);
      assert.deepEqual(view.externalRequests, ["http://192.0.2.1/pixel.png"]);
      assert.deepEqual(view.dialogs, ["alert: hello"]);
      assert.ok(view.consoleErrors.includes("boom"), view.consoleErrors.join("\n"));
      assert.deepEqual(view.pageErrors, ["late"]);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
);
