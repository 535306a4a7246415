/**
 * Vocabulary, planted-effect parameters, mess rates and option validation for the generator.
 *
 * @module
 */

/** Customer tiers, in the order used for internal codes. */
export const TIERS = ["Basic", "Pro", "Enterprise"] as const;
/** A customer tier. */
export type Tier = typeof TIERS[number];

/** Sales regions, in the order used for internal codes. */
export const REGIONS = ["NA", "EMEA", "APAC", "LATAM"] as const;
/** A sales region. */
export type Region = typeof REGIONS[number];

/** Listing categories, in the order used for internal codes. */
export const CATEGORIES = [
  "Electronics",
  "Industrial",
  "Textiles",
  "Plastics",
  "Metals",
  "Batteries",
] as const;
/** A listing category. */
export type Category = typeof CATEGORIES[number];

/** Canonical event names (the catalogue), in the order used for internal codes. */
export const EVENT_NAMES = [
  "session_start",
  "search",
  "view_listing",
  "start_listing",
  "publish_listing",
  "message_seller",
  "complete_recycling",
] as const;
/** A canonical event name. */
export type EventName = typeof EVENT_NAMES[number];

/** Client platforms. */
export const PLATFORMS = ["web", "ios", "android"] as const;
/** A client platform. */
export type Platform = typeof PLATFORMS[number];

/** Event names outside the catalogue, used for `unknown_event` mess. */
export const UNKNOWN_EVENT_NAMES = ["debug_ping", "legacy_sync", "app_heartbeat"] as const;

/**
 * Every behavioural parameter of the simulation, including the four planted effects.
 * Written verbatim to `truth.json` → `effects.planted`.
 */
export interface EffectParams {
  /** Who signs up, and when. */
  population: {
    /** Share of users per tier (normalised). */
    tierMix: Record<Tier, number>;
    /** Share of users per region (normalised). */
    regionMix: Record<Region, number>;
    /**
     * Exponential growth of the signup rate over the period: the signup density at the end
     * is `exp(signupGrowth)` times the density at the start.
     */
    signupGrowth: number;
    /** Share of signed-up users who never open a session (no events at all). */
    neverActiveShare: number;
    /** Share of users on each platform as their preferred one. */
    platformMix: Record<Platform, number>;
  };
  /** Session frequency and churn: drive weekly cohort retention. */
  retention: {
    /** Probability that a user churns at the end of each week since signup (geometric survival). */
    weeklyChurn: Record<Tier, number>;
    /** Mean sessions per week while the user has not churned (Poisson). */
    sessionsPerWeek: Record<Tier, number>;
  };
  /** Step probabilities inside a session. */
  journey: {
    /** Probability of a `search` in a session. */
    searchProb: number;
    /** Probability of browsing (`view_listing`) in a session that starts no listing. */
    viewProb: number;
    /** Probability of each further `view_listing` after the first (geometric). */
    moreViewsProb: number;
    /** Probability of a `message_seller` after a `view_listing`, per tier. */
    messageProb: Record<Tier, number>;
    /** Mean days from publishing until the listing can be collected for recycling. */
    meanDaysToRecycle: number;
    /** Probability, per later session, that a collectable listing is marked `complete_recycling`. */
    completeProb: number;
  };
  /** Planted effect 1: Basic converts much worse from `session_start` to `start_listing`. */
  activation: {
    /** Share of users per tier who ever intend to list (others never start a listing). */
    listerShare: Record<Tier, number>;
    /** Probability that an intending user starts a listing in their first session. */
    firstSessionStartProb: number;
    /** Probability that an intending user starts a listing in any later session. */
    laterSessionStartProb: number;
  };
  /** Planted effect 2: EMEA publishes the most listings per active user. */
  listingDensity: {
    /** Probability of each further listing in a session that starts one (geometric), per region. */
    extraListingProb: Record<Region, number>;
    /** Probability that a started listing is published, per tier. */
    publishProb: Record<Tier, number>;
  };
  /** Planted effect 3: NA has the highest eco-score per listing. */
  ecoImpact: {
    /** Multiplier on kg CO2e avoided, per seller region. */
    regionFactor: Record<Region, number>;
    /** kg CO2e avoided per kg recycled, per category. */
    kgCo2ePerKg: Record<Category, number>;
    /** Median listing weight in kg, per category (log-normal). */
    medianWeightKg: Record<Category, number>;
    /** Log-scale sigma of listing weight. */
    weightSigma: number;
    /** Log-scale sigma of the per-listing eco-score noise. */
    ecoNoiseSigma: number;
  };
  /** Planted effect 4: category mix of new listings per tier (Pro over-indexes Industrial and Electronics). */
  categoryAffinity: Record<Tier, Record<Category, number>>;
}

