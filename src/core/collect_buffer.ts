/** Where `executeAndCollect()` (and a job module's returned stream) gathers a stream's records. */
export interface CollectBuffer {
  readonly values: unknown[];
  /** Hands the values on, emptying `values`, whenever `every` have gathered (a job in workers streams them back). */
  readonly flush?: { readonly every: number; readonly to: (values: unknown[]) => void };
}
