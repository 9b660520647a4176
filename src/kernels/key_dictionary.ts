/** Key values the dictionary can hold directly; map composites to one of these with `canonical`. */
export type DictionaryKey = string | number | bigint | boolean | null | undefined;

export interface KeyDictionaryOptions<K> {
  /** Maps a composite key (a tuple, an object) to a primitive with the same identity. */
  canonical?: (value: K) => DictionaryKey;
}

/**
 * Value -> dense id (0, 1, 2, ...) and back, so string and composite keys can be aggregated by the
 * kernel, which only knows integer key ids. Equality is SameValueZero on the canonical value
 * (NaN equals NaN, -0 equals +0), like a JS Map. Ids are never reused; checkpoint the dictionary
 * (`values()`) together with the aggregator's snapshot, since ids mean nothing without it.
 */
export class KeyDictionary<K = DictionaryKey> {
  private readonly ids = new Map<DictionaryKey, number>();
  private readonly byId: K[] = [];
  private readonly canonical: ((value: K) => DictionaryKey) | undefined;

  constructor(options: KeyDictionaryOptions<K> = {}) {
    this.canonical = options.canonical;
  }

  static fromValues<K>(values: Iterable<K>, options: KeyDictionaryOptions<K> = {}): KeyDictionary<K> {
    const dictionary = new KeyDictionary<K>(options);
    for (const value of values) {
      const before = dictionary.size;
      if (dictionary.encode(value) !== before) {
        throw new Error(`KeyDictionary.fromValues: value at id ${before} repeats an earlier value`);
      }
    }
    return dictionary;
  }

  get size(): number {
    return this.byId.length;
  }

  /** The id of value, assigning the next id on first sight. */
  encode(value: K): number {
    const key = this.canonical ? this.canonical(value) : (value as DictionaryKey);
    let id = this.ids.get(key);
    if (id === undefined) {
      id = this.byId.length;
      this.ids.set(key, id);
      this.byId.push(value);
    }
    return id;
  }

  /** Encodes a column of values into ids (fills `out`, or a new Int32Array). */
  encodeInto(values: ArrayLike<K>, out: Int32Array = new Int32Array(values.length)): Int32Array {
    if (out.length < values.length) {
      throw new Error(`KeyDictionary.encodeInto: output holds ${out.length} ids, need ${values.length}`);
    }
    for (let i = 0; i < values.length; i++) out[i] = this.encode(values[i]);
    return out;
  }

  /** The id of value, or undefined when it was never encoded. */
  idOf(value: K): number | undefined {
    return this.ids.get(this.canonical ? this.canonical(value) : (value as DictionaryKey));
  }

  /** The value first encoded as id. */
  decode(id: number): K {
    if (!Number.isInteger(id) || id < 0 || id >= this.byId.length) {
      throw new Error(`KeyDictionary.decode: no value has id ${id} (size ${this.byId.length})`);
    }
    return this.byId[id];
  }

  /** All values in id order: the dictionary's checkpoint. */
  values(): readonly K[] {
    return this.byId;
  }
}
