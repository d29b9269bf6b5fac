import { describe, expect, it } from 'vitest';
import { formatBytes, formatPercent, parseTags, timeAgo } from '../../src/lib/format';
import { dayAfter, sortImages } from '../../src/pages/gallery/useImages';
import type { ImageItem } from '../../src/api/types';

describe('formatting', () => {
  it('formats sizes in SI units', () => {
    expect(formatBytes(0)).toBe('0 B');
    expect(formatBytes(999)).toBe('999 B');
    expect(formatBytes(1_500)).toBe('1.50 KB');
    expect(formatBytes(123_456_789)).toBe('123 MB');
    expect(formatBytes(-2_000)).toBe('−2.00 KB');
    expect(formatBytes(null)).toBe('—');
    expect(formatPercent(1, 4)).toBe('25.0%');
  });

  it('parses tags as lower-case, trimmed and unique', () => {
    expect(parseTags(' Holiday, beach ,holiday,,Sea  view')).toEqual(['holiday', 'beach', 'sea  view']);
  });

  it('says how long ago', () => {
    const now = 1_000_000 * 1000;
    expect(timeAgo(1_000_000 - 10, now)).toBe('just now');
    expect(timeAgo(1_000_000 - 120, now)).toBe('2 minutes ago');
    expect(timeAgo(1_000_000 - 3 * 3600, now)).toBe('3 hours ago');
  });

  it('turns an inclusive end date into the exclusive bound and sorts loaded photos', () => {
    expect(dayAfter('2024-02-28')).toBe('2024-02-29');
    expect(dayAfter('2024-12-31')).toBe('2025-01-01');
    const i = (id: string, name: string, bytes: number, at: number) => ({ id, name, bytes, captured_at: at }) as ImageItem;
    const list = [i('1', 'b10.png', 5, 3), i('2', 'b9.png', 9, 1), i('3', 'a.png', 1, 2)];
    expect(sortImages(list, 'name').map((x) => x.name)).toEqual(['a.png', 'b9.png', 'b10.png']);
    expect(sortImages(list, 'largest').map((x) => x.id)).toEqual(['2', '1', '3']);
    expect(sortImages(list, 'oldest').map((x) => x.id)).toEqual(['2', '3', '1']);
  });
});
