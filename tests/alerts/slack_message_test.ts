import assert from "node:assert/strict";
import {
  type AlertResult,
  buildSlackMessage,
  escapeMrkdwn,
  planAlerts,
  renderAlertText,
  SLACK_MAX_BLOCKS,
  SLACK_MAX_TEXT,
  type SlackBlock,
  workflowRunUrl,
} from "../../lib/alerts/mod.ts";

const NOW = new Date("2026-04-01T04:00:00Z");

function result(
  model: string,
  name: string,
  outcome: AlertResult["outcome"],
  extra: Partial<AlertResult> = {},
): AlertResult {
  return {
    key: `test:${name}`,
    model,
    name,
    kind: "test",
    severity: outcome === "warn" ? "warn" : "error",
    outcome,
    failures: 0,
    ...extra,
  };
}

function texts(blocks: SlackBlock[]): string[] {
  return blocks.map((b) =>
    b.type === "context" ? b.elements.map((e) => e.text).join(" ") : b.text.text
  );
}

Deno.test("buildSlackMessage() writes one message grouped by model, worst first", async (t) => {
  const earlier = planAlerts(
    [result("stg_events", "accepted_values_event_name", "fail", { failures: 1 })],
    [],
    {
      now: new Date("2026-03-31T04:00:00Z"),
    },
  );
  const plan = planAlerts(
    [
      result("mart_daily_activity", "value_check", "warn", {
        failures: 2,
        sample: "2026-03-10 | NA | 12",
      }),
      result("stg_events", "not_null_stg_events_event_id", "fail", {
        failures: 12,
        sample: "E000000001, E000000002",
      }),
      result("stg_events", "accepted_values_event_name", "pass"),
      result("stg_users", "volume_anomaly_stg_users", "warn", {
        kind: "check",
        failures: 1,
        sample: "2026-03-10: 3 (expected 40)",
        link: "https://example.test/report#volume",
      }),
    ],
    earlier.state,
    { now: NOW },
  );
  const message = buildSlackMessage(plan, {
    runLabel: "42",
    link: "https://github.com/acme/terraloop/actions/runs/42",
  })!;

  await t.step("header with the counts, fallback text, context with the run and link", () => {
    assert.deepEqual(message.blocks[0], {
      type: "header",
      text: { type: "plain_text", text: "TerraLoop pipeline: 1 failing, 2 warnings, 1 resolved" },
    });
    assert.equal(message.text, "TerraLoop pipeline: 1 failing, 2 warnings, 1 resolved");
    assert.deepEqual(message.blocks[1], {
      type: "context",
      elements: [{
        type: "mrkdwn",
        text: "run 42 · read more: <https://github.com/acme/terraloop/actions/runs/42|details>",
      }],
    });
  });
  await t.step("one section per model, the failing model first, then warnings by name", () => {
    const sections = message.blocks.slice(2);
    assert.equal(message.blocks.length, 5);
    assert.deepEqual(sections.map((b) => texts([b])[0]!.split("\n")[0]), [
      "*`stg_events`*",
      "*`mart_daily_activity`*",
      "*`stg_users`*",
    ]);
    assert.deepEqual(texts([sections[0]!])[0]!.split("\n").slice(1), [
      "• :red_circle: `not_null_stg_events_event_id` — *error* — 12 failing rows — sample: `E000000001, E000000002` — <https://github.com/acme/terraloop/actions/runs/42|details>",
      "• :white_check_mark: resolved: `accepted_values_event_name` (failing since 2026-03-31 04:00 UTC)",
    ]);
    assert.equal(
      texts([sections[2]!])[0]!.split("\n")[1],
      "• :large_yellow_circle: `volume_anomaly_stg_users` — warn — 1 failure — sample: `2026-03-10: 3 (expected 40)` — <https://example.test/report#volume|details>",
    );
  });
  await t.step("a local report path is named, not linked", () => {
    const local = buildSlackMessage(plan, { link: "reports/terraloop-report.html#data-health" })!;
    assert.match(
      texts(local.blocks).join("\n"),
      /see `reports\/terraloop-report.html#data-health`/,
    );
    assert.doesNotMatch(texts(local.blocks).join("\n"), /<reports/);
  });
  await t.step("plain text for the console says the same", () => {
    assert.equal(
      renderAlertText(plan, { runLabel: "42", link: "reports/terraloop-report.html" }),
      [
        "TerraLoop pipeline: 1 failing, 2 warnings, 1 resolved",
        "run 42",
        "stg_events",
        "  ✗ not_null_stg_events_event_id (error): 12 failing rows; sample: E000000001, E000000002",
        "  ✓ resolved: accepted_values_event_name",
        "mart_daily_activity",
        "  ! value_check (warn): 2 failing rows; sample: 2026-03-10 | NA | 12",
        "stg_users",
        "  ! volume_anomaly_stg_users (warn): 1 failure; sample: 2026-03-10: 3 (expected 40); see https://example.test/report#volume",
        "Read more: reports/terraloop-report.html",
      ].join("\n"),
    );
  });
  await t.step("nothing new, nothing resolved: no message", () => {
    const again = planAlerts(
      [result("stg_events", "not_null_stg_events_event_id", "fail", { failures: 12, sample: "x" })],
      plan.state,
      { now: new Date(NOW.getTime() + 3_600_000) },
    );
    assert.equal(again.suppressed.length, 1);
    assert.equal(buildSlackMessage(again), null);
    assert.equal(renderAlertText(again), null);
  });
});

