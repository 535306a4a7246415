import assert from "node:assert/strict";
import {
  deliverAlert,
  redactSecret,
  type SendOptions,
  sendSlackMessage,
  type SlackMessage,
} from "../../lib/alerts/mod.ts";
import { startReceiver } from "./_receiver.ts";

const PATH = "/services/T0SECRET01/B0SECRET02/xoxSecretToken123";
const MESSAGE: SlackMessage = {
  text: "TerraLoop pipeline: 1 failing",
  blocks: [{ type: "header", text: { type: "plain_text", text: "TerraLoop pipeline: 1 failing" } }],
};

/** Options that record waits instead of sleeping. */
function fast(url: string, extra: SendOptions = {}): SendOptions & { slept: number[] } {
  const slept: number[] = [];
  return {
    webhookUrl: url,
    sleep: (ms) => (slept.push(ms), Promise.resolve()),
    backoffMs: 500,
    slept,
    ...extra,
  };
}

function assertNoSecret(value: unknown): void {
  const text = JSON.stringify(value);
  assert.doesNotMatch(text, /SECRET0|SecretToken|services\/T0/i, text);
}

Deno.test("sendSlackMessage() posts the Block Kit payload once when Slack answers 200", async () => {
  await using receiver = startReceiver([{ status: 200 }]);
  const options = fast(receiver.origin + PATH);
  const result = await sendSlackMessage(MESSAGE, options);
  assert.deepEqual(result, { delivered: true, attempts: 1, status: 200, waits: [] });
  assert.equal(receiver.received.length, 1);
  assert.deepEqual(receiver.received[0], {
    path: PATH,
    contentType: "application/json; charset=utf-8",
    body: MESSAGE,
  });
  assertNoSecret(result);
});

Deno.test("sendSlackMessage() retries 5xx with doubling backoff, then delivers", async () => {
  await using receiver = startReceiver([{ status: 500 }, { status: 503 }, { status: 200 }]);
  const options = fast(receiver.origin + PATH);
  const result = await sendSlackMessage(MESSAGE, options);
  assert.deepEqual(result, { delivered: true, attempts: 3, status: 200, waits: [500, 1000] });
  assert.deepEqual(options.slept, [500, 1000]);
  assert.equal(receiver.received.length, 3);
});

Deno.test("sendSlackMessage() honours Retry-After on 429", async (t) => {
  await t.step("waits the seconds asked, then delivers", async () => {
    await using receiver = startReceiver([{ status: 429, headers: { "retry-after": "2" } }, {
      status: 200,
    }]);
    const result = await sendSlackMessage(MESSAGE, fast(receiver.origin + PATH));
    assert.deepEqual(result, { delivered: true, attempts: 2, status: 200, waits: [2000] });
  });
  await t.step("gives up at once when asked to wait longer than allowed", async () => {
    await using receiver = startReceiver([{ status: 429, headers: { "retry-after": "120" } }]);
    const result = await sendSlackMessage(
      MESSAGE,
      fast(receiver.origin + PATH, { maxDelayMs: 30_000 }),
    );
    assert.equal(result.delivered, false);
    assert.equal(result.attempts, 1);
    assert.equal(
      result.warning,
      "Slack alert not sent: rate-limited (HTTP 429) and asked to wait 120 s, longer than the 30 s allowed",
    );
    assert.equal(receiver.received.length, 1);
  });
});

