/**
 * Behavioural simulation: users sign up, come back in sessions until they churn, and walk
 * the journey session_start → search → view_listing → start_listing → publish_listing →
 * complete_recycling. Produces the true (clean) data in columnar form.
 *
 * @module
 */

import type { Faker } from "@faker-js/faker";
// The en-only entry point: the package index would also load every other locale (~0.2 s).
import { faker as enFaker } from "@faker-js/faker/locale/en";
import { cumulative, Prng } from "./_prng.ts";
import {
  CATEGORIES,
  type EffectParams,
  PLATFORMS,
  REGIONS,
  type ResolvedOptions,
  TIERS,
} from "./params.ts";

/** Event type codes: indexes into `EVENT_NAMES`. */
export const EV_SESSION_START = 0;
export const EV_SEARCH = 1;
export const EV_VIEW_LISTING = 2;
export const EV_START_LISTING = 3;
export const EV_PUBLISH_LISTING = 4;
export const EV_MESSAGE_SELLER = 5;
export const EV_COMPLETE_RECYCLING = 6;

/** Search phrases; drawn by index, never per-event faker calls. */
export const SEARCH_QUERIES: readonly string[] = [
  "used laptops",
  "old phones",
  "server racks",
  "printer cartridges",
  "crt monitors",
  "steel offcuts",
  "copper wire",
  "scrap aluminium",
  "brass fittings",
  "pallet wrap",
  "hdpe drums",
  "pet bottles",
  "cotton offcuts",
  "denim scraps",
  "workwear",
  "lithium batteries",
  "lead acid batteries",
  "ev battery modules",
  "cnc machine parts",
  "hydraulic pumps",
  "electric motors",
  "cable drums",
  "solar panels",
  "circuit boards",
];

const _TITLE_NOUNS: Record<typeof CATEGORIES[number], readonly string[]> = {
  Electronics: ["laptops", "smartphones", "monitors", "circuit boards", "routers", "printers"],
  Industrial: ["hydraulic pumps", "electric motors", "gearboxes", "compressors", "conveyor parts"],
  Textiles: ["cotton offcuts", "denim scraps", "workwear", "upholstery fabric", "wool remnants"],
  Plastics: ["HDPE drums", "PET bottles", "pallet wrap", "crates", "PVC pipe offcuts"],
  Metals: ["copper wire", "steel offcuts", "aluminium profiles", "brass fittings", "cable drums"],
  Batteries: ["lithium cells", "lead-acid batteries", "EV battery modules", "UPS batteries"],
};
const _TITLE_LOTS = ["batch", "lot", "pallet", "bundle", "crate", "job lot", "bulk lot"];

/** The true data of one simulated world. Times are whole seconds since the period start. */
export interface World {
  options: ResolvedOptions;
  /** Period length in seconds. */
  endSec: number;
  users: {
    n: number;
    signupSec: Int32Array;
    tier: Uint8Array;
    region: Uint8Array;
    fullName: string[];
    email: string[];
    company: string[];
  };
  listings: {
    n: number;
    userIdx: Int32Array;
    category: Uint8Array;
    /** Rounded to 0.1 kg, exactly as written. */
    weightKg: Float64Array;
    /** Rounded to 0.01 kg CO2e, exactly as written. */
    eco: Float64Array;
    /** The value as written in CSV and JSON (`toFixed`). */
    weightText: string[];
    ecoText: string[];
    createdSec: Int32Array;
    /** Second of the `publish_listing` event, or -1 when never published. */
    publishedSec: Int32Array;
    title: string[];
  };
  /** True events sorted by time; index i has `event_id` E(i+1). */
  events: {
    n: number;
    userIdx: Int32Array;
    type: Uint8Array;
    tsSec: Int32Array;
    session: Int32Array;
    platform: Uint8Array;
    /** Listing index, or -1. */
    listing: Int32Array;
    /** Index into {@linkcode SEARCH_QUERIES}, or -1. */
    query: Int16Array;
  };
  /** Number of sessions (session ids are S00000001 … Sn). */
  sessions: number;
}

const _DAY = 86_400;
const _WEEK = 7 * _DAY;

function _weights<K extends string>(keys: readonly K[], record: Record<K, number>): Float64Array {
  return cumulative(keys.map((k) => record[k]));
}

/**
 * Growable struct-of-arrays buffer for events in generation order. With `onFull`, it stays at
 * its capacity instead: a full buffer is handed to `onFull` (which must consume it) and
 * emptied, so events can stream to disk.
 */
