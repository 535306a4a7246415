// A stand-in for the BigQuery and Cloud Storage REST APIs on 127.0.0.1, for testing the
// adapter without Google. It answers the calls the adapter makes (datasets.get/insert,
// tables.get/insert/delete, jobs.insert/get, jobs.getQueryResults, multipart uploads,
// storage objects.list/get/media), records every request, and keeps a catalogue of tables
// from the DDL it sees (create/replace/drop/rename, partitioning and clustering), refusing
// what BigQuery refuses there (`create or replace` of a table with another partitioning
// spec, a view over a table). It runs no SQL itself: `onQuery` decides what each query
// returns (tests answer by hand, or with an engine such as `_fake_bigquery_engine.ts`).
// `faults` injects HTTP failures (5xx, 429, 403 rateLimitExceeded, …) into any request.
// Lists (tables, objects) come in small pages so that paging is always exercised.
import { createHash } from "node:crypto";
import type { BigQueryField } from "../../lib/warehouse/bigquery.ts";
import type { AuthClientLike } from "../../lib/warehouse/bigquery.ts";

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
  /** The HTTP status the fake answered. */
  status?: number;
}

/** The job resource sent with an upload. */
export interface UploadMetadata {
  configuration: {
    load: Record<string, unknown> & { destinationTable: TableReference };
    labels?: Record<string, string>;
  };
  jobReference: { jobId: string; projectId: string; location?: string };
}

/** A table reference as the API writes it. */
export interface TableReference {
  projectId: string;
  datasetId: string;
  tableId: string;
}

/** A query job as inserted (query or dry run). */
export interface InsertedJob {
  jobReference: { jobId: string; projectId: string; location?: string };
  configuration: {
    query?: { query: string; useLegacySql?: boolean; maximumBytesBilled?: string };
    dryRun?: boolean;
    labels?: Record<string, string>;
  };
}

/** What a query job returns; values are given as the API sends them (strings). */
export interface FakeQueryReply {
  /** Result schema. */
  fields?: BigQueryField[];
  /** Rows of raw cell values (`null`, strings, nested `{ f }` / `[{ v }]`). */
  rows?: unknown[][];
  /** Fail the job with this message (the job is DONE with an errorResult). */
  error?: string;
  /** The reason of that failure (`invalidQuery` unless given; `backendError` is transient). */
  errorReason?: string;
  /** Answer `jobComplete: false` this many times before the result. */
  pending?: number;
  /** Rows per page; more rows come with a page token. */
  pageSize?: number;
  /** For dry runs: `statistics.totalBytesProcessed`. */
  bytesProcessed?: number;
}

/** What `onQuery` is told besides the SQL. */
export interface QueryContext {
  /** Whether this is a dry run. */
  dryRun: boolean;
  /** The inserted job. */
  job: InsertedJob;
}

/** An HTTP failure to inject. */
export interface FakeFault {
  /** HTTP status. */
  status: number;
  /** `errors[0].reason`. */
  reason?: string;
  /** Message. */
  message?: string;
  /**
   * Handle the request first, then answer with the error: the call reached BigQuery but its
   * answer was lost (a retry then meets what the first attempt did).
   */
  lost?: boolean;
}

/** A table in the fake's catalogue. */
export interface FakeTable {
  type?: string;
  schema?: { fields: BigQueryField[] };
  timePartitioning?: { type: string; field?: string };
  clustering?: { fields: string[] };
  view?: { query: string };
  expirationTime?: string;
  labels?: Record<string, string>;
}

