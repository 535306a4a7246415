/**
 * Fast text formatting: timestamps from whole seconds without per-event Date objects, padded
 * ids, RFC 4180 CSV fields.
 *
 * @module
 */

const _TWO: readonly string[] = Array.from({ length: 60 }, (_, i) => String(i).padStart(2, "0"));

/** Formats seconds since the period start as the timestamp styles the dataset uses. */
export class TimeFormatter {
  readonly #startMs: number;
  readonly #firstDay: number;
  readonly #days: string[] = [];

  /** Caches day strings for the period plus a margin for time-zone offsets. */
  constructor(startMs: number, days: number) {
    this.#startMs = startMs;
    this.#firstDay = -2;
    for (let d = this.#firstDay; d <= days + 2; d++) {
      this.#days.push(new Date(startMs + d * 86_400_000).toISOString().slice(0, 10));
    }
  }

  /** `YYYY-MM-DD` of day `d` (0 = first day of the period). */
  day(d: number): string {
    return this.#days[d - this.#firstDay] ??
      new Date(this.#startMs + d * 86_400_000).toISOString().slice(0, 10);
  }

  #hms(sec: number): string {
    const s = sec - Math.floor(sec / 86_400) * 86_400;
    const h = Math.floor(s / 3600);
    const m = Math.floor((s - h * 3600) / 60);
    return `${_TWO[h]}:${_TWO[m]}:${_TWO[s - h * 3600 - m * 60]}`;
  }

  /** `2026-03-01T10:00:00.000Z`: the canonical event timestamp. */
  canonical(sec: number): string {
    return `${this.day(Math.floor(sec / 86_400))}T${this.#hms(sec)}.000Z`;
  }

  /** `2026-03-01T10:00:00Z`: CSV timestamps (`signup_at`, `created_at`). */
  csv(sec: number): string {
    return `${this.day(Math.floor(sec / 86_400))}T${this.#hms(sec)}Z`;
  }

  /** `2026-03-01 10:00:00`: naive, meaning UTC. */
  naive(sec: number): string {
    return `${this.day(Math.floor(sec / 86_400))} ${this.#hms(sec)}`;
  }

  /** `2026-03-01T12:00:00.000+02:00`: the same instant written in local time at an offset. */
  offset(sec: number, offsetMinutes: number, label: string): string {
    const local = sec + offsetMinutes * 60;
    return `${this.day(Math.floor(local / 86_400))}T${this.#hms(local)}.000${label}`;
  }

  /** Epoch milliseconds of the instant. */
  epochMs(sec: number): number {
    return this.#startMs + sec * 1000;
  }
}

/** `prefix` followed by `n` zero-padded to `width` digits. */
export function padId(prefix: string, n: number, width: number): string {
  return prefix + String(n).padStart(width, "0");
}

/** Quote a CSV field per RFC 4180 when it holds a comma, quote or line break. */
export function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

/**
 * Append-only byte buffer for ASCII text. Event lines are pure ASCII, so writing char codes
 * straight into bytes skips building (and later flattening) a string per event.
 */
export class AsciiBuffer {
  bytes: Uint8Array;
  length = 0;

  constructor(capacity = 1 << 20) {
    this.bytes = new Uint8Array(capacity);
  }

  /** Make room for `extra` more bytes; writes up to that many need no further checks. */
  reserve(extra: number): void {
    if (this.length + extra <= this.bytes.length) return;
    let size = this.bytes.length * 2;
    while (size < this.length + extra) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.bytes.subarray(0, this.length));
    this.bytes = next;
  }

  /** Append an ASCII string (caller has reserved room). */
  ascii(s: string): void {
    const b = this.bytes;
    let p = this.length;
    for (let i = 0; i < s.length; i++) b[p++] = s.charCodeAt(i);
    this.length = p;
  }

  /** Append one byte. */
  byte(c: number): void {
    this.bytes[this.length++] = c;
  }

  /** Append a non-negative integer, left-padded with zeros to `width` digits. */
  padded(n: number, width: number): void {
    const b = this.bytes;
    let p = this.length + width;
    let digits = 0;
    let v = n;
    do {
      digits++;
      v = Math.floor(v / 10);
    } while (v > 0);
    if (digits > width) p = this.length + digits;
    const end = p;
    v = n;
    do {
      b[--p] = 48 + (v % 10);
      v = Math.floor(v / 10);
    } while (v > 0);
    while (p > this.length) b[--p] = 48;
    this.length = end;
  }

  /** Append a non-negative integer. */
  int(n: number): void {
    this.padded(n, 1);
  }

  /** The bytes written so far (a view, not a copy). */
  view(): Uint8Array {
    return this.bytes.subarray(0, this.length);
  }
}
