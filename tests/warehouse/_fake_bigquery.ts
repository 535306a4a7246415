// A stand-in for the BigQuery REST API on 127.0.0.1, for testing the adapter without Google:
// it answers the calls @google-cloud/bigquery makes for our adapter (datasets.get/insert,
// tables.get/delete, jobs.insert, jobs.getQueryResults, jobs.get, multipart upload) with
// canned responses and records every request. It runs no SQL: tests decide what each query
// returns through `onQuery`.
import type { BigQueryField, OpenBigQueryOptions } from "../../lib/warehouse/bigquery.ts";

/** One request as the fake saw it. */
export interface RecordedRequest {
  method: string;
  /** Path without the query string, e.g. `/bigquery/v2/projects/p/jobs`. */
  path: string;
  /** Query-string parameters. */
  query: Record<string, string>;
  /** Parsed JSON body, when there was one. */
  json?: unknown;
  /** `Authorization` header. */
  authorization: string | null;
  /** For multipart uploads: the job metadata part and the data part. */
  upload?: { metadata: UploadMetadata; data: string };
}

/** The job resource sent with an upload. */
export interface UploadMetadata {
  configuration: { load: Record<string, unknown> & { destinationTable: TableReference } };
  jobReference: { jobId: string; projectId: string; location?: string };
}

/** A table reference as the API writes it. */
export interface TableReference {
  projectId: string;
  datasetId: string;
  tableId: string;
}

/** What a query job returns; values are given as the API sends them (strings). */
export interface FakeQueryReply {
  /** Result schema. */
  fields?: BigQueryField[];
  /** Rows of raw cell values (`null`, strings, nested `{ f }` / `[{ v }]`). */
  rows?: unknown[][];
  /** Fail the job with this message (reported by jobs.getQueryResults, HTTP 400). */
  error?: string;
  /** Answer `jobComplete: false` this many times before the result. */
  pending?: number;
  /** Rows per page; more rows come with a page token. */
  pageSize?: number;
}

/** Options for {@linkcode startFakeBigQuery}. */
export interface FakeBigQueryOptions {
  /** Datasets that exist at start, by id, with their location. */
  datasets?: Record<string, string>;
  /** Tables that exist at start, keyed `dataset.table`. */
  tables?: Record<
    string,
    { type?: string; schema?: { fields: BigQueryField[] }; timePartitioning?: { field?: string } }
  >;
  /** Result of each query job, from its SQL; `undefined` means an empty result. */
  onQuery?: (sql: string) => FakeQueryReply | undefined;
  /** Override the row count a load job reports, from the uploaded data. */
  onUpload?: (metadata: UploadMetadata, data: string) => { outputRows?: number; error?: string };
}

/** A running fake. */
export interface FakeBigQuery {
  /** `http://127.0.0.1:<port>`: pass as `apiEndpoint`. */
  endpoint: string;
  /** Every request, in order. */
  requests: RecordedRequest[];
  /** Datasets (id → location), including created ones. */
  datasets: Map<string, string>;
  /** SQL of the query jobs (not dry runs), in order. */
  queries(): string[];
  /** SQL of the dry-run jobs, in order. */
  dryRuns(): string[];
  /** Uploads, in order. */
  uploads(): { metadata: UploadMetadata; data: string }[];
  /** Requests the fake had no route for (a test should see none). */
  unrouted(): RecordedRequest[];
  /** Stop the server. */
  close(): Promise<void>;
}

interface FakeJob {
  id: string;
  location: string;
  reply: FakeQueryReply;
  pendingLeft: number;
  resource: Record<string, unknown>;
}

/**
 * An auth client that hands out a fixed bearer token: no Application Default Credentials
 * lookup, no metadata-server probe, no token request.
 */
export function fakeAuthClient(): NonNullable<OpenBigQueryOptions["authClient"]> {
  const client = {
    getRequestHeaders: () => Promise.resolve(new Headers({ authorization: "Bearer fake-token" })),
  };
  return client as unknown as NonNullable<OpenBigQueryOptions["authClient"]>;
}

/**
 * Start the fake on a random port of 127.0.0.1.
 *
 * @example
 * ```ts
 * const fake = startFakeBigQuery({ onQuery: () => ({ fields: [{ name: "n", type: "INTEGER" }], rows: [["1"]] }) });
 * try { ... } finally { await fake.close(); }
 * ```
 */