/** Options for {@linkcode startFakeBigQuery}. */
export interface FakeBigQueryOptions {
  /** Datasets that exist at start, by id, with their location. */
  datasets?: Record<string, string>;
  /** Tables that exist at start, keyed `dataset.table`. */
  tables?: Record<string, FakeTable>;
  /** Result of each query job, from its SQL; `undefined` means an empty result. */
  onQuery?: (
    sql: string,
    context: QueryContext,
  ) => FakeQueryReply | undefined | Promise<FakeQueryReply | undefined>;
  /** Override the row count a load job reports, or fail it, from the uploaded data. */
  onUpload?: (
    metadata: UploadMetadata,
    data: string,
  ) => { outputRows?: number; error?: string; errorReason?: string };
  /** Fail a request with an HTTP error before it is handled (`undefined`: handle it). */
  faults?: (request: RecordedRequest) => FakeFault | undefined;
  /** Cloud Storage objects at start, keyed `bucket/name`. */
  objects?: Record<string, string | Uint8Array>;
  /** Objects per page of objects.list. */
  objectsPageSize?: number;
}

/** A running fake. */
export interface FakeBigQuery {
  /** `http://127.0.0.1:<port>`: pass as `apiEndpoint` (and `storageEndpoint`). */
  endpoint: string;
  /** Every request, in order. */
  requests: RecordedRequest[];
  /** Datasets (id → location), including created ones. */
  datasets: Map<string, string>;
  /** The table catalogue, keyed `dataset.table`. */
  tables: Map<string, FakeTable>;
  /** SQL of the query jobs (not dry runs), in order. */
  queries(): string[];
  /** SQL of the dry-run jobs, in order. */
  dryRuns(): string[];
  /** Every query job (dry runs included) as inserted, in order. */
  jobs(): InsertedJob[];
  /** Uploads, in order. */
  uploads(): { metadata: UploadMetadata; data: string }[];
  /** Requests the fake had no route for (a test should see none). */
  unrouted(): RecordedRequest[];
  /** Write (or overwrite: a new generation) a Cloud Storage object. */
  putObject(bucketAndName: string, content: string | Uint8Array): void;
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

interface FakeObject {
  bytes: Uint8Array;
  generation: number;
}

/**
 * An auth client that hands out a fixed bearer token: no Application Default Credentials
 * lookup, no metadata-server probe, no token request.
 */
export function fakeAuthClient(token = "fake-token"): AuthClientLike {
  return {
    getRequestHeaders: () => Promise.resolve(new Headers({ authorization: `Bearer ${token}` })),
  };
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
  const inserted: InsertedJob[] = [];
  const uploads: { metadata: UploadMetadata; data: string }[] = [];
  const objects = new Map<string, FakeObject>();
  let generation = 1_700_000_000_000_000;
  const putObject = (key: string, content: string | Uint8Array) => {
    const bytes = typeof content === "string" ? new TextEncoder().encode(content) : content;
    objects.set(key, { bytes, generation: ++generation });
  };
  for (const [key, content] of Object.entries(options.objects ?? {})) putObject(key, content);

  const handle = async (request: Request, recorded: RecordedRequest): Promise<Response> => {
    const url = new URL(request.url);
    const route = _route(url.pathname);
    if (!route) {
      unrouted.push(recorded);
      return _error(404, `fake BigQuery: no route for ${request.method} ${url.pathname}`);
    }
    const fault = options.faults?.(recorded);
    if (fault) {
      if (fault.lost) await route_(request, recorded, url, route);
      return _error(fault.status, fault.message ?? `injected ${fault.status}`, fault.reason);
    }
    return await route_(request, recorded, url, route);
  };

  const route_ = async (
    request: Request,
    recorded: RecordedRequest,
    url: URL,
    route: { kind: string; parts: string[] },
  ): Promise<Response> => {
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
      const body = recorded.json as { datasetReference: { datasetId: string }; location?: string };
      const id = body.datasetReference.datasetId;
      if (datasets.has(id)) return _error(409, `Already Exists: Dataset ${parts[0]}:${id}`);
      datasets.set(id, body.location ?? "US");
      return Response.json({ ...body, id: `${parts[0]}:${id}` });
    }
    if (kind === "tables" && method === "GET") {
      if (!datasets.has(parts[1]!)) {
        return _error(404, `Not found: Dataset ${parts[0]}:${parts[1]}`);
      }
      const ids = [...tables.keys()]
        .filter((key) => key.startsWith(`${parts[1]}.`))
        .map((key) => key.slice(parts[1]!.length + 1))
        .sort();
      const start = Number(url.searchParams.get("pageToken") ?? 0);
      const size = Math.min(Number(url.searchParams.get("maxResults") ?? 50), 2);
      const page = ids.slice(start, start + size);
      return Response.json({
        tables: page.map((tableId) => ({
          tableReference: { projectId: parts[0], datasetId: parts[1], tableId },
          type: tables.get(`${parts[1]}.${tableId}`)?.type ?? "TABLE",
        })),
        totalItems: ids.length,
        ...(start + size < ids.length ? { nextPageToken: String(start + size) } : {}),
      });
    }
    if (kind === "tables" && method === "POST") {
      const body = recorded.json as FakeTable & { tableReference: TableReference };
      const key = `${parts[1]}.${body.tableReference.tableId}`;
      if (tables.has(key)) return _error(409, `Already Exists: Table ${parts[0]}:${key}`);
      const { tableReference: _ref, ...table } = body;
      tables.set(key, { type: "TABLE", ...table });
      return Response.json({ ...body, type: "TABLE" });
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
      return tables.delete(`${parts[1]}.${parts[2]}`)
        ? new Response(null, { status: 204 })
        : _error(404, `Not found: Table ${parts[0]}:${parts[1]}.${parts[2]}`);
    }
    if (kind === "jobs" && method === "POST") {
      const body = recorded.json as InsertedJob;
      const jobId = body.jobReference.jobId;
      if (jobs.has(jobId)) return _error(409, `Already Exists: Job ${parts[0]}:US.${jobId}`);
      inserted.push(body);
      const sql = body.configuration.query?.query ?? "";
      const location = body.jobReference.location ?? "US";
      const dryRun = body.configuration.dryRun === true;
      let reply = (await options.onQuery?.(sql, { dryRun, job: body })) ?? {};
      if (dryRun) {
        if (reply.error) return _error(400, reply.error, reply.errorReason ?? "invalidQuery");
        return Response.json({
          jobReference: { ...body.jobReference, location },
          configuration: body.configuration,
          status: { state: "DONE" },
          statistics: {
            totalBytesProcessed: String(reply.bytesProcessed ?? 0),
            query: { totalBytesProcessed: String(reply.bytesProcessed ?? 0) },
          },
        });
      }
      if (!reply.error) {
        const refused = _applyDdl(sql, tables);
        if (refused) reply = { error: refused };
      }
      const resource = {
        kind: "bigquery#job",
        id: `${parts[0]}:${location}.${jobId}`,
        jobReference: { ...body.jobReference, location },
        configuration: body.configuration,
        status: reply.error
          ? {
            state: "DONE",
            errorResult: { reason: reply.errorReason ?? "invalidQuery", message: reply.error },
            errors: [{ reason: reply.errorReason ?? "invalidQuery", message: reply.error }],
          }
          : { state: "RUNNING" },
      };
      jobs.set(jobId, { id: jobId, location, reply, pendingLeft: reply.pending ?? 0, resource });
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
      if (job.reply.error) {
        const reason = job.reply.errorReason ?? "invalidQuery";
        return _error(_statusOfReason(reason), job.reply.error, reason);
      }
      job.resource.status = { state: "DONE" };
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
      const jobId = metadata.jobReference.jobId;
      if (jobs.has(jobId)) return _error(409, `Already Exists: Job ${parts[0]}:US.${jobId}`);
      uploads.push(recorded.upload);
      const lines = data.split("\n").filter((line) => line !== "").length;
      const outcome = options.onUpload?.(metadata, data) ?? {};
      const load = metadata.configuration.load;
      const destination = load.destinationTable;
      const key = `${destination.datasetId}.${destination.tableId}`;
      let error = outcome.error;
      if (!error && load.createDisposition === "CREATE_NEVER" && !tables.has(key)) {
        error = `Not found: Table ${parts[0]}:${key}`;
      }
      const location = metadata.jobReference.location ?? "US";
      const reason = outcome.errorReason ?? "invalid";
      const resource = {
        kind: "bigquery#job",
        id: `${parts[0]}:${location}.${jobId}`,
        jobReference: { ...metadata.jobReference, location },
        configuration: metadata.configuration,
        status: error
          ? {
            state: "DONE",
            errorResult: { reason, message: error },
            errors: [{ reason, message: error }],
          }
          : { state: "DONE" },
        statistics: { load: { outputRows: String(outcome.outputRows ?? lines) } },
      };
      if (!error && !tables.has(key)) {
        tables.set(key, { type: "TABLE", schema: load.schema as { fields: BigQueryField[] } });
      }
      jobs.set(jobId, { id: jobId, location, reply: {}, pendingLeft: 0, resource });
      return Response.json(resource);
    }
    if (kind === "objects" && method === "GET") {
      const bucket = parts[0]!;
      const prefix = url.searchParams.get("prefix") ?? "";
      const delimiter = url.searchParams.get("delimiter");
      const names = [...objects.keys()]
        .filter((key) => key.startsWith(`${bucket}/${prefix}`))
        .map((key) => key.slice(bucket.length + 1))
        .filter((name) => !delimiter || !name.slice(prefix.length).includes(delimiter))
        .sort();
      const start = Number(url.searchParams.get("pageToken") ?? 0);
      const size = options.objectsPageSize ?? 1000;
      const page = names.slice(start, start + size);
      return Response.json({
        kind: "storage#objects",
        items: page.map((name) => ({ name })),
        ...(start + size < names.length ? { nextPageToken: String(start + size) } : {}),
      });
    }
    if (kind === "object" && method === "GET") {
      const key = `${parts[0]}/${parts[1]}`;
      const object = objects.get(key);
      if (!object) return _error(404, `No such object: ${key}`);
      if (url.searchParams.get("alt") === "media") {
        const wanted = url.searchParams.get("generation");
        if (wanted && wanted !== String(object.generation)) {
          return _error(404, `No such object: ${key} (generation ${wanted})`);
        }
        return new Response(object.bytes as Uint8Array<ArrayBuffer>);
      }
      return Response.json({
        kind: "storage#object",
        bucket: parts[0],
        name: parts[1],
        size: String(object.bytes.length),
        generation: String(object.generation),
        md5Hash: createHash("md5").update(object.bytes).digest("base64"),
      });
    }
    unrouted.push(recorded);
    return _error(404, `fake BigQuery: no route for ${method} ${url.pathname}`);
  };

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
      const response = await handle(request, recorded);
      recorded.status = response.status;
      return response;
    },
  );

  return {
    endpoint: `http://127.0.0.1:${server.addr.port}`,
    requests,
    datasets,
    tables,
    queries: () => inserted.filter((j) => !j.configuration.dryRun).map(_sql),
    dryRuns: () => inserted.filter((j) => j.configuration.dryRun).map(_sql),
    jobs: () => [...inserted],
    uploads: () => [...uploads],
    unrouted: () => [...unrouted],
    putObject,
    close: () => server.shutdown(),
  };
}