Deno.test("sendSlackMessage() gives up cleanly, with a warning and without the URL", async (t) => {
  await t.step("always 500: bounded attempts", async () => {
    await using receiver = startReceiver([{ status: 500, body: `upstream error at ${PATH}` }]);
    const result = await sendSlackMessage(
      MESSAGE,
      fast(receiver.origin + PATH, { maxAttempts: 3 }),
    );
    assert.equal(result.delivered, false);
    assert.deepEqual([result.attempts, result.status, result.waits], [3, 500, [500, 1000]]);
    assert.equal(
      result.warning,
      'Slack alert not sent after 3 attempts: last HTTP 500 "upstream error at [redacted]"',
    );
    assert.equal(receiver.received.length, 3);
    assertNoSecret(result);
  });
  await t.step("always 429 without Retry-After: backoff, bounded", async () => {
    await using receiver = startReceiver([{ status: 429 }]);
    const result = await sendSlackMessage(
      MESSAGE,
      fast(receiver.origin + PATH, { maxAttempts: 4 }),
    );
    assert.deepEqual([result.delivered, result.attempts, result.waits], [false, 4, [
      500,
      1000,
      2000,
    ]]);
    assert.match(result.warning!, /after 4 attempts: last HTTP 429/);
  });
  await t.step("a 4xx is final: no retry, Slack's reason shown", async () => {
    await using receiver = startReceiver([{ status: 400, body: "invalid_blocks" }]);
    const result = await sendSlackMessage(MESSAGE, fast(receiver.origin + PATH));
    assert.deepEqual([result.delivered, result.attempts], [false, 1]);
    assert.equal(
      result.warning,
      'Slack alert not sent: the webhook answered HTTP 400 "invalid_blocks"',
    );
  });
  await t.step("no answer within the timeout: retried, then a warning", async () => {
    await using receiver = startReceiver([{ status: 200, hang: true }]);
    const result = await sendSlackMessage(
      MESSAGE,
      fast(receiver.origin + PATH, { timeoutMs: 100, maxAttempts: 2 }),
    );
    assert.deepEqual([result.delivered, result.attempts, result.status], [false, 2, null]);
    assert.equal(
      result.warning,
      "Slack alert not sent after 2 attempts: last no answer within 0.1 s",
    );
  });
  await t.step("nothing listening: retried, then a warning without the URL", async () => {
    const receiver = startReceiver([{ status: 200 }]);
    const url = receiver.origin + PATH;
    await receiver[Symbol.asyncDispose]();
    const result = await sendSlackMessage(MESSAGE, fast(url, { maxAttempts: 2 }));
    assert.deepEqual([result.delivered, result.attempts], [false, 2]);
    assert.match(result.warning!, /^Slack alert not sent after 2 attempts: last request failed \(/);
    assertNoSecret(result);
  });
  await t.step(
    "a URL that does not parse or is not https is refused without showing it",
    async () => {
      for (
        const url of ["not a url T0SECRET01", "http://hooks.example.test/services/T0SECRET01/x"]
      ) {
        const result = await sendSlackMessage(MESSAGE, fast(url));
        assert.equal(result.attempts, 0);
        assert.match(
          result.warning!,
          /SLACK_WEBHOOK_URL (is not a valid URL|must be an https:\/\/ URL) \(value not shown\)/,
        );
        assertNoSecret(result);
      }
    },
  );
  await t.step("a fetch that throws with the URL in its message is redacted too", async () => {
    const url = "https://hooks.slack.test" + PATH;
    const result = await sendSlackMessage(MESSAGE, {
      ...fast(url, { maxAttempts: 1 }),
      fetch: () =>
        Promise.reject(new TypeError(`error sending request for url (${url}): dns error`)),
    });
    assert.equal(
      result.warning,
      "Slack alert not sent after 1 attempt: last request failed (error sending request for url ([redacted]): dns error)",
    );
  });
});

Deno.test("deliverAlert() without a webhook returns the text for the console", async () => {
  for (const webhookUrl of [undefined, null, "", "  "]) {
    assert.deepEqual(await deliverAlert(MESSAGE, "plain text", { webhookUrl }), {
      channel: "console",
      delivered: false,
      text: "plain text",
    });
  }
  await using receiver = startReceiver([{ status: 200 }]);
  const delivery = await deliverAlert(MESSAGE, "plain text", fast(receiver.origin + PATH));
  assert.deepEqual([delivery.channel, delivery.delivered], ["slack", true]);
});

Deno.test("redactSecret() removes the URL and each secret-looking part of it", () => {
  const url =
    "https://hooks.slack.com/services/T0SECRET01/B0SECRET02/xoxSecretToken123?token=abcdef123";
  assert.equal(
    redactSecret(
      `a ${url} b /services/T0SECRET01/B0SECRET02/xoxSecretToken123 c xoxSecretToken123 abcdef123`,
      url,
    ),
    "a [redacted] b [redacted] c [redacted] [redacted]",
  );
  assert.equal(redactSecret("nothing here", url), "nothing here");
  assert.equal(redactSecret("text", ""), "text");
});
