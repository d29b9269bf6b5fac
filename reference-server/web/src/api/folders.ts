// Folders and share links.

import { api, query } from './http';
import type { Folder, Page, ShareCreated, ShareLink, Shared, Visibility } from './types';

const enc = encodeURIComponent;

/** Every folder of the caller (all pages), for the tree. */
export async function allFolders(): Promise<Folder[]> {
  const out: Folder[] = [];
  let cursor: string | null = null;
  do {
    const page: Page<Folder> = await api(`/api/v1/folders${query({ cursor, limit: 500 })}`);
    out.push(...page.items);
    cursor = page.next_cursor;
  } while (cursor);
  return out;
}

export function createFolder(f: { name: string; parent?: string | null; visibility?: Visibility; tags?: string[] }) {
  const body: Record<string, unknown> = { name: f.name, visibility: f.visibility ?? 'private', tags: f.tags ?? [] };
  if (f.parent) body.parent = f.parent;
  return api<Folder>('/api/v1/folders', { method: 'POST', json: body });
}

export function updateFolder(
  id: string,
  patch: { name?: string; visibility?: Visibility; tags?: string[]; parent?: string | null },
): Promise<Folder> {
  return api(`/api/v1/folders/${enc(id)}`, { method: 'PATCH', json: patch });
}

export const deleteFolder = (id: string): Promise<void> => api(`/api/v1/folders/${enc(id)}`, { method: 'DELETE' });

export function addToFolder(id: string, imageIds: string[]) {
  return api<{ changed: number; folder: Folder }>(`/api/v1/folders/${enc(id)}/images`, {
    method: 'POST',
    json: { image_ids: imageIds },
  });
}

export function removeFromFolder(id: string, imageIds: string[]) {
  return api<{ changed: number; folder: Folder }>(`/api/v1/folders/${enc(id)}/images`, {
    method: 'DELETE',
    json: { image_ids: imageIds },
  });
}

export interface ShareOptions {
  expires_in?: number;
  password?: string;
  /** Originals go out with their location (default: removed). */
  include_location?: boolean;
}

export function shareFolder(id: string, o: ShareOptions): Promise<ShareCreated> {
  return api(`/api/v1/folders/${enc(id)}/share`, { method: 'POST', json: o });
}

export function shareImage(id: string, o: ShareOptions): Promise<ShareCreated> {
  return api(`/api/v1/images/${enc(id)}/share`, { method: 'POST', json: o });
}

export const listShares = (): Promise<ShareLink[]> => api('/api/v1/shares');

/** Revoke a link by its token (right after creating it) or by its id from the list. */
export const revokeShare = (tokenOrId: string): Promise<void> =>
  api(`/api/v1/shares/${enc(tokenOrId)}`, { method: 'DELETE' });

/** What a share link shows; no account, the password (if any) in a header. */
export function openShare(token: string, password?: string, cursor?: string | null): Promise<Shared> {
  return api(`/api/v1/shared/${enc(token)}${query({ cursor })}`, {
    auth: false,
    headers: password ? { 'X-Share-Password': password } : {},
  });
}