export class EventBuffer {
  n = 0;
  userIdx: Int32Array;
  type: Uint8Array;
  tsSec: Int32Array;
  session: Int32Array;
  platform: Uint8Array;
  listing: Int32Array;
  query: Int16Array;
  readonly #onFull: ((buf: EventBuffer) => void) | undefined;

  constructor(capacity = 1024, onFull?: (buf: EventBuffer) => void) {
    this.userIdx = new Int32Array(capacity);
    this.type = new Uint8Array(capacity);
    this.tsSec = new Int32Array(capacity);
    this.session = new Int32Array(capacity);
    this.platform = new Uint8Array(capacity);
    this.listing = new Int32Array(capacity);
    this.query = new Int16Array(capacity);
    this.#onFull = onFull;
  }

  push(
    user: number,
    type: number,
    ts: number,
    session: number,
    platform: number,
    listing: number,
    query: number,
  ): void {
    if (this.n === this.type.length) {
      if (this.#onFull) {
        this.#onFull(this);
        this.n = 0;
      } else this.#grow();
    }
    const i = this.n++;
    this.userIdx[i] = user;
    this.type[i] = type;
    this.tsSec[i] = ts;
    this.session[i] = session;
    this.platform[i] = platform;
    this.listing[i] = listing;
    this.query[i] = query;
  }

  /** Make room for at least `capacity` events (keeps the ones held). */
  ensure(capacity: number): void {
    while (this.type.length < capacity) this.#grow();
  }

  #grow(): void {
    const size = Math.max(1, this.type.length * 2);
    const grow = <T extends Int32Array | Uint8Array | Int16Array>(a: T, make: (n: number) => T) => {
      const b = make(size);
      b.set(a);
      return b;
    };
    this.userIdx = grow(this.userIdx, (k) => new Int32Array(k));
    this.type = grow(this.type, (k) => new Uint8Array(k));
    this.tsSec = grow(this.tsSec, (k) => new Int32Array(k));
    this.session = grow(this.session, (k) => new Int32Array(k));
    this.platform = grow(this.platform, (k) => new Uint8Array(k));
    this.listing = grow(this.listing, (k) => new Int32Array(k));
    this.query = grow(this.query, (k) => new Int16Array(k));
  }
}

/** Growable listing columns. */
class _ListingBuffer {
  userIdx: number[] = [];
  category: number[] = [];
  weightKg: number[] = [];
  eco: number[] = [];
  weightText: string[] = [];
  ecoText: string[] = [];
  createdSec: number[] = [];
  publishedSec: number[] = [];
  title: string[] = [];
}

/**
 * Walks each user through weeks and sessions. State lives in fields and the hot paths are
 * small methods, which V8 optimises far better than one long loop body.
 */
class _Simulator {
  readonly events: EventBuffer;
  readonly listings = new _ListingBuffer();
  sessions = 0;
  readonly #rng: Prng;
  readonly #listingRng: Prng;
  readonly #faker: Faker;
  readonly #effects: EffectParams;
  readonly #endSec: number;
  readonly #users: World["users"];
  readonly #platformPref: Uint8Array;
  readonly #categoryCum: Float64Array[];
  // Per-user state, set by user().
  #u = 0;
  #tier = 0;
  #isLister = false;
  #messageProb = 0;
  #publishProb = 0;
  #extraListingProb = 0;
  #regionFactor = 1;
  #sessionNo = 0;
  #pending: number[] = [];

  constructor(
    options: ResolvedOptions,
    users: World["users"],
    faker: Faker,
    events: EventBuffer = new EventBuffer(),
  ) {
    this.events = events;
    const { seed, effects } = options;
    this.#effects = effects;
    this.#endSec = options.days * _DAY;
    this.#users = users;
    this.#faker = faker;
    this.#rng = new Prng(seed, "sessions");
    this.#listingRng = new Prng(seed, "listings");
    const platformCum = _weights(PLATFORMS, effects.population.platformMix);
    const prefRng = new Prng(seed, "platform");
    this.#platformPref = new Uint8Array(users.n);
    for (let u = 0; u < users.n; u++) this.#platformPref[u] = prefRng.pick(platformCum);
    this.#categoryCum = TIERS.map((t) => _weights(CATEGORIES, effects.categoryAffinity[t]));
  }