const ROUTES: [RegExp, string][] = [
  [/^\/bigquery\/v2\/projects\/([^/]+)\/datasets$/, "datasets"],
  [/^\/bigquery\/v2\/projects\/([^/]+)\/datasets\/([^/]+)$/, "dataset"],
  [/^\/bigquery\/v2\/projects\/([^/]+)\/datasets\/([^/]+)\/tables$/, "tables"],
  [/^\/bigquery\/v2\/projects\/([^/]+)\/datasets\/([^/]+)\/tables\/([^/]+)$/, "table"],
  [/^\/bigquery\/v2\/projects\/([^/]+)\/jobs$/, "jobs"],
  [/^\/bigquery\/v2\/projects\/([^/]+)\/jobs\/([^/]+)$/, "job"],
  [/^\/bigquery\/v2\/projects\/([^/]+)\/queries\/([^/]+)$/, "queryResults"],
  [/^\/upload\/bigquery\/v2\/projects\/([^/]+)\/jobs$/, "upload"],
  [/^\/storage\/v1\/b\/([^/]+)\/o$/, "objects"],
  [/^\/storage\/v1\/b\/([^/]+)\/o\/([^/]+)$/, "object"],
];

function _route(path: string): { kind: string; parts: string[] } | undefined {
  for (const [pattern, kind] of ROUTES) {
    const match = pattern.exec(path);
    if (match) return { kind, parts: match.slice(1).map(decodeURIComponent) };
  }
  return undefined;
}