Deno.test("buildSlackMessage() escapes every string from data for mrkdwn", () => {
  const plan = planAlerts(
    [
      result("a<b>&c", "custom_<script>", "fail", {
        failures: 1,
        sample: "<!channel> <@U123> & `rm -rf` <https://evil.test|click>\nsecond line",
        link: "https://example.test/r?a=1&b=<2>",
      }),
    ],
    [],
    { now: NOW },
  );
  const all = texts(buildSlackMessage(plan)!.blocks).join("\n");
  assert.doesNotMatch(all, /<!channel>|<@U123>|<script>|<https:\/\/evil/);
  assert.match(all, /\*`a&lt;b&gt;&amp;c`\*/);
  assert.match(all, /`custom_&lt;script&gt;`/);
  assert.match(
    all,
    /sample: `&lt;!channel&gt; &lt;@U123&gt; &amp; 'rm -rf' &lt;https:\/\/evil.test\|click&gt; second line`/,
  );
  assert.match(all, /<https:\/\/example.test\/r\?a=1&amp;b=&lt;2&gt;\|details>/);
  assert.equal(escapeMrkdwn("x < y && y > z"), "x &lt; y &amp;&amp; y &gt; z");
});

Deno.test("buildSlackMessage() stays within Slack's limits and counts what it leaves out", async (t) => {
  await t.step("300 failures in 120 models: at most 50 blocks, the rest counted", () => {
    const results: AlertResult[] = [];
    for (let m = 0; m < 120; m++) {
      for (let k = 0; k < (m % 4) + 1; k++) {
        if (results.length < 300) {
          results.push(
            result(
              `model_${String(m).padStart(3, "0")}`,
              `test_${m}_${k}`,
              m % 3 === 0 ? "fail" : "warn",
              { failures: m + k, sample: "x".repeat(400) },
            ),
          );
        }
      }
    }
    const message = buildSlackMessage(planAlerts(results, [], { now: NOW }), {
      link: "https://ci.test/run/1",
    })!;
    assert.equal(message.blocks.length, SLACK_MAX_BLOCKS);
    const sections = message.blocks.filter((b) => b.type === "section");
    for (const text of texts(message.blocks)) assert.ok(text.length <= SLACK_MAX_TEXT);
    const shown = texts(sections).join("\n").split("\n").filter((l) => l.startsWith("• ")).length;
    const last = texts([message.blocks.at(-1)!])[0]!;
    const match =
      /^… and (\d+) more lines in (\d+) more models not shown \(a message holds at most 50 blocks\): <https:\/\/ci.test\/run\/1\|details>$/
        .exec(last);
    assert.ok(match, last);
    assert.equal(shown + Number(match[1]), results.length);
    assert.equal(sections.length + Number(match[2]), 120);
    assert.ok(
      texts(sections).every((s) => !s.includes("x".repeat(151))),
      "samples cut to 150 characters",
    );
  });
  await t.step(
    "one model with 200 failures continues in further sections under 3,000 characters",
    () => {
      const results = Array.from(
        { length: 200 },
        (_, i) =>
          result("fct_events", `test_${i}`, "fail", { failures: i, sample: "y".repeat(100) }),
      );
      const message = buildSlackMessage(planAlerts(results, [], { now: NOW }), {
        maxTextChars: 3000,
      })!;
      const sections = texts(message.blocks.filter((b) => b.type === "section"));
      assert.ok(sections.length > 5);
      assert.equal(sections[0]!.split("\n")[0], "*`fct_events`*");
      assert.ok(sections.slice(1).every((s) => s.startsWith("*`fct_events`* (continued)\n")));
      for (const s of sections) assert.ok(s.length <= 3000, `${s.length}`);
      assert.equal(sections.join("\n").split("\n").filter((l) => l.startsWith("• ")).length, 200);
    },
  );
  await t.step("a tighter block budget still ends with the count", () => {
    const results = Array.from(
      { length: 10 },
      (_, i) => result(`m${i}`, `t${i}`, "fail", { failures: 1 }),
    );
    const message = buildSlackMessage(planAlerts(results, [], { now: NOW }), { maxBlocks: 5 })!;
    assert.equal(message.blocks.length, 5);
    assert.match(
      texts([message.blocks[4]!])[0]!,
      /^… and 7 more lines in 7 more models not shown \(a message holds at most 5 blocks\)$/,
    );
  });
});

Deno.test("workflowRunUrl() builds the Actions run URL only when every part is set", () => {
  assert.equal(
    workflowRunUrl({
      GITHUB_SERVER_URL: "https://github.com/",
      GITHUB_REPOSITORY: "acme/terraloop",
      GITHUB_RUN_ID: "123",
    }),
    "https://github.com/acme/terraloop/actions/runs/123",
  );
  assert.equal(
    workflowRunUrl({ GITHUB_REPOSITORY: "acme/terraloop", GITHUB_RUN_ID: "123" }),
    undefined,
  );
  assert.equal(
    workflowRunUrl({
      GITHUB_SERVER_URL: "javascript:alert(1)",
      GITHUB_REPOSITORY: "a/b",
      GITHUB_RUN_ID: "1",
    }),
    undefined,
  );
});
