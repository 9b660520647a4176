/** Where `executeAndCollect()` (and a job module's returned stream) gathers a stream's records. */
export interface CollectBuffer {
  readonly values: unknown[];
  /** Hands the values on, emptying `values`, whenever `every` have gathered (a job in workers streams them back). */
  readonly flush?: {
    readonly every: number;
    readonly to: (values: unknown[]) => void;
    /**
     * Checkpoint n took the sink's state, after the values handed on so far: what comes next is
     * confirmed by a later checkpoint (a job in workers holds it back until then).
     */
    readonly checkpointed?: (checkpointId: number) => void;
  };
}
