/**
 * Memory for the copies `fromColumns` makes, used again once their source is gone. A copy into
 * new memory faults in each of its pages and adds that much external memory, for which the JS
 * engine marks its whole heap soon after: at 5 M rows (60 MB) that costs about twice the memcpy
 * itself. A source registers its copies' buffers here; when the source is collected (its job's
 * environment with it) they come back, and a later copy of about their size writes into one of
 * them instead. Nothing can read a copy but through its source: the batches it gives out are views
 * lent for their calls (a sink keeps values by copying them), and a job holds its source until it
 * ends, since a restart reads it again. What is not taken within `IDLE_MS` is dropped, as the
 * kernel pool drops its memories, and at most `MAX_BYTES` are kept.
 * Where a runtime never runs finalizers, nothing comes back and every copy is new memory, as before.
 */
const IDLE_MS = 2000;
const MAX_BYTES = 256 * 1024 * 1024;

interface Idle {
  readonly buffer: ArrayBuffer;
  readonly since: number;
}

type Timer = ReturnType<typeof setTimeout> & { unref?: () => void };

const idle: Idle[] = [];
let timer: Timer | null = null;

const registry = typeof FinalizationRegistry === 'function'
  ? new FinalizationRegistry<readonly ArrayBuffer[]>((buffers) => { for (const buffer of buffers) keep(buffer); })
  : null;

/**
 * A kept buffer of at least `bytes` bytes and at most twice that (a small copy does not take a
 * large copy's memory), the smallest such; or null.
 */
export function takeCopyMemory(bytes: number): ArrayBuffer | null {
  let best = -1;
  for (let i = 0; i < idle.length; i++) {
    const length = idle[i].buffer.byteLength;
    if (length >= bytes && length <= 2 * bytes && (best < 0 || length < idle[best].buffer.byteLength)) best = i;
  }
  if (best < 0) return null;
  const [taken] = idle.splice(best, 1);
  return taken.buffer;
}

/** Gives `buffers` back once `owner` is collected. */
export function recycleWhenCollected(owner: object, buffers: readonly ArrayBuffer[]): void {
  if (buffers.length > 0) registry?.register(owner, buffers);
}

/** Buffers kept now, and their bytes. */
export function keptCopyMemory(): { count: number; bytes: number } {
  return { count: idle.length, bytes: keptBytes() };
}

function keptBytes(): number {
  return idle.reduce((sum, { buffer }) => sum + buffer.byteLength, 0);
}

function keep(buffer: ArrayBuffer): void {
  // A buffer detached meanwhile (transferred by a view of it) has nothing to give.
  if (buffer.byteLength === 0 || buffer.byteLength > MAX_BYTES) return;
  idle.push({ buffer, since: performance.now() });
  while (keptBytes() > MAX_BYTES) idle.shift();
  if (timer === null) startTimer(IDLE_MS);
}

function startTimer(ms: number): void {
  const t: Timer = setTimeout(expire, ms);
  // Kept memory must never keep a Node process alive.
  t.unref?.();
  timer = t;
}

function expire(): void {
  timer = null;
  const at = performance.now();
  while (idle.length > 0 && at - idle[0].since >= IDLE_MS) idle.shift();
  if (idle.length > 0) startTimer(Math.max(1, idle[0].since + IDLE_MS - at));
}
