/**
 * BigQuery jobs over the REST API: query jobs (submitted, long-polled, paged), dry runs, and
 * load jobs from a multipart upload. Every job gets a client-side id, so a `jobs.insert` whose
 * answer was lost can be retried safely (409 means it exists: wait for it); every job carries
 * the labels in force and the `maximumBytesBilled` limit; a job that BigQuery itself fails for
 * a transient reason (`backendError`, `rateLimitExceeded`, …) is submitted again under a new
 * id, a bounded number of times. HTTP-level retries are the REST client's.
 *
 * @module
 */
import type { BigQueryField, RawRow } from "./_bigquery_rows.ts";
import { GoogleApiError, type GoogleRestClient, RETRYABLE_REASONS } from "./_bigquery_client.ts";
import { redactSecrets, safeMessage } from "./_secrets.ts";

/** A job's reference. */
export interface JobReference {
  /** Project running the job. */
  projectId: string;
  /** Client-chosen id. */
  jobId: string;
  /** Location. */
  location?: string;
}

/** The parts of a job resource the adapter reads. */
export interface JobResource {
  /** The job's reference. */
  jobReference?: JobReference;
  /** State and errors. */
  status?: {
    state?: string;
    errorResult?: { reason?: string; message?: string; location?: string };
    errors?: { reason?: string; message?: string }[];
  };
  /** Bytes processed (queries, dry runs), rows written (loads). */
  statistics?: {
    totalBytesProcessed?: string;
    query?: { totalBytesProcessed?: string };
    load?: { outputRows?: string };
  };
}

interface QueryResultsResponse {
  jobComplete?: boolean;
  schema?: { fields?: BigQueryField[] };
  rows?: RawRow[];
  pageToken?: string;
}

/** A job that BigQuery ran and failed (as opposed to a failed HTTP call). */
export class JobFailedError extends Error {
  /** BigQuery's `errorResult.reason`, e.g. `invalidQuery`, `backendError`. */
  readonly reason: string | undefined;
  constructor(jobId: string, status: NonNullable<JobResource["status"]>) {
    const first = status.errorResult;
    const others = (status.errors ?? [])
      .map((e) => e.message)
      .filter((m): m is string => !!m && m !== first?.message);
    const detail = [first?.message ?? "unknown error", ...others.slice(0, 3)].join("; ");
    super(redactSecrets(`BigQuery job ${jobId} failed: ${detail}`));
    // Plain "Error" in messages: callers show `BigQuery job … failed: <BigQuery's message>`.
    this.name = "Error";
    this.reason = first?.reason;
  }

  /** Whether submitting the job again may succeed. */
  get transient(): boolean {
    return this.reason !== undefined && RETRYABLE_REASONS.has(this.reason);
  }
}

/** What {@linkcode BigQueryJobs} needs. */
export interface BigQueryJobsOptions {
  /** Authenticated REST calls with retries. */
  rest: GoogleRestClient;
  /** API base URL, e.g. `https://bigquery.googleapis.com`. */
  endpoint: string;
  /** Project running the jobs. */
  projectId: string;
  /** Location of the jobs. */
  location: string;
  /** The labels of the next job (read when it is created). */
  labels: () => Record<string, string>;
  /** `maximumBytesBilled` of every query job. */
  maximumBytesBilled?: number;
  /**
   * Submissions of a job that fails for a transient reason (the first included).
   * @default {3}
   */
  jobAttempts?: number;
}

/** Query, dry-run and load jobs of one project and location. */
export class BigQueryJobs {
  readonly #o: BigQueryJobsOptions;
  readonly #api: string;
  readonly #upload: string;
  readonly #attempts: number;

  constructor(options: BigQueryJobsOptions) {
    this.#o = options;
    const project = encodeURIComponent(options.projectId);
    this.#api = `${options.endpoint}/bigquery/v2/projects/${project}`;
    this.#upload = `${options.endpoint}/upload/bigquery/v2/projects/${project}`;
    this.#attempts = Math.max(1, options.jobAttempts ?? 3);
  }

