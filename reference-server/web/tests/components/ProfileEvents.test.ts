import { describe, expect, it } from 'vitest';
import { describeEvent } from '../../src/lib/events';

describe('security events in words', () => {
  const base = { at: 1_700_000_000, ip: null, user_agent: null, by: null };
  it('names what happened and whether an administrator did it', () => {
    expect(describeEvent({ ...base, kind: 'sign_in_failed' })).toBe('Failed sign-in (wrong password)');
    expect(describeEvent({ ...base, kind: 'disabled', by: 'usr_1' })).toBe('Account disabled by an administrator');
  });
});
