// The caller's account, statistics, and administration.

import { api, query } from './http';
import type { InviteInfo, NewInvite, Page, Quota, QuotaLimits, SecurityEvent, Stats, User } from './types';

export const me = (): Promise<User> => api('/api/v1/users/me');

export function updateMe(patch: { display_name?: string; avatar_image_id?: string | null }): Promise<User> {
  return api('/api/v1/users/me', { method: 'PATCH', json: patch });
}

export const myQuota = (): Promise<Quota> => api('/api/v1/users/me/quota');

/** The caller's security events, newest first. */
export const myEvents = (limit = 10): Promise<Page<SecurityEvent>> => api(`/api/v1/users/me/events${query({ limit })}`);

export const stats = (): Promise<Stats> => api('/api/v1/stats');
export const globalStats = (): Promise<Stats> => api('/api/v1/stats/global');

export function listUsers(cursor?: string | null): Promise<Page<User>> {
  return api(`/api/v1/users${query({ cursor, limit: 50 })}`);
}

export function setDisabled(id: string, disabled: boolean): Promise<User> {
  return api(`/api/v1/users/${encodeURIComponent(id)}`, { method: 'PATCH', json: { disabled } });
}

export function setRole(id: string, role: string, granted: boolean): Promise<User> {
  return api(`/api/v1/users/${encodeURIComponent(id)}/roles/${encodeURIComponent(role)}`, {
    method: granted ? 'PUT' : 'DELETE',
  });
}

/** The newest sign-up invitations and what became of them (admins; never a code). */
export const listInvites = (): Promise<{ items: InviteInfo[] }> => api('/api/v1/auth/invites');

/** A single-use sign-up invitation; its `code` is shown this once (admins). */
export function createInvite(expiresIn?: number): Promise<NewInvite> {
  return api('/api/v1/auth/invites', { method: 'POST', json: expiresIn ? { expires_in: expiresIn } : {} });
}

/** Withdraw an unused invitation (admins). */
export function revokeInvite(id: string): Promise<void> {
  return api(`/api/v1/auth/invites/${encodeURIComponent(id)}`, { method: 'DELETE' });
}

/** Another account's quotas and usage (admins). */
export const userQuota = (id: string): Promise<Quota> => api(`/api/v1/users/${encodeURIComponent(id)}/quota`);

/** Set an account's own limits (admins); `null` means the server's default. */
export function setUserQuota(id: string, own: QuotaLimits): Promise<Quota> {
  return api(`/api/v1/users/${encodeURIComponent(id)}/quota`, { method: 'PUT', json: own });
}

/** Another account's security events, newest first (admins). */
export const userEvents = (id: string, limit = 10): Promise<Page<SecurityEvent>> =>
  api(`/api/v1/users/${encodeURIComponent(id)}/events${query({ limit })}`);
