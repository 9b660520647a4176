// The module's export list. Everything crosses as numbers: pointers, lengths, codes.
import { BATCH_CAPACITY, REGION_IN_KEYS, REGION_IN_VALUES, REGION_IN_INDEXES, REGION_OUT_VALUES,
  REGION_OUT_INDEXES, REGION_CHANGED, REGION_IDS, REGION_ROWS, ERR_MEMORY_GROW } from './abi';
import * as layout from './layout';
import * as table from './table';
import * as agg from './keyed_agg';

export { update, changedBegin as changed_begin, changedSpill as changed_spill } from './keyed_agg';
export { exportRange as export_range, exportAll as export_all, exportKeys as export_keys, lookup, exportSlot as export_slot } from './rows';
export {
  stageEntries as stage_entries, stagedRanks as staged_ranks, insertEntries as insert_entries, slotRegion as slot_region,
  slotWidth as slot_width, orderRegion as order_region, stageSlots as stage_slots, stagedOrder as staged_order, stagedEntries as staged_entries,
  unpackSlots as unpack_slots, insertSlots as insert_slots, adoptBegin as adopt_begin, adoptEnd as adopt_end,
} from './snapshot';
export {
  windowInit as window_init, windowClear as window_clear, windowUpdate as window_update, windowFireBegin as window_fire_begin,
  windowFireRows as window_fire_rows, windowKeyResult as window_key_result, windowRetire as window_retire, windowImport as window_import,
  windowExport as window_export, windowSliceCount as window_slice_count, windowSliceId as window_slice_id, windowSliceRows as window_slice_rows,
  windowSize as window_size, windowEntryBytes as window_entry_bytes, windowTableBytes as window_table_bytes,
  windowErrRecord as window_err_record, windowErrBytes as window_err_bytes, windowErrEntries as window_err_entries,
} from './window_agg';
export {
  routerInit as router_init, routerRegion as router_region, routeInt32 as route_int32,
  gatherColumn as gather_column,
} from './router';

// carriedKeys: the keys the last keyed table on this memory (or this thread) held; 0: none known.
export function init(fields: u32, maxBytes: f64, maxKeys: u32, carriedKeys: u32): i32 {
  layout.layoutRegions();
  table.configure(fields, maxBytes, maxKeys, carriedKeys);
  return clear();
}

export function clear(): i32 {
  if (!table.reset()) return ERR_MEMORY_GROW;
  agg.changedReset();
  agg.directReset();
  return 0;
}

export function batch_capacity(): i32 { return BATCH_CAPACITY; }

// Where the static data ends: a reused memory is zeroed below it before a new instance writes
// its data segments (src/kernels/load.ts), since zero-filled static data has no segment.
export function heap_base(): usize { return __heap_base; }

export function region(id: i32): usize {
  switch (id) {
    case REGION_IN_KEYS: return layout.inKeys;
    case REGION_IN_VALUES: return layout.inValues;
    case REGION_IN_INDEXES: return layout.inIndexes;
    case REGION_OUT_VALUES: return layout.outValues;
    case REGION_OUT_INDEXES: return layout.outIndexes;
    case REGION_CHANGED: return layout.changedList;
    case REGION_IDS: return layout.idsList;
    case REGION_ROWS: return layout.rows;
    default: return 0;
  }
}

export function size(): u32 { return table.size; }
export function stride(): u32 { return table.stride; }
export function slots(): u32 { return table.cap; }
export function table_bytes(): f64 { return table.tableBytes(); }
export function table_bytes_for(keys: u32): f64 { return table.tableBytesFor(keys); }
export function changed_count(): u32 { return agg.changedCount; }
export function err_keys(): f64 { return table.errKeys; }
export function err_bytes(): f64 { return table.errBytes; }
export function err_record(): i32 { return agg.errRecord; }
export function err_key(): f64 { return agg.errKey; }
