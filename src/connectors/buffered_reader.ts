import type { SourceReader } from '../core/source.ts';

/** Where a source's reading loop puts records, each with the position right after it. */
export interface RecordSink<T> {
  push(record: T, position: unknown): void;
  /** Resolves once the buffer has room again (the job polled); reading waits on it, which is the source's backpressure. */
  room(): Promise<void>;
  /** Aborted when the reader is closed: the loop stops and closes its connection. */
  readonly signal: AbortSignal;
  /** Records pushed and not yet polled. */
  readonly buffered: number;
}

/**
 * A SourceReader over an asynchronous reading loop (a socket, a response body): the loop pushes
 * records into a bounded buffer and waits for room; the job polls without blocking. The
 * position it reports is that of the last record polled, so a checkpoint holds exactly what
 * went downstream. The loop resolving is the end of input; its rejection fails the job.
 */
export function bufferedReader<T>(run: (sink: RecordSink<T>) => Promise<void>, position: unknown, capacity: number): SourceReader<T> {
  let records: T[] = [];
  let positions: unknown[] = [];
  let done = false;
  let failure: { error: unknown } | null = null;
  const controller = new AbortController();
  let wakeReader: (() => void) | null = null;
  let wakeLoop: (() => void) | null = null;
  let available: Promise<void> | null = null;

  const signalReader = () => {
    const w = wakeReader;
    wakeReader = null;
    available = null;
    w?.();
  };
  const sink: RecordSink<T> = {
    push(record, at) {
      records.push(record);
      positions.push(at);
      if (records.length === 1) signalReader();
    },
    room() {
      if (records.length < capacity || controller.signal.aborted) return Promise.resolve();
      return new Promise((resolve) => { wakeLoop = resolve; });
    },
    signal: controller.signal,
    get buffered() {
      return records.length;
    },
  };
  run(sink).then(() => { done = true; signalReader(); }, (error: unknown) => {
    if (!controller.signal.aborted) failure = { error };
    done = true;
    signalReader();
  });

  return {
    pollNext(max: number): T[] | null {
      if (records.length === 0) {
        if (failure !== null) throw failure.error;
        return done ? null : [];
      }
      const n = Math.min(max, records.length);
      const out = n === records.length ? records : records.slice(0, n);
      position = positions[n - 1];
      records = n === records.length ? [] : records.slice(n);
      positions = n === positions.length ? [] : positions.slice(n);
      const w = wakeLoop;
      wakeLoop = null;
      w?.();
      return out;
    },
    isAvailable(): Promise<void> {
      if (records.length > 0 || done) return Promise.resolve();
      available ??= new Promise((resolve) => { wakeReader = resolve; });
      return available;
    },
    snapshotState: () => position,
    close(): void {
      controller.abort();
      const w = wakeLoop;
      wakeLoop = null;
      w?.();
    },
  };
}