/**
 * Default behavioural parameters. Tuned so that at the default scale the realised values are
 * roughly: activation Basic ~30%, Pro/Enterprise ~70%; EMEA listing density well above the
 * rest; NA eco-score per published listing ~40% above the next region; Pro lift ~1.4 for
 * Industrial and Electronics.
 */
export const DEFAULT_EFFECTS: EffectParams = {
  population: {
    tierMix: { Basic: 0.6, Pro: 0.3, Enterprise: 0.1 },
    regionMix: { NA: 0.32, EMEA: 0.3, APAC: 0.25, LATAM: 0.13 },
    signupGrowth: 1.2,
    neverActiveShare: 0.08,
    platformMix: { web: 0.55, ios: 0.25, android: 0.2 },
  },
  retention: {
    weeklyChurn: { Basic: 0.22, Pro: 0.1, Enterprise: 0.07 },
    sessionsPerWeek: { Basic: 1.6, Pro: 2.4, Enterprise: 3.0 },
  },
  journey: {
    searchProb: 0.55,
    viewProb: 0.8,
    moreViewsProb: 0.5,
    messageProb: { Basic: 0.12, Pro: 0.2, Enterprise: 0.25 },
    meanDaysToRecycle: 4,
    completeProb: 0.7,
  },
  activation: {
    listerShare: { Basic: 0.34, Pro: 0.8, Enterprise: 0.8 },
    firstSessionStartProb: 0.6,
    laterSessionStartProb: 0.2,
  },
  listingDensity: {
    extraListingProb: { NA: 0.15, EMEA: 0.5, APAC: 0.15, LATAM: 0.12 },
    publishProb: { Basic: 0.75, Pro: 0.88, Enterprise: 0.9 },
  },
  ecoImpact: {
    regionFactor: { NA: 1.5, EMEA: 0.95, APAC: 1.0, LATAM: 1.05 },
    kgCo2ePerKg: {
      Electronics: 3.0,
      Industrial: 1.6,
      Textiles: 2.2,
      Plastics: 1.5,
      Metals: 4.0,
      Batteries: 5.0,
    },
    medianWeightKg: {
      Electronics: 8,
      Industrial: 60,
      Textiles: 15,
      Plastics: 20,
      Metals: 25,
      Batteries: 6,
    },
    weightSigma: 0.6,
    ecoNoiseSigma: 0.15,
  },
  categoryAffinity: {
    Basic: {
      Electronics: 0.18,
      Industrial: 0.06,
      Textiles: 0.24,
      Plastics: 0.24,
      Metals: 0.16,
      Batteries: 0.12,
    },
    Pro: {
      Electronics: 0.4,
      Industrial: 0.3,
      Textiles: 0.05,
      Plastics: 0.07,
      Metals: 0.12,
      Batteries: 0.06,
    },
    Enterprise: {
      Electronics: 0.16,
      Industrial: 0.14,
      Textiles: 0.14,
      Plastics: 0.14,
      Metals: 0.24,
      Batteries: 0.18,
    },
  },
};