function _sql(job: InsertedJob): string {
  return job.configuration.query?.query ?? "";
}

function _cell(value: unknown): { v: unknown } {
  return { v: value };
}

function _statusOfReason(reason: string): number {
  if (reason === "backendError" || reason === "internalError") return 500;
  if (reason === "rateLimitExceeded") return 403;
  return 400;
}

function _error(code: number, message: string, reason = code === 404 ? "notFound" : "invalid") {
  return Response.json(
    { error: { code, message, errors: [{ reason, message, domain: "global" }] } },
    { status: code },
  );
}

// Table ids in DDL: `project.dataset.table` (the adapter always qualifies fully).
const REL = "`([^`.]+)\\.([^`.]+)\\.([^`]+)`";

/**
 * Apply the DDL of a statement or script to the catalogue, in order (statements inside
 * `exception when error then … end;` handlers are skipped: they run only on failure).
 * Returns BigQuery's error when it would refuse a statement (nothing is applied then).
 */
function _applyDdl(sql: string, tables: Map<string, FakeTable>): string | undefined {
  const text = sql.replace(/exception when error then[\s\S]*?\bend;/gi, "");
  const pattern = new RegExp(
    [
      `create\\s+(or\\s+replace\\s+)?table\\s+(if\\s+not\\s+exists\\s+)?${REL}`,
      `create\\s+(or\\s+replace\\s+)?view\\s+(if\\s+not\\s+exists\\s+)?${REL}`,
      `drop\\s+(table|view)\\s+(if\\s+exists\\s+)?${REL}`,
      `alter\\s+table\\s+${REL}\\s+rename\\s+to\\s+\`?([A-Za-z0-9_]+)\`?`,
      `alter\\s+table\\s+${REL}\\s+set\\s+options\\s*\\(\\s*expiration_timestamp\\s*=\\s*null`,
    ].join("|"),
    "gi",
  );
  const next = new Map(tables);
  for (const match of text.matchAll(pattern)) {
    const m = match;
    if (m[3] !== undefined) {
      // create [or replace] table [if not exists]
      const key = `${m[4]}.${m[5]}`;
      const after = text.slice(m.index! + m[0].length, m.index! + m[0].length + 400);
      const layout = _layout(after);
      const existing = next.get(key);
      if (existing && m[2] === undefined) {
        if (m[1] === undefined) return `Already Exists: Table ${m[3]}:${key}`;
      }
      if (existing && m[2] !== undefined) continue;
      if (existing?.type === "VIEW") {
        return `Cannot replace a view with a table: ${m[3]}:${key}`;
      }
      if (existing && !_sameLayout(existing, layout)) {
        return `Cannot replace a table with a different partitioning spec. Instead, DROP the ` +
          `table, and then recreate it. New partitioning spec is ${_spec(layout)} and existing ` +
          `spec is ${_spec(existing)}.`;
      }
      const expires =
        /^[^;]*?options\s*\(\s*expiration_timestamp/i.test(after.split(/\bas\b/i)[0] ?? "")
          ? { expirationTime: "1 day" }
          : {};
      next.set(key, { type: "TABLE", ...layout, ...expires });
    } else if (m[8] !== undefined) {
      // create [or replace] view [if not exists]
      const key = `${m[9]}.${m[10]}`;
      const existing = next.get(key);
      if (existing && m[7] !== undefined) continue;
      if (existing && m[6] === undefined) return `Already Exists: Table ${m[8]}:${key}`;
      if (existing && existing.type !== "VIEW") {
        return `Cannot replace a table with a view: ${m[8]}:${key}`;
      }
      next.set(key, { type: "VIEW", view: { query: "(view)" } });
    } else if (m[11] !== undefined) {
      // drop table|view [if exists]
      const key = `${m[14]}.${m[15]}`;
      const existing = next.get(key);
      if (!existing) {
        if (m[12] === undefined) return `Not found: Table ${m[13]}:${key}`;
        continue;
      }
      if ((existing.type === "VIEW") !== (m[11].toLowerCase() === "view")) {
        return `${m[13]}:${key} is a ${existing.type === "VIEW" ? "view" : "table"}, not a ${
          m[11]
        }`;
      }
      next.delete(key);
    } else if (m[16] !== undefined) {
      // alter table … rename to
      const from = `${m[17]}.${m[18]}`;
      const to = `${m[17]}.${m[19]}`;
      const table = next.get(from);
      if (!table || table.type === "VIEW") return `Not found: Table ${m[16]}:${from}`;
      if (next.has(to)) return `Already Exists: Table ${m[16]}:${to}`;
      next.delete(from);
      next.set(to, table);
    } else if (m[20] !== undefined) {
      // alter table … set options (expiration_timestamp = null)
      const key = `${m[21]}.${m[22]}`;
      const table = next.get(key);
      if (!table) return `Not found: Table ${m[20]}:${key}`;
      const { expirationTime: _gone, ...rest } = table;
      next.set(key, rest);
    }
  }
  tables.clear();
  for (const [key, table] of next) tables.set(key, table);
  return undefined;
}

function _layout(after: string): Pick<FakeTable, "timePartitioning" | "clustering"> {
  const head = after.split(/\bas\b/i)[0] ?? "";
  const out: Pick<FakeTable, "timePartitioning" | "clustering"> = {};
  const partition = /partition\s+by\s+([^\n]+)/i.exec(head)?.[1]?.trim();
  if (partition) {
    const trunc = /^(?:timestamp|date|datetime)_trunc\(\s*`?(\w+)`?\s*,\s*(\w+)\s*\)$/i.exec(
      partition,
    );
    const date = /^date\(\s*`?(\w+)`?\s*\)$/i.exec(partition);
    out.timePartitioning = trunc
      ? { type: trunc[2]!.toUpperCase(), field: trunc[1] }
      : date
      ? { type: "DAY", field: date[1] }
      : { type: "DAY", field: partition.replaceAll("`", "") };
  }
  const cluster = /cluster\s+by\s+([^\n]+)/i.exec(head)?.[1];
  if (cluster) {
    out.clustering = { fields: cluster.split(",").map((c) => c.trim().replaceAll("`", "")) };
  }
  return out;
}

function _sameLayout(a: FakeTable, b: FakeTable): boolean {
  return _spec(a) === _spec(b);
}

function _spec(table: Pick<FakeTable, "timePartitioning" | "clustering">): string {
  const p = table.timePartitioning;
  const parts = [p ? `interval(type:${p.type.toLowerCase()},field:${p.field})` : "none"];
  if (table.clustering?.fields.length) {
    parts.push(`clustering(${table.clustering.fields.join(",")})`);
  }
  return parts.join(" ");
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
