/**
 * What every stage returns: a typed summary with the figures the tasks print.
 *
 * @module
 */

/** The stages of the pipeline, in order. */
export type StageName = "generate" | "load" | "models" | "checks" | "report" | "alerts";

/** Fields every stage summary has. */
export interface StageSummaryBase<S extends StageName> {
  /** Which stage this summarises. */
  stage: S;
  /** Wall-clock seconds of the stage. */
  seconds: number;
  /** Peak resident memory of the process at the end of the stage, in MiB (`VmHWM` on Linux). */
  peakRssMiB: number;
}