/**
 * Rate of each mess kind (see docs/contracts.md §1). Each is a probability per *true event*
 * that is eligible for it:
 *
 * - `id_case_whitespace`, `event_name_variant`, `extra_field`, `missing_optional`: every true event.
 * - `ts_offset`, `ts_epoch_ms`, `ts_naive`: every true event; at most one of the three per event
 *   (their sum must be ≤ 1).
 * - `number_as_string`: true events carrying `weight_kg`/`eco_score_kg_co2e`
 *   (`start_listing`, `publish_listing`, `complete_recycling`).
 * - `late_arrival`: true events not on the last day (there is no later file to land in).
 * - `duplicate_delivery`, `orphan_user`, `unknown_event`, `malformed`: every true event may
 *   spawn one extra line of that kind.
 */
export interface MessRates {
  /** User id lower-cased and/or padded with spaces: `" u000042 "`. */
  id_case_whitespace: number;
  /** Event name re-spelled: `"Session Start"`, `"SESSION-START"`, `" session_start "`. */
  event_name_variant: number;
  /** `ts` written in local time with an offset: `"2026-03-01T12:00:00.000+02:00"`. */
  ts_offset: number;
  /** `ts` as epoch milliseconds (a JSON number). */
  ts_epoch_ms: number;
  /** `ts` without zone, meaning UTC: `"2026-03-01 10:00:00"`. */
  ts_naive: number;
  /** `weight_kg` and/or `eco_score_kg_co2e` written as a string: `"12.5"`. */
  number_as_string: number;
  /** The same line delivered again, in the same or a later file. */
  duplicate_delivery: number;
  /** Delivered in the file 1–3 days after its `ts` day. */
  late_arrival: number;
  /** Unknown top-level keys (`client_version`, `_debug`). */
  extra_field: number;
  /** One of `session_id`, `platform`, `properties` left out (`properties` only when `{}`). */
  missing_optional: number;
  /** An extra event for a user id `U9xxxxx` outside the registry. */
  orphan_user: number;
  /** An extra event named outside the catalogue (`debug_ping`, `legacy_sync`, `app_heartbeat`). */
  unknown_event: number;
  /** An extra line that is not JSON (truncated event line or free text). */
  malformed: number;
}

/** Names of the mess kinds, as used in `truth.json` → `mess`. */
export const MESS_KINDS = [
  "id_case_whitespace",
  "event_name_variant",
  "ts_offset",
  "ts_epoch_ms",
  "ts_naive",
  "number_as_string",
  "duplicate_delivery",
  "late_arrival",
  "extra_field",
  "missing_optional",
  "orphan_user",
  "unknown_event",
  "malformed",
] as const satisfies readonly (keyof MessRates)[];

/** Default mess rates. */
export const DEFAULT_MESS_RATES: MessRates = {
  // The seed study's "critical join-key mismatch": one event in six carries a mangled id.
  id_case_whitespace: 0.15,
  event_name_variant: 0.03,
  ts_offset: 0.02,
  ts_epoch_ms: 0.02,
  ts_naive: 0.02,
  number_as_string: 0.03,
  duplicate_delivery: 0.005,
  late_arrival: 0.02,
  extra_field: 0.02,
  missing_optional: 0.03,
  orphan_user: 0.002,
  unknown_event: 0.001,
  malformed: 0.0002,
};

/** Mess rates that produce a clean dataset (every rate zero). */
export const NO_MESS: MessRates = Object.fromEntries(
  MESS_KINDS.map((kind) => [kind, 0]),
) as unknown as MessRates;

/** Recursive partial, for overriding parts of {@linkcode EffectParams}. */
export type DeepPartial<T> = { [K in keyof T]?: T[K] extends object ? DeepPartial<T[K]> : T[K] };

