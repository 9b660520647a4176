// The contract between assembly/ and src/kernels/wasm.ts. Plain `export const` integers only:
// this file is compiled both by asc (as i32 constants) and by tsc.

// Rows per wasm call; the TS wrapper splits larger batches into chunks of this size.
export const BATCH_CAPACITY = 8192;
// Columns of the ROWS region, each BATCH_CAPACITY f64 long.
export const ROW_COLUMNS = 8;
// Pages of the memory the module imports (asconfig.json's initialMemory): the TS side makes it.
export const MEMORY_PAGES = 16;

// Aggregate fields, chosen at creation as a bitmask; each present field costs 8 bytes per key.
export const FIELD_COUNT = 1;
export const FIELD_SUM = 2;
export const FIELD_MIN = 4;
export const FIELD_MAX = 8;
export const FIELD_MIN_INDEX = 16;
export const FIELD_MAX_INDEX = 32;
export const FIELD_FIRST_INDEX = 64;
export const FIELD_ALL = 127;

// Regions, by id, for region(id).
export const REGION_IN_KEYS = 0;
export const REGION_IN_VALUES = 1;
export const REGION_IN_INDEXES = 2;
export const REGION_OUT_VALUES = 3;
export const REGION_OUT_INDEXES = 4;
export const REGION_CHANGED = 5;
export const REGION_IDS = 6;
export const REGION_ROWS = 7;

// Column order inside ROWS.
export const COL_KEY = 0;
export const COL_COUNT = 1;
export const COL_SUM = 2;
export const COL_MIN = 3;
export const COL_MAX = 4;
export const COL_MIN_INDEX = 5;
export const COL_MAX_INDEX = 6;
export const COL_FIRST_INDEX = 7;

// How IN_KEYS is encoded for update().
export const KEYS_I32 = 0;
export const KEYS_U32 = 1;
export const KEYS_F64 = 2;

// Per-record rolling output written by update().
export const EMIT_NONE = 0;
export const EMIT_COUNT = 1;
export const EMIT_SUM = 2;
export const EMIT_MIN = 3;
export const EMIT_MAX = 4;
export const EMIT_AVG = 5;
export const EMIT_MIN_BY = 6;
export const EMIT_MAX_BY = 7;
export const EMIT_FIRST = 8;

// Negative results; details are read back through err_keys/err_bytes/err_record/err_key.
export const ERR_NOT_INTEGER_KEY = -1;
export const ERR_MAX_KEYS = -2;
export const ERR_MAX_BYTES = -3;
export const ERR_MEMORY_GROW = -4;
export const ERR_DUPLICATE_KEY = -5;

// The most keys one table holds: the ceiling of maxKeys, which users see in its messages.
export const MAX_KEYS_HARD = 268435455;

// Regions of a key router instance, by id, for router_region(id).
export const ROUTER_KEYS = 0;
export const ROUTER_ORDER = 1;
export const ROUTER_ENDS = 2;
export const ROUTER_COLUMN_IN = 3;
export const ROUTER_COLUMN_OUT = 4;
export const ROUTER_KEYS_OUT = 5;
