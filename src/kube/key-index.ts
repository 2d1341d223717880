// A secondary index for informer caches (client-go's Indexer, in small): which objects point at
// a given value, so an event on one object wakes its dependents without scanning the cache.
export class KeyIndex {
  private readonly byValue = new Map<string, Set<string>>();
  private readonly valueOf = new Map<string, string>();

  /** Records that `key` points at `value` (undefined: at nothing). */
  set(key: string, value: string | undefined): void {
    const before = this.valueOf.get(key);
    if (before === value) return;
    if (before !== undefined) {
      const set = this.byValue.get(before);
      set?.delete(key);
      if (set?.size === 0) this.byValue.delete(before);
    }
    if (value === undefined) {
      this.valueOf.delete(key);
      return;
    }
    this.valueOf.set(key, value);
    let set = this.byValue.get(value);
    if (!set) {
      set = new Set();
      this.byValue.set(value, set);
    }
    set.add(key);
  }

  get(value: string): string[] {
    return [...(this.byValue.get(value) ?? [])];
  }
}
