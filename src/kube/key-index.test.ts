import { describe, expect, it } from 'vitest';
import { KeyIndex } from './key-index.ts';

describe('KeyIndex', () => {
  it('finds the keys that point at a value, following moves and removals', () => {
    const ix = new KeyIndex();
    ix.set('ns/a', 'lease-1');
    ix.set('ns/b', 'lease-1');
    ix.set('ns/c', 'lease-2');
    expect(ix.get('lease-1').sort()).toEqual(['ns/a', 'ns/b']);
    ix.set('ns/b', 'lease-2');
    expect(ix.get('lease-1')).toEqual(['ns/a']);
    expect(ix.get('lease-2').sort()).toEqual(['ns/b', 'ns/c']);
    ix.set('ns/a', undefined);
    expect(ix.get('lease-1')).toEqual([]);
    expect(ix.get('missing')).toEqual([]);
  });
});
