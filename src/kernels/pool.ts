/**
 * The memories of finished kernel instances, kept for the next aggregator or router this thread
 * makes (as Flink's TaskManager keeps its managed memory from task to task). A job's fresh
 * instance memory is new external memory to the JS engine, which then marks the whole heap for it
 * and faults in and zeroes its pages; a memory taken from here is grown and touched already.
 * Only the memory is kept: each taker gets a new instance over it (fresh globals, data segments
 * written again), see Kernels in load.ts. What is not taken again within `idleMs` is dropped, so
 * a kept worker or a page lets go of most of a finished job's memory soon after it; the newest
 * memories, up to `lingerBytes`, stay until `lingerMs`, so a job run again every few seconds (a
 * page recomputing on each input, a bench's rounds) still starts on memory grown and touched.
 * A memory comes back with the keys its keyed aggregator's table held: a thread tends to run the
 * same job again, so the next aggregator on it can size its table for them (see table.ts's reserve).
 */
import type { KernelExports } from './wasm.ts';

export interface KernelPoolOptions {
  /** Memories kept at most; 0 keeps none (every instance fresh). */
  readonly maxInstances?: number;
  /** Bytes kept at most, all memories together; a memory larger than this alone is never kept. */
  readonly maxBytes?: number;
  /** How long a memory waits to be taken again before it is dropped, unless it lingers. */
  readonly idleMs?: number;
  /** Bytes of the newest memories that stay past `idleMs` (0: none). */
  readonly lingerBytes?: number;
  /** How long those wait before they are dropped (at least `idleMs`). */
  readonly lingerMs?: number;
}

export const POOL_DEFAULTS: Required<KernelPoolOptions> = {
  maxInstances: 8,
  maxBytes: 512 * 1024 * 1024,
  idleMs: 2000,
  lingerBytes: 128 * 1024 * 1024,
  lingerMs: 30_000,
};

/** A memory kept, with the keys the table of its last keyed aggregator held (0 for anything else). */
export interface KeptMemory {
  readonly memory: WebAssembly.Memory;
  readonly keys: number;
}

interface Idle extends KeptMemory {
  readonly since: number;
}

type Timer = ReturnType<typeof setTimeout> & { unref?: () => void };

export class KernelPool {
  readonly maxInstances: number;
  readonly maxBytes: number;
  readonly idleMs: number;
  readonly lingerBytes: number;
  readonly lingerMs: number;
  /** Oldest first: `since` only grows along it. */
  readonly #idle: Idle[] = [];
  #timer: Timer | null = null;
  #lastKeys = 0;

  constructor(options: KernelPoolOptions = {}) {
    this.maxInstances = options.maxInstances ?? POOL_DEFAULTS.maxInstances;
    this.maxBytes = options.maxBytes ?? POOL_DEFAULTS.maxBytes;
    this.idleMs = options.idleMs ?? POOL_DEFAULTS.idleMs;
    this.lingerBytes = options.lingerBytes ?? POOL_DEFAULTS.lingerBytes;
    this.lingerMs = Math.max(this.idleMs, options.lingerMs ?? POOL_DEFAULTS.lingerMs);
  }

  /** Memories kept now. */
  get kept(): number {
    return this.#idle.length;
  }

  /**
   * The keys of the last keyed aggregator's table given back and kept (0: none yet). It outlives
   * the memory: a thread that runs the same job again after its memory expired still sizes the
   * new table for them, in a fresh memory.
   */
  get lastKeys(): number {
    return this.#lastKeys;
  }

  /** Their bytes. */
  get keptBytes(): number {
    return this.#idle.reduce((sum, { memory }) => sum + memory.buffer.byteLength, 0);
  }

  /**
   * The largest memory kept (`'large'`: for an aggregator, whose table grows) or the smallest
   * (`'small'`: for a router, which needs little), the one given back last among equals; or null.
   * Sizes matter because a job closes its aggregators before its routers: taken last-in-first-out,
   * the next job's aggregator would get a router's memory and grow anew.
   */
  take(size: 'large' | 'small' = 'large'): KeptMemory | null {
    const idle = this.#idle;
    if (idle.length === 0) return null;
    let best = idle.length - 1;
    for (let i = idle.length - 2; i >= 0; i--) {
      const bytes = idle[i].memory.buffer.byteLength;
      const bestBytes = idle[best].memory.buffer.byteLength;
      if (size === 'large' ? bytes > bestBytes : bytes < bestBytes) best = i;
    }
    const [taken] = idle.splice(best, 1);
    if (idle.length === 0) this.#stopTimer();
    return { memory: taken.memory, keys: taken.keys };
  }

