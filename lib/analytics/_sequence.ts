/**
 * Private helper of funnel.ts: numbers event rows in (user, time) order.
 *
 * Users only need to be contiguous, not in lexical order, so rows are sorted by a 64-bit hash
 * of `user_id` and a time key, both numeric: sorting 7M rows by the string first took 3–5 s
 * here, by (hash, string, time) about 1.5 s, and at 1M events (hash, time) took about two
 * thirds of the CPU time of (hash, string, time). Two users whose ids share a hash would be
 * interleaved by that fast sort, so it also flags any row that starts a new user without
 * starting a new hash (`_clash`); callers then run again with the exact sort, which breaks
 * hash ties with the string. The flag is complete: the rows of all users sharing a hash are
 * contiguous, so two such users always meet at a row that changes user but not hash.
 */
import pl, { type Expr, type LazyDataFrame } from "nodejs-polars";
import { int } from "./_frame.ts";

const HASH_SEED = 0x7e77a;

/**
 * How a `user_id` column becomes the numeric key that groups a user's rows. Tests swap in a
 * colliding key to exercise the exact fallback; nothing else should change it.
 *
 * The cast is not a no-op for the streaming engine of nodejs-polars 0.25.2: without it, a
 * `shift()` of the hash column fails there ("cannot compare string with numeric type (u64)"),
 * as if the hash had its input's String type.
 */
export const userKey: { of: (userId: Expr) => Expr } = {
  of: (userId) => userId.hash(HASH_SEED).cast(pl.UInt64),
};

/**
 * Sorts by user, then time, then `_r` (when given) and numbers the rows (`_seq`, Int64);
 * `_uc` increments at each new user. Time and step rank share one Int64 key, `_t * 64 + _r`
 * (ranks 1–63).
 *
 * With `exact: false` the user order comes from {@linkcode userKey} alone and the Boolean
 * column `_clash` is true on a row that starts a new user but not a new key: if any row has
 * it, the numbering is not valid and the caller must run again with `exact: true`, which
 * breaks key ties with `user_id` (and sets `_clash` false everywhere). `ties` are further
 * sort columns after the time key (e.g. an input row number, for a deterministic order).
 */
export function sequence(
  frame: LazyDataFrame,
  withRank: boolean,
  exact: boolean,
  ties: string[] = [],
): LazyDataFrame {
  const timeKey = withRank
    ? pl.col("_t").mul(int(64)).plus(pl.col("_r").cast(pl.Int64))
    : pl.col("_t");
  const newUser = pl.col("user_id").neq(pl.col("user_id").shift(1)).fillNull(true);
  const clash = exact
    ? pl.lit(false)
    : newUser.and(pl.col("_h").eq(pl.col("_h").shift(1)).fillNull(false));
  return frame
    .withColumns(userKey.of(pl.col("user_id")).alias("_h"), timeKey.alias("_k"))
    .sort(exact ? ["_h", "user_id", "_k", ...ties] : ["_h", "_k", ...ties])
    .withRowIndex("_seq")
    .withColumns(
      pl.col("_seq").cast(pl.Int64),
      newUser.cumSum().alias("_uc"),
      clash.alias("_clash"),
    );
}
