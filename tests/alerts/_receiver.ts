/**
 * A local stand-in for a Slack incoming webhook on 127.0.0.1: records every POST and answers
 * from a script of responses (the last one repeats).
 *
 * @module
 */

/** One scripted answer. */
export interface Reply {
  status: number;
  body?: string;
  headers?: Record<string, string>;
  /** Hold the answer until the receiver is closed (to make the client time out). */
  hang?: boolean;
}

/** A received request. */
export interface Received {
  path: string;
  contentType: string | null;
  body: unknown;
}

export interface Receiver extends AsyncDisposable {
  /** Base URL, e.g. `http://127.0.0.1:40123`. */
  origin: string;
  /** Requests received so far. */
  received: Received[];
}

/** Start a receiver answering with `script` in order. */
export function startReceiver(script: Reply[]): Receiver {
  const received: Received[] = [];
  const hanging: (() => void)[] = [];
  let i = 0;
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, async (req) => {
    const text = await req.text();
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch { /* keep the text */ }
    received.push({
      path: new URL(req.url).pathname,
      contentType: req.headers.get("content-type"),
      body,
    });
    const reply = script[Math.min(i++, script.length - 1)]!;
    if (reply.hang) await new Promise<void>((resolve) => hanging.push(resolve));
    return new Response(reply.body ?? "ok", { status: reply.status, headers: reply.headers });
  });
  const addr = server.addr as Deno.NetAddr;
  return {
    origin: `http://127.0.0.1:${addr.port}`,
    received,
    async [Symbol.asyncDispose]() {
      for (const release of hanging) release();
      await server.shutdown();
    },
  };
}