/** Default number of users: about 1M true events over the default 90 days. */
export const DEFAULT_USERS = 35_000;
/** Default number of days. */
export const DEFAULT_DAYS = 90;
/** Default first day of the period. */
export const DEFAULT_START = "2026-01-01";
/** Default seed. */
export const DEFAULT_SEED = 42;
/** Largest user count: ids `U900000`+ are reserved for orphan events. */
export const MAX_USERS = 899_999;
/** Longest period in days. */
export const MAX_DAYS = 3660;

/** Kinds of volume anomaly the generator can plant on one day. */
export const ANOMALY_KINDS = ["drop", "spike"] as const;
/** A kind of planted volume anomaly. */
export type AnomalyKind = typeof ANOMALY_KINDS[number];

/**
 * A volume anomaly to plant (`--plant-anomaly drop:start_listing:2026-03-10:0.5`): on `date`,
 * the true events named `event` become `factor` times as many as the simulation produced.
 *
 * - `drop` (0 ≤ factor < 1): a seeded choice of that day's events is left out, as when a client
 *   release stops sending an event; the listings, sessions and other events stay.
 * - `spike` (1 < factor ≤ 100): that day's events are fired again (copies with their own
 *   `event_id`, 1–120 s after the original, same user, session and properties), as when a
 *   client double-fires an event.
 *
 * The realised counts are written to `truth.json` → `planted_anomalies`; the planted effects
 * are measured after planting, so `truth.json` describes the files as written.
 */
export interface PlantAnomalyOptions {
  /** `drop` or `spike`. */
  kind: AnomalyKind;
  /** Canonical event name (the catalogue, {@linkcode EVENT_NAMES}). */
  event: EventName;
  /** Day of the period, `YYYY-MM-DD` (UTC), by the events' `ts`. */
  date: string;
  /** Multiplier on that day's count: below 1 for `drop`, above 1 for `spike`. */
  factor: number;
}

/** Largest spike factor. */
export const MAX_SPIKE_FACTOR = 100;

/**
 * Throw unless `spec` is a valid anomaly for the period starting `start` with `days` days;
 * `label` names the option or flag in the message. Returns the day index within the period.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * const drop = { kind: "drop", event: "start_listing", date: "2026-03-10", factor: 0.5 } as const;
 * assert.equal(checkPlantAnomaly("--plant-anomaly", drop, "2026-01-01", 90), 68); // day index
 * assert.throws(
 *   () => checkPlantAnomaly("--plant-anomaly", { ...drop, factor: 2 }, "2026-01-01", 90),
 *   /--plant-anomaly: a drop factor must be from 0 to below 1, got 2/,
 * );
 * ```
 */
export function checkPlantAnomaly(
  label: string,
  spec: PlantAnomalyOptions,
  start: string,
  days: number,
): number {
  if (typeof spec !== "object" || spec === null) {
    throw new TypeError(`${label} must be an object {kind, event, date, factor}`);
  }
  if (!(ANOMALY_KINDS as readonly string[]).includes(spec.kind)) {
    throw new TypeError(
      `${label}: kind must be one of ${ANOMALY_KINDS.join(", ")}, got ${_show(spec.kind)}`,
    );
  }
  if (!(EVENT_NAMES as readonly string[]).includes(spec.event)) {
    throw new TypeError(
      `${label}: event must be one of ${EVENT_NAMES.join(", ")}, got ${_show(spec.event)}`,
    );
  }
  const dayMs = checkDate(`${label}: date`, spec.date);
  const startMs = checkDate("start", start);
  const day = Math.round((dayMs - startMs) / 86_400_000);
  if (day < 0 || day >= days) {
    const last = new Date(startMs + (days - 1) * 86_400_000).toISOString().slice(0, 10);
    throw new RangeError(
      `${label}: date must be a day of the period ${start} to ${last}, got "${spec.date}"`,
    );
  }
  const factor = spec.factor;
  if (typeof factor !== "number" || !Number.isFinite(factor)) {
    throw new TypeError(`${label}: factor must be a number, got ${_show(factor)}`);
  }
  if (spec.kind === "drop" && !(factor >= 0 && factor < 1)) {
    throw new RangeError(`${label}: a drop factor must be from 0 to below 1, got ${factor}`);
  }
  if (spec.kind === "spike" && !(factor > 1 && factor <= MAX_SPIKE_FACTOR)) {
    throw new RangeError(
      `${label}: a spike factor must be above 1 and at most ${MAX_SPIKE_FACTOR}, got ${factor}`,
    );
  }
  return day;
}

