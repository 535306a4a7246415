import assert from "node:assert/strict";
import { writeTextFileAtomic } from "../../lib/html/mod.ts";

function failingStream(before: string): ReadableStream<string> {
  let sent = false;
  return new ReadableStream<string>({
    pull(controller) {
      if (!sent) {
        sent = true;
        controller.enqueue(before);
      } else {
        controller.error(new Error("disk full (simulated)"));
      }
    },
  });
}

Deno.test("writeTextFileAtomic(): writes the file, creating its directory, leaving nothing else", async () => {
  const dir = await Deno.makeTempDir({ prefix: "tl-atomic-" });
  try {
    const path = `${dir}/reports/report.html`;
    await writeTextFileAtomic(path, "<p>one</p>");
    await writeTextFileAtomic(path, "<p>two</p>");
    assert.equal(await Deno.readTextFile(path), "<p>two</p>");
    const names = [...Deno.readDirSync(`${dir}/reports`)].map((e) => e.name);
    assert.deepEqual(names, ["report.html"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("writeTextFileAtomic(): a write failing halfway leaves the previous file intact", async () => {
  const dir = await Deno.makeTempDir({ prefix: "tl-atomic-" });
  try {
    const path = `${dir}/report.html`;
    await Deno.writeTextFile(path, "<p>previous report</p>");
    await assert.rejects(
      () => writeTextFileAtomic(path, failingStream("<p>half of the new rep")),
      (err: Error) => {
        assert.match(err.message, /^Cannot write ".*report\.html": .*disk full/);
        return true;
      },
    );
    assert.equal(await Deno.readTextFile(path), "<p>previous report</p>");
    const names = [...Deno.readDirSync(dir)].map((e) => e.name);
    assert.deepEqual(names, ["report.html"], "temporary file left behind");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("the report and docs stages write through writeTextFileAtomic()", async () => {
  for (const file of ["lib/pipeline/report.ts", "lib/docs/write.ts"]) {
    const source = await Deno.readTextFile(new URL(`../../${file}`, import.meta.url));
    assert.match(source, /await writeTextFileAtomic\(out, /, file);
    assert.doesNotMatch(source, /Deno\.writeTextFile\(/, `${file} writes in place`);
  }
});
