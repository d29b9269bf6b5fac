import { describe, expect, it } from 'vitest';
import { formatBytes, formatPercent, parseTags, timeAgo } from '../../src/lib/format';
import { dayAfter, sortQuery } from '../../src/pages/gallery/useImages';

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

  it('turns an inclusive end date into the exclusive bound and each sort into the server order', () => {
    expect(dayAfter('2024-02-28')).toBe('2024-02-29');
    expect(dayAfter('2024-12-31')).toBe('2025-01-01');
    expect(sortQuery('newest')).toEqual({});
    expect(sortQuery('oldest')).toEqual({ sort: 'taken_at', order: 'asc' });
    expect(sortQuery('uploaded')).toEqual({ sort: 'uploaded_at' });
    expect(sortQuery('name')).toEqual({ sort: 'name' });
    expect(sortQuery('largest')).toEqual({ sort: 'bytes' });
    expect(sortQuery('smallest')).toEqual({ sort: 'bytes', order: 'asc' });
  });
});