export function startFakeBigQuery(options: FakeBigQueryOptions = {}): FakeBigQuery {
  const requests: RecordedRequest[] = [];
  const unrouted: RecordedRequest[] = [];
  const datasets = new Map(Object.entries(options.datasets ?? {}));
  const tables = new Map(Object.entries(options.tables ?? {}));
  const jobs = new Map<string, FakeJob>();
  const queries: string[] = [];
  const dryRuns: string[] = [];
  const uploads: { metadata: UploadMetadata; data: string }[] = [];

  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen: () => {} },
    async (request) => {
      const url = new URL(request.url);
      const bytes = new Uint8Array(await request.arrayBuffer());
      const recorded: RecordedRequest = {
        method: request.method,
        path: url.pathname,
        query: Object.fromEntries(url.searchParams),
        authorization: request.headers.get("authorization"),
      };
      const contentType = request.headers.get("content-type") ?? "";
      if (contentType.startsWith("application/json") && bytes.length > 0) {
        recorded.json = JSON.parse(new TextDecoder().decode(bytes));
      }
      if (contentType.startsWith("multipart/related")) {
        recorded.upload = _parseMultipart(contentType, bytes);
      }
      requests.push(recorded);
      const route = _route(url.pathname);
      if (!route) {
        unrouted.push(recorded);
        return _error(404, `fake BigQuery: no route for ${request.method} ${url.pathname}`);
      }
      const { kind, parts } = route;
      const method = request.method;

      if (kind === "dataset" && method === "GET") {
        const location = datasets.get(parts[1]!);
        return location === undefined
          ? _error(404, `Not found: Dataset ${parts[0]}:${parts[1]}`)
          : Response.json({
            datasetReference: { projectId: parts[0], datasetId: parts[1] },
            location,
          });
      }
      if (kind === "datasets" && method === "POST") {
        const body = recorded.json as {
          datasetReference: { datasetId: string };
          location?: string;
        };
        const id = body.datasetReference.datasetId;
        if (datasets.has(id)) return _error(409, `Already Exists: Dataset ${parts[0]}:${id}`);
        datasets.set(id, body.location ?? "US");
        return Response.json({ ...body, id: `${parts[0]}:${id}` });
      }
      if (kind === "table" && method === "GET") {
        const table = tables.get(`${parts[1]}.${parts[2]}`);
        return table
          ? Response.json({
            tableReference: { projectId: parts[0], datasetId: parts[1], tableId: parts[2] },
            type: "TABLE",
            ...table,
          })
          : _error(404, `Not found: Table ${parts[0]}:${parts[1]}.${parts[2]}`);
      }
      if (kind === "table" && method === "DELETE") {
        const existed = tables.delete(`${parts[1]}.${parts[2]}`);
        return existed
          ? new Response(null, { status: 204 })
          : _error(404, `Not found: Table ${parts[0]}:${parts[1]}.${parts[2]}`);
      }
      if (kind === "jobs" && method === "POST") {
        const body = recorded.json as {
          jobReference: { jobId: string; projectId: string; location?: string };
          configuration: { dryRun?: boolean; query?: { query: string } };
        };
        const sql = body.configuration.query?.query ?? "";
        const location = body.jobReference.location ?? "US";
        if (body.configuration.dryRun) {
          dryRuns.push(sql);
          const reply = options.onQuery?.(sql);
          if (reply?.error) return _error(400, reply.error, "invalidQuery");
          return Response.json({
            jobReference: { projectId: parts[0], location },
            configuration: body.configuration,
            status: { state: "DONE" },
            statistics: { totalBytesProcessed: "0" },
          });
        }
        queries.push(sql);
        const reply = options.onQuery?.(sql) ?? {};
        const resource = {
          kind: "bigquery#job",
          id: `${parts[0]}:${location}.${body.jobReference.jobId}`,
          jobReference: { ...body.jobReference, location },
          configuration: body.configuration,
          status: { state: "RUNNING" },
        };
        jobs.set(body.jobReference.jobId, {
          id: body.jobReference.jobId,
          location,
          reply,
          pendingLeft: reply.pending ?? 0,
          resource,
        });
        return Response.json(resource);
      }
      if (kind === "queryResults" && method === "GET") {
        const job = jobs.get(parts[1]!);
        if (!job) return _error(404, `Not found: Job ${parts[0]}:${parts[1]}`);
        const jobReference = { projectId: parts[0], jobId: job.id, location: job.location };
        if (job.pendingLeft > 0) {
          job.pendingLeft -= 1;
          return Response.json({ jobReference, jobComplete: false });
        }
        if (job.reply.error) return _error(400, job.reply.error, "invalidQuery");
        const all = job.reply.rows ?? [];
        const start = Number(url.searchParams.get("pageToken") ?? 0);
        const maxResults = url.searchParams.get("maxResults");
        const size = maxResults === "0" ? 0 : job.reply.pageSize ?? all.length;
        const page = all.slice(start, start + size);
        const next = start + size < all.length && size > 0 ? String(start + size) : undefined;
        return Response.json({
          jobReference,
          jobComplete: true,
          totalRows: String(all.length),
          schema: { fields: job.reply.fields ?? [] },
          ...(page.length > 0 ? { rows: page.map((cells) => ({ f: cells.map(_cell) })) } : {}),
          ...(next ? { pageToken: next } : {}),
        });
      }
      if (kind === "job" && method === "GET") {
        const job = jobs.get(parts[1]!);
        return job
          ? Response.json(job.resource)
          : _error(404, `Not found: Job ${parts[0]}:${parts[1]}`);
      }
      if (kind === "upload" && method === "POST" && recorded.upload) {
        const { metadata, data } = recorded.upload;
        uploads.push(recorded.upload);
        const lines = data.split("\n").filter((line) => line !== "").length;
        const outcome = options.onUpload?.(metadata, data) ?? {};
        const destination = metadata.configuration.load.destinationTable;
        const jobId = metadata.jobReference.jobId;
        const location = metadata.jobReference.location ?? "US";
        const resource = {
          kind: "bigquery#job",
          id: `${parts[0]}:${location}.${jobId}`,
          jobReference: { ...metadata.jobReference, location },
          configuration: metadata.configuration,
          status: outcome.error
            ? {
              state: "DONE",
              errorResult: { reason: "invalid", message: outcome.error },
              errors: [{ reason: "invalid", message: outcome.error }],
            }
            : { state: "DONE" },
          statistics: { load: { outputRows: String(outcome.outputRows ?? lines) } },
        };
        if (!outcome.error) {
          tables.set(`${destination.datasetId}.${destination.tableId}`, {
            type: "TABLE",
            schema: metadata.configuration.load.schema as { fields: BigQueryField[] },
          });
        }
        jobs.set(jobId, { id: jobId, location, reply: {}, pendingLeft: 0, resource });
        return Response.json(resource);
      }
      unrouted.push(recorded);
      return _error(404, `fake BigQuery: no route for ${method} ${url.pathname}`);
    },
  );

  return {
    endpoint: `http://127.0.0.1:${server.addr.port}`,
    requests,
    datasets,
    queries: () => [...queries],
    dryRuns: () => [...dryRuns],
    uploads: () => [...uploads],
    unrouted: () => [...unrouted],
    close: () => server.shutdown(),
  };
}