  /** Simulate one user's whole life in the period. */
  user(u: number): void {
    const rng = this.#rng;
    const effects = this.#effects;
    const tier = this.#users.tier[u]!;
    const tierName = TIERS[tier]!;
    const regionName = REGIONS[this.#users.region[u]!]!;
    this.#u = u;
    this.#tier = tier;
    this.#isLister = rng.chance(effects.activation.listerShare[tierName]);
    if (rng.chance(effects.population.neverActiveShare)) return;
    this.#messageProb = effects.journey.messageProb[tierName];
    this.#publishProb = effects.listingDensity.publishProb[tierName];
    this.#extraListingProb = effects.listingDensity.extraListingProb[regionName];
    this.#regionFactor = effects.ecoImpact.regionFactor[regionName];
    this.#sessionNo = 0;
    this.#pending = [];

    const churn = effects.retention.weeklyChurn[tierName];
    const perWeek = effects.retention.sessionsPerWeek[tierName];
    const signup = this.#users.signupSec[u]!;
    const endSec = this.#endSec;
    let lastEnd = -Infinity;
    for (let week = 0;; week++) {
      const weekStart = signup + week * _WEEK;
      if (weekStart >= endSec) break;
      const times: number[] = [];
      if (week === 0) times.push(signup + rng.range(5, 900));
      const k = rng.poisson(perWeek);
      for (let i = 0; i < k; i++) times.push(weekStart + rng.int(_WEEK));
      times.sort((a, b) => a - b);
      for (let start of times) {
        if (start < lastEnd + 300) start = lastEnd + 300 + rng.int(3600);
        if (start >= endSec) break;
        lastEnd = this.#session(start);
      }
      if (rng.chance(churn)) break;
    }
  }

  /** Emit one session starting at `start`; returns the second of its last event. */
  #session(start: number): number {
    const rng = this.#rng;
    const journey = this.#effects.journey;
    const activation = this.#effects.activation;
    const endSec = this.#endSec;
    const u = this.#u;
    const sid = ++this.sessions;
    const plat = rng.chance(0.85) ? this.#platformPref[u]! : rng.int(3);
    const buf = this.events;
    let t = start;
    buf.push(u, EV_SESSION_START, t, sid, plat, -1, -1);
    t += rng.range(3, 60);

    const pending = this.#pending;
    for (let i = 0; i < pending.length && t < endSec; i += 2) {
      if (pending[i + 1]! <= t && rng.chance(journey.completeProb)) {
        buf.push(u, EV_COMPLETE_RECYCLING, t, sid, plat, pending[i]!, -1);
        t += rng.range(5, 120);
        pending.splice(i, 2);
        i -= 2;
      }
    }
    if (rng.chance(journey.searchProb) && t < endSec) {
      buf.push(u, EV_SEARCH, t, sid, plat, -1, rng.int(SEARCH_QUERIES.length));
      t += rng.range(5, 90);
    }
    const willStart = this.#isLister &&
      rng.chance(
        this.#sessionNo === 0 ? activation.firstSessionStartProb : activation.laterSessionStartProb,
      );
    if (willStart || rng.chance(journey.viewProb)) {
      const views = 1 + rng.geometric(journey.moreViewsProb);
      for (let v = 0; v < views && t < endSec; v++) {
        buf.push(u, EV_VIEW_LISTING, t, sid, plat, -1, -1);
        t += rng.range(10, 240);
        if (rng.chance(this.#messageProb) && t < endSec) {
          buf.push(u, EV_MESSAGE_SELLER, t, sid, plat, -1, -1);
          t += rng.range(20, 300);
        }
      }
    }
    if (willStart) {
      const nNew = 1 + rng.geometric(this.#extraListingProb, 10);
      for (let j = 0; j < nNew; j++) {
        t += rng.range(30, 600);
        if (t >= endSec) break;
        t = this.#listing(t, sid, plat);
      }
    }
    this.#sessionNo++;
    return t;
  }

  /** Create a listing with its start_listing at `t` (and maybe publish it); returns the new time. */
  #listing(t: number, sid: number, plat: number): number {
    const rng = this.#rng;
    const lrng = this.#listingRng;
    const eco = this.#effects.ecoImpact;
    const out = this.listings;
    const u = this.#u;
    const li = out.userIdx.length;
    const cat = lrng.pick(this.#categoryCum[this.#tier]!);
    const catName = CATEGORIES[cat]!;
    const weight = Math.max(
      0.1,
      Math.round(lrng.logNormal(eco.medianWeightKg[catName], eco.weightSigma) * 10) / 10,
    );
    const score = Math.max(
      0.01,
      Math.round(
        weight * eco.kgCo2ePerKg[catName] * this.#regionFactor *
          Math.exp(eco.ecoNoiseSigma * lrng.normal()) * 100,
      ) / 100,
    );
    out.userIdx.push(u);
    out.category.push(cat);
    out.weightKg.push(weight);
    out.eco.push(score);
    out.weightText.push(weight.toFixed(1));
    out.ecoText.push(score.toFixed(2));
    out.createdSec.push(t);
    const f = this.#faker;
    out.title.push(
      `${f.commerce.productAdjective()} ${f.helpers.arrayElement(_TITLE_NOUNS[catName])} ${
        f.helpers.arrayElement(_TITLE_LOTS)
      }`,
    );
    this.events.push(u, EV_START_LISTING, t, sid, plat, li, -1);
    let published = -1;
    if (rng.chance(this.#publishProb)) {
      const tp = t + rng.range(60, 900);
      if (tp < this.#endSec) {
        t = tp;
        published = t;
        this.events.push(u, EV_PUBLISH_LISTING, t, sid, plat, li, -1);
        this.#pending.push(
          li,
          t + Math.round(rng.exp(this.#effects.journey.meanDaysToRecycle * _DAY)),
        );
      }
    }
    out.publishedSec.push(published);
    return t;
  }
}

/** A simulated world without its events (they went to an {@linkcode EventBuffer}). */
export type Registries = Omit<World, "events">;

/**
 * Run the simulation, pushing events in generation order into `events` (which may stream
 * them out); returns users, listings and the session count. View and message events still
 * need their listing ({@linkcode ViewFiller}), and events their time order.
 */
export function simulateInto(options: ResolvedOptions, events: EventBuffer): Registries {
  const { users: nUsers, days, seed, effects } = options;
  const endSec = days * _DAY;
  const faker = _newFaker(seed);
  const users = _simulateUsers(nUsers, endSec, seed, effects, faker);
  const sim = new _Simulator(options, users, faker, events);
  for (let u = 0; u < nUsers; u++) sim.user(u);

  const l = sim.listings;
  const listings = {
    n: l.userIdx.length,
    userIdx: Int32Array.from(l.userIdx),
    category: Uint8Array.from(l.category),
    weightKg: Float64Array.from(l.weightKg),
    eco: Float64Array.from(l.eco),
    weightText: l.weightText,
    ecoText: l.ecoText,
    createdSec: Int32Array.from(l.createdSec),
    publishedSec: Int32Array.from(l.publishedSec),
    title: l.title,
  };
  return { options, endSec, users, listings, sessions: sim.sessions };
}

/** A private, seeded Faker instance (en + base definitions), leaving the shared one alone. */
function _newFaker(seed: number): Faker {
  const FakerClass = enFaker.constructor as new (
    options: { locale: Faker["rawDefinitions"] },
  ) => Faker;
  const faker = new FakerClass({ locale: enFaker.rawDefinitions });
  faker.seed(seed);
  return faker;
}

function _simulateUsers(
  n: number,
  endSec: number,
  seed: number,
  effects: EffectParams,
  faker: Faker,
): World["users"] {
  const rng = new Prng(seed, "users");
  const g = effects.population.signupGrowth;
  const signups = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const u = rng.next();
    // Inverse CDF of a density ∝ exp(g·x) on [0, 1): later days get more signups.
    const x = g === 0 ? u : Math.log(1 + u * (Math.exp(g) - 1)) / g;
    signups[i] = Math.min(endSec - 1, Math.floor(x * endSec));
  }
  signups.sort();
  const tierCum = _weights(TIERS, effects.population.tierMix);
  const regionCum = _weights(REGIONS, effects.population.regionMix);
  // Several users work for the same company; Enterprise users cluster in the largest ones.
  const companies = Array.from({ length: Math.max(20, Math.ceil(n / 6)) }, () => {
    const name = faker.company.name();
    return { name, domain: name.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "") };
  });
  const bigCompanies = Math.max(1, Math.floor(companies.length * 0.15));
  const tier = new Uint8Array(n);
  const region = new Uint8Array(n);
  const fullName: string[] = new Array(n);
  const email: string[] = new Array(n);
  const company: string[] = new Array(n);
  const seen = new Set<string>();
  for (let i = 0; i < n; i++) {
    tier[i] = rng.pick(tierCum);
    region[i] = rng.pick(regionCum);
    const first = faker.person.firstName();
    const last = faker.person.lastName();
    const employer = companies[rng.int(tier[i] === 2 ? bigCompanies : companies.length)]!;
    fullName[i] = `${first} ${last}`;
    company[i] = employer.name;
    // Basic accounts sign up with a personal address, paid tiers with a work one.
    let address = tier[i] === 0
      ? faker.internet.email({ firstName: first, lastName: last }).toLowerCase()
      : `${_emailPart(first)}.${_emailPart(last)}@${employer.domain}.com`;
    if (seen.has(address)) address = address.replace("@", `.${i + 1}@`);
    seen.add(address);
    email[i] = address;
  }
  return { n, signupSec: Int32Array.from(signups), tier, region, fullName, email, company };
}

function _emailPart(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]/g, "");
}