/** Progress report passed to {@linkcode GenerateOptions.onProgress}. */
export interface GenerateProgress {
  /** Stage just finished or in progress. */
  stage: "simulate" | "mess" | "write";
  /** Name of the file just written (stage `write`). */
  file?: string;
  /** Units done in this stage (files written for `write`, 1 otherwise). */
  done: number;
  /** Units in this stage. */
  total: number;
}

/** Options of {@linkcode generateDataset}. */
export interface GenerateOptions {
  /** Number of registry users. @default {35000} */
  users?: number;
  /** Number of days in the period. @default {90} */
  days?: number;
  /** First day of the period, `YYYY-MM-DD` (UTC). @default {"2026-01-01"} */
  start?: string;
  /** Seed for every random draw (integer 0 … 4294967295). @default {42} */
  seed?: number;
  /** Write `events-*.ndjson.gz` instead of `.ndjson`. @default {false} */
  gzip?: boolean;
  /** Overrides of {@linkcode DEFAULT_MESS_RATES}. @default {{}} */
  mess?: Partial<MessRates>;
  /** Overrides of {@linkcode DEFAULT_EFFECTS} (deep-merged). @default {{}} */
  effects?: DeepPartial<EffectParams>;
  /**
   * Volume anomalies to plant (see {@linkcode PlantAnomalyOptions}); at most one per event and
   * day. Without any, the output is exactly what it would be without this option.
   * @default {[]}
   */
  plantAnomalies?: PlantAnomalyOptions[];
  /** Called after each stage and after each file is written. @default {undefined} */
  onProgress?: (progress: GenerateProgress) => void;
}

/** Options after defaults and validation. */
export interface ResolvedOptions {
  /** Registry users. */
  users: number;
  /** Days in the period. */
  days: number;
  /** First day, `YYYY-MM-DD`. */
  start: string;
  /** Epoch milliseconds of `start` at 00:00 UTC. */
  startMs: number;
  /** Seed of every random draw. */
  seed: number;
  /** Write gzipped event files. */
  gzip: boolean;
  /** Mess rates with defaults applied. */
  mess: MessRates;
  /** Behavioural parameters with defaults applied. */
  effects: EffectParams;
  /** Volume anomalies to plant, validated (empty when none). */
  anomalies: PlantAnomalyOptions[];
}

/** Throw unless `value` is an integer in [min, max]; `label` names the option in the message. */
export function checkInteger(label: string, value: unknown, min: number, max: number): number {
  const what = min === 1 ? "a positive integer" : `an integer`;
  if (typeof value !== "number" || !Number.isInteger(value)) {
    throw new TypeError(`${label} must be ${what}, got ${_show(value)}`);
  }
  if (value < min || value > max) {
    throw new RangeError(`${label} must be ${what} from ${min} to ${max}, got ${value}`);
  }
  return value;
}

/** Throw unless `value` is a real calendar date written `YYYY-MM-DD`; returns its epoch ms. */
export function checkDate(label: string, value: unknown): number {
  if (typeof value !== "string" || !/^\d{4}-\d{2}-\d{2}$/.test(value)) {
    throw new TypeError(`${label} must be a date written YYYY-MM-DD, got ${_show(value)}`);
  }
  const ms = Date.parse(`${value}T00:00:00Z`);
  if (Number.isNaN(ms) || new Date(ms).toISOString().slice(0, 10) !== value) {
    throw new RangeError(`${label} must be a real calendar date, got "${value}"`);
  }
  return ms;
}