  /**
   * Run SQL as a query job, wait for it and hand each page of rows to `onPage` (with
   * `wantRows: false`, one call without rows once it is done); returns the job id. Errors
   * read `BigQuery job <id> failed: <BigQuery's message>`.
   */
  async query(
    sql: string,
    onPage: (fields: BigQueryField[], rows: RawRow[]) => void,
    wantRows = true,
  ): Promise<string> {
    let jobId = "(not created)";
    try {
      await this.#withAttempts(async () => {
        const reference = this.#reference();
        jobId = reference.jobId;
        await this.#insert(() =>
          this.#o.rest.json<JobResource>({
            method: "POST",
            url: `${this.#api}/jobs`,
            json: this.queryJob(sql, reference, false),
          })
        );
        await this.#readResults(reference, onPage, wantRows);
      });
      return jobId;
    } catch (error) {
      if (error instanceof JobFailedError) throw error;
      throw new Error(`BigQuery job ${jobId} failed: ${safeMessage(error)}`, { cause: error });
    }
  }

  /** A dry run: the bytes the query would process. Throws `BigQuery dry run failed: …`. */
  async dryRun(sql: string): Promise<number> {
    try {
      const job = await this.#o.rest.json<JobResource>({
        method: "POST",
        url: `${this.#api}/jobs`,
        json: this.queryJob(sql, this.#reference(), true),
      });
      return Number(
        job.statistics?.query?.totalBytesProcessed ?? job.statistics?.totalBytesProcessed ?? 0,
      );
    } catch (error) {
      throw new Error(`BigQuery dry run failed: ${safeMessage(error)}`, { cause: error });
    }
  }

  /**
   * Upload a file with a load job (`load` is the job's `configuration.load`) and wait for it;
   * returns the rows it wrote. The upload is retried on transient HTTP failures; a load job
   * that fails for a transient reason is submitted again.
   */
  async load(path: string, load: Record<string, unknown>): Promise<number> {
    const job = await this.#withAttempts(async () => {
      const jobReference = this.#reference();
      const boundary = `terraloop-${crypto.randomUUID()}`;
      const metadata = JSON.stringify({
        jobReference,
        configuration: { load, labels: this.#o.labels() },
      });
      await this.#insert(() =>
        this.#o.rest.json<JobResource>({
          method: "POST",
          url: `${this.#upload}/jobs`,
          query: { uploadType: "multipart" },
          body: async () => ({
            body: await _multipartBody(boundary, metadata, path),
            contentType: `multipart/related; boundary=${boundary}`,
          }),
        })
      );
      return await this.#waitForJob(jobReference);
    });
    return Number(job.statistics?.load?.outputRows ?? 0);
  }

  /** The `jobs.insert` body of a query job (or dry run). */
  queryJob(sql: string, jobReference: JobReference, dryRun: boolean) {
    const limit = this.#o.maximumBytesBilled;
    return {
      jobReference,
      configuration: {
        query: {
          query: sql,
          useLegacySql: false,
          ...(limit !== undefined ? { maximumBytesBilled: String(limit) } : {}),
        },
        labels: this.#o.labels(),
        ...(dryRun ? { dryRun: true } : {}),
      },
    };
  }

  #reference(): JobReference {
    return {
      projectId: this.#o.projectId,
      jobId: crypto.randomUUID(),
      location: this.#o.location,
    };
  }

  /**
   * `jobs.insert` (retried on transient failures with the same job id); a 409 means an
   * earlier attempt of ours created the job, which is then simply waited for.
   */
  async #insert(insert: () => Promise<JobResource>): Promise<void> {
    try {
      await insert();
    } catch (error) {
      if (error instanceof GoogleApiError && error.status === 409) return;
      throw error;
    }
  }

  /** Run `attempt`; a transient {@linkcode JobFailedError} runs it again (a new job). */
  async #withAttempts<T>(attempt: () => Promise<T>): Promise<T> {
    for (let n = 1;; n++) {
      try {
        return await attempt();
      } catch (error) {
        if (!(error instanceof JobFailedError && error.transient) || n >= this.#attempts) {
          throw error;
        }
        const policy = this.#o.rest.retryPolicy;
        await this.#o.rest.sleep(
          Math.min(policy.maxDelayMs, policy.initialDelayMs * 2 ** (n - 1)),
        );
      }
    }
  }

  /** Poll `jobs.getQueryResults` until the job is done, then page through its rows. */
  async #readResults(
    reference: JobReference,
    onPage: (fields: BigQueryField[], rows: RawRow[]) => void,
    wantRows: boolean,
  ): Promise<void> {
    const rest = this.#o.rest;
    const policy = rest.retryPolicy;
    let pageToken: string | undefined;
    let failures = 0;
    for (;;) {
      let page: QueryResultsResponse;
      try {
        page = await rest.json<QueryResultsResponse>({
          url: `${this.#api}/queries/${encodeURIComponent(reference.jobId)}`,
          query: {
            location: this.#o.location,
            // Long poll on the server: no client-side sleeping between checks.
            timeoutMs: 10_000,
            "formatOptions.useInt64Timestamp": true,
            maxResults: wantRows ? undefined : 0,
            pageToken,
          },
          retry: false,
        });
      } catch (error) {
        // A failed job answers getQueryResults with an error: read the job to tell a job
        // failure (maybe transient: submitted again by the caller) from a failed HTTP call.
        const job = await this.#getJob(reference).catch(() => undefined);
        if (job?.status?.state === "DONE" && job.status.errorResult) {
          throw new JobFailedError(reference.jobId, job.status);
        }
        if (
          !(error instanceof GoogleApiError) || !error.retryable || ++failures >= policy.attempts
        ) {
          throw error;
        }
        await rest.sleep(Math.min(policy.maxDelayMs, policy.initialDelayMs * 2 ** failures));
        continue;
      }
      if (!page.jobComplete) continue;
      onPage(page.schema?.fields ?? [], wantRows ? page.rows ?? [] : []);
      if (!wantRows || !page.pageToken) return;
      pageToken = page.pageToken;
    }
  }

  /** Poll `jobs.get` until a (load) job is done; throws its error. */
  async #waitForJob(reference: JobReference): Promise<JobResource> {
    let delay = 200;
    for (;;) {
      const job = await this.#getJob(reference);
      if (job.status?.state === "DONE") {
        if (job.status.errorResult) throw new JobFailedError(reference.jobId, job.status);
        return job;
      }
      await this.#o.rest.sleep(delay);
      delay = Math.min(delay * 2, 5_000);
    }
  }

  async #getJob(reference: JobReference): Promise<JobResource> {
    return await this.#o.rest.json<JobResource>({
      url: `${this.#api}/jobs/${encodeURIComponent(reference.jobId)}`,
      query: { location: this.#o.location },
    });
  }
}

/** The multipart/related body of an upload: the job as JSON, then the file, streamed. */
async function _multipartBody(
  boundary: string,
  metadata: string,
  path: string,
): Promise<ReadableStream<Uint8Array>> {
  const encoder = new TextEncoder();
  const head = encoder.encode(
    `--${boundary}\r\nContent-Type: application/json; charset=UTF-8\r\n\r\n${metadata}\r\n` +
      `--${boundary}\r\nContent-Type: application/octet-stream\r\n\r\n`,
  );
  const tail = encoder.encode(`\r\n--${boundary}--\r\n`);
  const file = await Deno.open(path, { read: true });
  return ReadableStream.from((async function* () {
    yield head;
    yield* file.readable;
    yield tail;
  })());
}