/**
 * Point each `view_listing` at a listing published before it (mostly recent ones) and each
 * `message_seller` at the listing last viewed in its session. Runs over consecutive chunks
 * of the generation order, where a session's events are contiguous: the last listing viewed
 * carries over from one chunk to the next.
 */
export class ViewFiller {
  readonly #published: number[] = [];
  readonly #times: Int32Array;
  readonly #rng: Prng;
  #lastViewed = -1;

  constructor(publishedSec: Int32Array, rng: Prng) {
    const published = this.#published;
    for (let i = 0; i < publishedSec.length; i++) if (publishedSec[i]! >= 0) published.push(i);
    published.sort((a, b) => publishedSec[a]! - publishedSec[b]! || a - b);
    this.#times = Int32Array.from(published, (i) => publishedSec[i]!);
    this.#rng = rng;
  }

  /** Fill the listings of the next `buf.n` events of the generation order. */
  fill(buf: EventBuffer): void {
    const published = this.#published;
    const times = this.#times;
    const rng = this.#rng;
    let lastViewed = this.#lastViewed;
    for (let e = 0; e < buf.n; e++) {
      const type = buf.type[e]!;
      if (type === EV_SESSION_START) lastViewed = -1;
      else if (type === EV_VIEW_LISTING) {
        // Count listings published strictly before this view.
        const ts = buf.tsSec[e]!;
        let lo = 0, hi = times.length;
        while (lo < hi) {
          const mid = (lo + hi) >>> 1;
          if (times[mid]! < ts) lo = mid + 1;
          else hi = mid;
        }
        if (lo > 0) {
          const window = Math.min(lo, 2000);
          lastViewed = published[lo - 1 - rng.int(window)]!;
          buf.listing[e] = lastViewed;
        } else lastViewed = -1;
      } else if (type === EV_MESSAGE_SELLER) buf.listing[e] = lastViewed;
    }
    this.#lastViewed = lastViewed;
  }
}