/** Earliest first day of a period. */
export const MIN_START = "1970-01-01";
/**
 * Latest last day of a period: timestamps written at a UTC offset, and late deliveries,
 * reach up to two days past it, and every date in the dataset keeps a four-digit year.
 */
export const MAX_END = "9999-12-29";

/**
 * Throw unless the period of `days` days from `startMs` lies within
 * {@linkcode MIN_START}..{@linkcode MAX_END}; the labels name the options (or flags) in
 * the message.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * checkPeriod(Date.parse("2026-01-01"), 90); // fine
 * assert.throws(
 *   () => checkPeriod(Date.parse("9999-12-20"), 15, { start: "--start", days: "--days" }),
 *   /^RangeError: --start 9999-12-20 with --days 15 ends on 10000-01-03/,
 * );
 * ```
 */
export function checkPeriod(
  startMs: number,
  days: number,
  labels: { start: string; days: string } = { start: "start", days: "days" },
): void {
  // Years past 9999 come out as "+010000-01-03T…" from toISOString.
  const day = (ms: number) => new Date(ms).toISOString().split("T")[0]!.replace(/^\+0*/, "");
  const start = day(startMs);
  if (startMs < Date.parse(`${MIN_START}T00:00:00Z`)) {
    throw new RangeError(`${labels.start} must be ${MIN_START} or later, got ${start}`);
  }
  const lastMs = startMs + (days - 1) * 86_400_000;
  if (lastMs > Date.parse(`${MAX_END}T00:00:00Z`)) {
    throw new RangeError(
      `${labels.start} ${start} with ${labels.days} ${days} ends on ${day(lastMs)}; the ` +
        `period must end by ${MAX_END}, so every date in the dataset keeps a four-digit year`,
    );
  }
}

function _show(value: unknown): string {
  return typeof value === "string" ? `"${value}"` : String(value);
}

function _isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Deep-merge `override` into a copy of `base`, refusing keys or types `base` does not have. */
function _mergeChecked(base: unknown, override: unknown, path: string): unknown {
  if (override === undefined) return structuredClone(base);
  if (_isPlainObject(base)) {
    if (!_isPlainObject(override)) {
      throw new TypeError(`${path} must be an object, got ${_show(override)}`);
    }
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(override)) {
      if (!(key in base)) throw new TypeError(`${path} has no parameter "${key}"`);
    }
    for (const [key, value] of Object.entries(base)) {
      out[key] = _mergeChecked(value, override[key], `${path}.${key}`);
    }
    return out;
  }
  if (typeof override !== "number" || !Number.isFinite(override) || override < 0) {
    throw new RangeError(`${path} must be a finite number ≥ 0, got ${_show(override)}`);
  }
  return override;
}

const _PROBABILITY_PATHS: readonly (readonly string[])[] = [
  ["population", "neverActiveShare"],
  ["retention", "weeklyChurn"],
  ["journey", "searchProb"],
  ["journey", "viewProb"],
  ["journey", "moreViewsProb"],
  ["journey", "messageProb"],
  ["journey", "completeProb"],
  ["activation", "listerShare"],
  ["activation", "firstSessionStartProb"],
  ["activation", "laterSessionStartProb"],
  ["listingDensity", "extraListingProb"],
  ["listingDensity", "publishProb"],
];

function _checkProbabilities(effects: EffectParams): void {
  for (const path of _PROBABILITY_PATHS) {
    let node: unknown = effects;
    for (const key of path) node = (node as Record<string, unknown>)[key];
    const values = typeof node === "number"
      ? [["", node] as const]
      : Object.entries(node as Record<string, number>).map(([k, v]) => [`.${k}`, v] as const);
    for (const [suffix, value] of values) {
      if (value > 1) {
        throw new RangeError(
          `effects.${path.join(".")}${suffix} must be a probability from 0 to 1, got ${value}`,
        );
      }
    }
  }
  for (
    const [name, mix] of [
      ["population.tierMix", effects.population.tierMix],
      ["population.regionMix", effects.population.regionMix],
      ["population.platformMix", effects.population.platformMix],
      ...TIERS.map((t) => [`categoryAffinity.${t}`, effects.categoryAffinity[t]] as const),
    ] as const
  ) {
    const total = Object.values(mix).reduce((a: number, b: number) => a + b, 0);
    if (!(total > 0)) throw new RangeError(`effects.${name} must have a positive total`);
  }
}