const ROUTES: [RegExp, string][] = [
  [/^\/bigquery\/v2\/projects\/([^/]+)\/datasets$/, "datasets"],
  [/^\/bigquery\/v2\/projects\/([^/]+)\/datasets\/([^/]+)$/, "dataset"],
  [/^\/bigquery\/v2\/projects\/([^/]+)\/datasets\/([^/]+)\/tables\/([^/]+)$/, "table"],
  [/^\/bigquery\/v2\/projects\/([^/]+)\/jobs$/, "jobs"],
  [/^\/bigquery\/v2\/projects\/([^/]+)\/jobs\/([^/]+)$/, "job"],
  [/^\/bigquery\/v2\/projects\/([^/]+)\/queries\/([^/]+)$/, "queryResults"],
  [/^\/upload\/bigquery\/v2\/projects\/([^/]+)\/jobs$/, "upload"],
];

function _route(path: string): { kind: string; parts: string[] } | undefined {
  for (const [pattern, kind] of ROUTES) {
    const match = pattern.exec(path);
    if (match) return { kind, parts: match.slice(1).map(decodeURIComponent) };
  }
  return undefined;
}

function _cell(value: unknown): { v: unknown } {
  return { v: value };
}

function _error(code: number, message: string, reason = code === 404 ? "notFound" : "invalid") {
  return Response.json(
    { error: { code, message, errors: [{ reason, message, domain: "global" }] } },
    { status: code },
  );
}

function _parseMultipart(
  contentType: string,
  bytes: Uint8Array,
): { metadata: UploadMetadata; data: string } {
  const boundary = /boundary=([^;]+)/.exec(contentType)?.[1] ?? "";
  const text = new TextDecoder().decode(bytes);
  const parts = text.split(`--${boundary}`).slice(1, -1).map((part) => {
    const body = part.slice(part.indexOf("\r\n\r\n") + 4);
    return body.endsWith("\r\n") ? body.slice(0, -2) : body;
  });
  return { metadata: JSON.parse(parts[0] ?? "{}"), data: parts[1] ?? "" };
}