/** Sort events by (time, generation order) into typed columns. */
export function sortEvents(buf: EventBuffer): World["events"] {
  const n = buf.n;
  const order = new Uint32Array(n);
  let maxTs = 0;
  for (let i = 0; i < n; i++) if (buf.tsSec[i]! > maxTs) maxTs = buf.tsSec[i]!;
  if ((maxTs + 1) * n < Number.MAX_SAFE_INTEGER) {
    // One numeric key per event sorts natively, far faster than a comparator.
    const keys = new Float64Array(n);
    for (let i = 0; i < n; i++) keys[i] = buf.tsSec[i]! * n + i;
    keys.sort();
    for (let i = 0; i < n; i++) order[i] = keys[i]! % n;
  } else {
    for (let i = 0; i < n; i++) order[i] = i;
    order.sort((a, b) => buf.tsSec[a]! - buf.tsSec[b]! || a - b);
  }
  const out = {
    n,
    userIdx: new Int32Array(n),
    type: new Uint8Array(n),
    tsSec: new Int32Array(n),
    session: new Int32Array(n),
    platform: new Uint8Array(n),
    listing: new Int32Array(n),
    query: new Int16Array(n),
  };
  for (let i = 0; i < n; i++) {
    const j = order[i]!;
    out.userIdx[i] = buf.userIdx[j]!;
    out.type[i] = buf.type[j]!;
    out.tsSec[i] = buf.tsSec[j]!;
    out.session[i] = buf.session[j]!;
    out.platform[i] = buf.platform[j]!;
    out.listing[i] = buf.listing[j]!;
    out.query[i] = buf.query[j]!;
  }
  return out;
}
