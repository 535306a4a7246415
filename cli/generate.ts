/**
 * `deno task generate`: write a simulated TerraLoop dataset directory.
 *
 * @module
 */

import { GENERATE_FLAGS, GENERATE_USAGE, generateArgsFromValues } from "../lib/generate/mod.ts";
import { runGenerateStage } from "../lib/pipeline/mod.ts";
import { asUsage, parseTaskArgs, runTask } from "./_common.ts";

async function main(): Promise<void> {
  const { help: _help, ...flags } = GENERATE_FLAGS;
  const { values } = parseTaskArgs(Deno.args, flags, GENERATE_USAGE);
  const { options, out } = asUsage(() => generateArgsFromValues(values));
  console.log(`generate: writing dataset to ${out}`);
  let lastReport = 0;
  const summary = await runGenerateStage({
    ...options,
    out,
    onProgress: (p) => {
      if (p.stage !== "write") {
        console.log(`  ${p.stage} done`);
        return;
      }
      // One line per ~10% of files keeps the log short at 90+ days.
      if (p.done === p.total || p.done - lastReport >= Math.max(1, Math.floor(p.total / 10))) {
        lastReport = p.done;
        console.log(`  wrote ${p.done}/${p.total} files (${p.file})`);
      }
    },
  });
  const c = summary.counts;
  const eventFiles = summary.files.filter((f) => f.name.startsWith("events-"));
  const bytes = summary.files.reduce((a, f) => a + f.bytes, 0);
  console.log(
    [
      `generate: done in ${summary.seconds.toFixed(2)} s`,
      `  users ${c.users}, listings ${c.listings}, sessions ${c.sessions}`,
      `  events ${c.events} (true), lines ${c.lines} = events + ${c.duplicates} duplicates + ` +
      `${c.orphans} orphans + ${c.unknown_events} unknown + ${c.malformed} malformed`,
      `  files ${summary.files.length} (${eventFiles.length} event files), ` +
      `${(bytes / 1e6).toFixed(1)} MB`,
      `  ${Math.round(summary.eventsPerSecond).toLocaleString("en-US")} events/s`,
      `  truth: ${out}/truth.json`,
    ].join("\n"),
  );
}

if (import.meta.main) await runTask(main);
