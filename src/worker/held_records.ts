import { MAX_RESULT_CHUNKS_IN_FLIGHT } from './protocol.ts';
import type { RecordsSignal } from './protocol.ts';
import type { ReturnedRecords } from './returned_records.ts';

interface Held {
  readonly signal: RecordsSignal;
  readonly acknowledge: () => void;
}

/**
 * The returned records of a checkpointed job in workers, between its workers and the caller:
 * each chunk waits here until a checkpoint taken after it completes (Flink's collect sink under
 * exactly-once: the client sees results of completed checkpoints only), so a restart, which
 * replays what came after its checkpoint, never gives the caller a record twice. A job that does
 * not checkpoint passes its chunks on as they come.
 *
 * Chunks wait here, acknowledged to their worker: held until the caller took them, the barrier of
 * the checkpoint that confirms them could not reach the sink. The caller's pace still holds the
 * workers back: a chunk's acknowledgement waits while as many confirmed chunks as a worker may
 * have in flight are not taken yet.
 */
export class HeldRecords<T> {
  readonly #returned: ReturnedRecords<T>;
  #holding = false;
  /** Per worker, in arrival order (so in epoch order). */
  readonly #held: Held[][] = [];
  #untaken = 0;
  readonly #waitingAcks: Array<() => void> = [];

  constructor(returned: ReturnedRecords<T>) {
    this.#returned = returned;
  }

  /** From now on chunks wait for their checkpoint (the job checkpoints). */
  hold(): void {
    this.#holding = true;
  }

  add(signal: RecordsSignal, acknowledge: () => void): void {
    if (!this.#holding) return this.#returned.add(signal, acknowledge);
    (this.#held[signal.worker] ??= []).push({ signal, acknowledge });
    if (this.#untaken < MAX_RESULT_CHUNKS_IN_FLIGHT) acknowledge();
    else this.#waitingAcks.push(acknowledge);
  }

  /** Checkpoint n is durable: the chunks sent before the sink took it are confirmed. */
  confirm(checkpointId: number): void {
    for (const chunks of this.#held) {
      if (chunks === undefined) continue;
      let n = 0;
      while (n < chunks.length && chunks[n].signal.epoch < checkpointId) n++;
      for (const chunk of chunks.splice(0, n)) this.#release(chunk);
    }
  }

  /** The job finished: every chunk is final. */
  confirmAll(): void {
    this.confirm(Number.POSITIVE_INFINITY);
  }

  /** The job starts over from checkpoint n (0: from its beginning): what was sent after it will be sent again. */
  dropFrom(checkpointId: number): void {
    for (const chunks of this.#held) {
      if (chunks === undefined) continue;
      const kept = chunks.filter((chunk) => chunk.signal.epoch < checkpointId);
      chunks.length = 0;
      chunks.push(...kept);
    }
    // The acknowledgements were for workers of the run that ended; the next run's count afresh.
    this.#waitingAcks.length = 0;
  }

  #release(chunk: Held): void {
    this.#untaken++;
    this.#returned.add(chunk.signal, () => {
      this.#untaken--;
      this.#waitingAcks.shift()?.();
    });
  }
}