/**
 * Apply defaults to {@linkcode GenerateOptions} and validate them.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * const resolved = resolveOptions({ users: 100, mess: { malformed: 0 } });
 * assert.equal(resolved.days, 90); // the default
 * assert.equal(resolved.mess.malformed, 0);
 * assert.throws(() => resolveOptions({ users: 0 }), RangeError);
 * ```
 */
export function resolveOptions(options: GenerateOptions = {}): ResolvedOptions {
  const users = checkInteger("users", options.users ?? DEFAULT_USERS, 1, MAX_USERS);
  const days = checkInteger("days", options.days ?? DEFAULT_DAYS, 1, MAX_DAYS);
  const start = options.start ?? DEFAULT_START;
  const startMs = checkDate("start", start);
  checkPeriod(startMs, days);
  const seed = checkInteger("seed", options.seed ?? DEFAULT_SEED, 0, 0xffffffff);
  const gzip = options.gzip ?? false;
  if (typeof gzip !== "boolean") throw new TypeError(`gzip must be a boolean, got ${_show(gzip)}`);
  if (options.onProgress !== undefined && typeof options.onProgress !== "function") {
    throw new TypeError(`onProgress must be a function`);
  }

  const messOverride: Record<string, unknown> = options.mess ?? {};
  if (!_isPlainObject(messOverride)) {
    throw new TypeError(`mess must be an object of rates, got ${_show(messOverride)}`);
  }
  const mess = { ...DEFAULT_MESS_RATES };
  for (const [kind, rate] of Object.entries(messOverride)) {
    if (!(MESS_KINDS as readonly string[]).includes(kind)) {
      throw new TypeError(`mess has no kind "${kind}"; known kinds: ${MESS_KINDS.join(", ")}`);
    }
    if (rate === undefined) continue;
    if (typeof rate !== "number" || !(rate >= 0 && rate <= 1)) {
      throw new RangeError(`mess.${kind} must be a rate from 0 to 1, got ${_show(rate)}`);
    }
    mess[kind as keyof MessRates] = rate;
  }
  const tsTotal = mess.ts_offset + mess.ts_epoch_ms + mess.ts_naive;
  if (tsTotal > 1) {
    throw new RangeError(
      `mess.ts_offset + mess.ts_epoch_ms + mess.ts_naive must be at most 1, got ${tsTotal}`,
    );
  }

  const effects = _mergeChecked(DEFAULT_EFFECTS, options.effects, "effects") as EffectParams;
  _checkProbabilities(effects);
  const anomalies = _checkAnomalies(options.plantAnomalies, start, days);
  return { users, days, start, startMs, seed, gzip, mess, effects, anomalies };
}

function _checkAnomalies(value: unknown, start: string, days: number): PlantAnomalyOptions[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) {
    throw new TypeError(`plantAnomalies must be a list, got ${_show(value)}`);
  }
  const seen = new Set<string>();
  return value.map((spec: PlantAnomalyOptions, i) => {
    checkPlantAnomaly(`plantAnomalies[${i}]`, spec, start, days);
    const key = `${spec.event} ${spec.date}`;
    if (seen.has(key)) {
      throw new RangeError(
        `plantAnomalies[${i}]: a second anomaly for ${spec.event} on ${spec.date}; plant one per event and day`,
      );
    }
    seen.add(key);
    return { kind: spec.kind, event: spec.event, date: spec.date, factor: spec.factor };
  });
}