  /**
   * Keeps `memory` for a later take, or drops it when it would break a limit (the oldest go first).
   * `keys`: the keys its keyed aggregator's table held, for the next taker to size its table.
   */
  give(memory: WebAssembly.Memory, keys = 0): void {
    const bytes = memory.buffer.byteLength;
    if (this.maxInstances <= 0 || bytes > this.maxBytes) return;
    if (keys > 0) this.#lastKeys = keys;
    this.#idle.push({ memory, keys, since: now() });
    while (this.#idle.length > this.maxInstances || this.keptBytes > this.maxBytes) this.#idle.shift();
    // A timer set for a lingering memory may wake later than this one's idle time ends.
    this.#stopTimer();
    this.#expire();
  }

  /** Drops every memory kept (lastKeys stays). */
  clear(): void {
    this.#idle.length = 0;
    this.#stopTimer();
  }

  #startTimer(ms: number): void {
    const timer: Timer = setTimeout(() => this.#expire(), ms);
    // A kept memory must never keep a Node process alive.
    timer.unref?.();
    this.#timer = timer;
  }

  #stopTimer(): void {
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
  }

  /**
   * Drops what waited `lingerMs`, then, of what waited `idleMs` (the oldest, a prefix), the oldest
   * until the rest fit `lingerBytes`; and wakes again when the next memory crosses either.
   */
  #expire(): void {
    this.#timer = null;
    const idle = this.#idle;
    const at = now();
    while (idle.length > 0 && at - idle[0].since >= this.lingerMs) idle.shift();
    let lingering = 0;
    let lingeringBytes = 0;
    while (lingering < idle.length && at - idle[lingering].since >= this.idleMs) lingeringBytes += idle[lingering++].memory.buffer.byteLength;
    while (lingering > 0 && lingeringBytes > this.lingerBytes) {
      lingeringBytes -= idle.shift()!.memory.buffer.byteLength;
      lingering--;
    }
    if (idle.length === 0) return;
    const next = Math.min(lingering > 0 ? idle[0].since + this.lingerMs : Infinity, lingering < idle.length ? idle[lingering].since + this.idleMs : Infinity);
    this.#startTimer(Math.max(1, next - at));
  }
}

function now(): number {
  return performance.now();
}

const RELEASED = (): never => {
  throw new Error('eddy kernels: this aggregator or router was released; its kernel instance belongs to another now');
};

/**
 * One aggregator's or router's hold on its instance. Its exports go through a guard that marks
 * the lease failed when a kernel call throws (a trap, an assertion) and refuses every call after
 * release, so a released aggregator cannot write into memory another job now uses.
 */
export class KernelLease {
  readonly exports: KernelExports;
  /** The keys the table of the memory's last keyed aggregator held (0: a fresh memory, or none). */
  readonly carriedKeys: number;
  readonly #memory: WebAssembly.Memory;
  readonly #pool: KernelPool | null;
  #failed = false;
  #released = false;

  constructor(raw: KernelExports, pool: KernelPool | null, carriedKeys = 0) {
    this.#memory = raw.memory;
    this.#pool = pool;
    this.carriedKeys = carriedKeys;
    this.exports = this.#guard(raw);
  }

  get released(): boolean {
    return this.#released;
  }

  /**
   * The instance's holder stopped in the middle of something (a kernel error, a batch abandoned
   * by an exception): its memory is dropped at release instead of kept.
   */
  fail(): void {
    this.#failed = true;
  }

  /**
   * Gives the memory back to the pool unless the lease failed; later calls through `exports` throw.
   * `keys`: a keyed aggregator's table's keys, carried with the memory.
   */
  release(keys = 0): void {
    if (this.#released) return;
    this.#released = true;
    if (!this.#failed) this.#pool?.give(this.#memory, keys);
  }

  #guard(raw: KernelExports): KernelExports {
    const guarded: Record<string, unknown> = {};
    const memory = this.#memory;
    Object.defineProperty(guarded, 'memory', { get: () => (this.#released ? RELEASED() : memory), enumerable: true });
    for (const [name, value] of Object.entries(raw as unknown as Record<string, unknown>)) {
      if (typeof value !== 'function') continue;
      const fn = value as (a?: number, b?: number, c?: number, d?: number, e?: number, f?: number) => number;
      // The guard passes six arguments on; an export taking more would lose the rest.
      if (fn.length > 6) throw new Error(`eddy kernels: export "${name}" takes ${fn.length} arguments; KernelLease passes at most 6`);
      guarded[name] = (a?: number, b?: number, c?: number, d?: number, e?: number, f?: number): number => {
        if (this.#released) RELEASED();
        try {
          return fn(a, b, c, d, e, f);
        } catch (error) {
          this.#failed = true;
          throw error;
        }
      };
    }
    return guarded as unknown as KernelExports;
  }
}
