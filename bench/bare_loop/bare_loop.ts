// The reference the kernel is held to (issue 17): a bare hash aggregate over (int32 key, f64
// value) columns with nothing but the loop. One open-addressing table, linear probing, murmur3's
// fmix32 over the key, load factor at most 0.5, doubling growth; a 32-byte slot holds key, count,
// sum, min and max inline (two slots per cache line), so a lookup is one dependent load. No
// output, no limits, no checks: what is left of a keyed aggregation when everything else goes.
// Built by `npm run build:bench` (AssemblyScript, -O3), not part of the package.

export const BATCH: i32 = 65536;
const MIN_SLOTS: u32 = 64;

let keysPtr: usize = 0;
let valuesPtr: usize = 0;
let table: usize = 0;
let slots: u32 = MIN_SLOTS;
let mask: u32 = MIN_SLOTS - 1;
let used: u32 = 0;

@inline function fmix32(h: u32): u32 {
  h ^= h >> 16;
  h *= 0x85ebca6b;
  h ^= h >> 13;
  h *= 0xc2b2ae35;
  h ^= h >> 16;
  return h;
}

function ensure(end: usize): void {
  const have = <usize>memory.size() << 16;
  if (end > have) memory.grow(<i32>((end - have + 0xffff) >> 16));
}

function allocTable(count: u32): void {
  // Each table goes right after the batch columns or after the table it replaces, aligned to 64.
  const at = table == 0 ? (valuesPtr + (<usize>BATCH << 3) + 63) & ~<usize>63 : (table + (<usize>slots << 5) + 63) & ~<usize>63;
  ensure(at + (<usize>count << 5));
  memory.fill(at, 0, <usize>count << 5);
  table = at;
  slots = count;
  mask = count - 1;
}

export function init(): void {
  keysPtr = (__heap_base + 63) & ~<usize>63;
  valuesPtr = keysPtr + (<usize>BATCH << 2);
  table = 0;
  used = 0;
  allocTable(MIN_SLOTS);
}

export function keys(): usize { return keysPtr; }
export function values(): usize { return valuesPtr; }
export function size(): u32 { return used; }
export function tableBytes(): f64 { return <f64>slots * 32.0; }

// Slot: key i32 @0, count u32 @4 (0 = empty), sum f64 @8, min f64 @16, max f64 @24.
function grow(): void {
  const old = table;
  const oldSlots = slots;
  // The new table goes past the old one, so the old one is read while the new one fills.
  allocTable(oldSlots << 1);
  for (let s: u32 = 0; s < oldSlots; s++) {
    const src = old + (<usize>s << 5);
    if (load<u32>(src, 4) == 0) continue;
    let pos = fmix32(load<u32>(src)) & mask;
    while (load<u32>(table + (<usize>pos << 5), 4) != 0) pos = (pos + 1) & mask;
    memory.copy(table + (<usize>pos << 5), src, 32);
  }
}

export function update(n: i32): void {
  for (let i = 0; i < n; i++) {
    const k = load<i32>(keysPtr + (<usize>i << 2));
    const v = load<f64>(valuesPtr + (<usize>i << 3));
    let pos = fmix32(<u32>k) & mask;
    while (true) {
      const p = table + (<usize>pos << 5);
      const c = load<u32>(p, 4);
      if (c == 0) {
        if ((used + 1) << 1 > slots) {
          grow();
          pos = fmix32(<u32>k) & mask;
          continue;
        }
        used++;
        store<i32>(p, k);
        store<u32>(p, 1, 4);
        store<f64>(p, v, 8);
        store<f64>(p, v, 16);
        store<f64>(p, v, 24);
        break;
      }
      if (load<i32>(p) == k) {
        store<u32>(p, c + 1, 4);
        store<f64>(p, load<f64>(p, 8) + v, 8);
        if (v < load<f64>(p, 16)) store<f64>(p, v, 16);
        if (v > load<f64>(p, 24)) store<f64>(p, v, 24);
        break;
      }
      pos = (pos + 1) & mask;
    }
  }
}

// Checksum of the result, for checking against the other engines: sum over keys of
// sum * ((key & 1023) + 1), exact for integer-valued inputs of the benchmark.
export function checksum(): f64 {
  let total: f64 = 0;
  for (let s: u32 = 0; s < slots; s++) {
    const p = table + (<usize>s << 5);
    if (load<u32>(p, 4) == 0) continue;
    total += load<f64>(p, 8) * <f64>((load<i32>(p) & 1023) + 1);
  }
  return total;
}
