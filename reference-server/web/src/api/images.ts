// Images, their processed versions, jobs and comparisons.

import { api, blob, query } from './http';
import type {
  Accepted,
  Algorithm,
  CompareResult,
  ImageItem,
  Job,
  Page,
  ProcessOptions,
  Target,
  Version,
  Visibility,
} from './types';

export interface ImageFilter {
  name?: string;
  /** Images carrying every one of these tags. */
  tags?: string[];
  from?: string;
  to?: string;
  folder?: string;
  cursor?: string | null;
  limit?: number;
}

const enc = encodeURIComponent;

export function listImages(f: ImageFilter = {}): Promise<Page<ImageItem>> {
  return api(
    `/api/v1/images${query({
      name: f.name?.trim(),
      tag: f.tags?.length ? f.tags.join(',') : undefined,
      from: f.from,
      to: f.to,
      folder: f.folder,
      cursor: f.cursor,
      limit: f.limit ?? 40,
    })}`,
  );
}

export const getImage = (id: string): Promise<ImageItem> => api(`/api/v1/images/${enc(id)}`);

export function updateImage(
  id: string,
  patch: { name?: string; tags?: string[]; visibility?: Visibility },
): Promise<ImageItem> {
  return api(`/api/v1/images/${enc(id)}`, { method: 'PATCH', json: patch });
}

export const deleteImage = (id: string): Promise<void> => api(`/api/v1/images/${enc(id)}`, { method: 'DELETE' });

export const thumbnailUrl = (id: string) => `/api/v1/images/${enc(id)}/thumbnail`;
export const originalUrl = (id: string) => `/api/v1/images/${enc(id)}/original`;
export const versionUrl = (id: string, vid: string) => `/api/v1/images/${enc(id)}/versions/${enc(vid)}/download`;

export const versions = (id: string): Promise<Version[]> => api(`/api/v1/images/${enc(id)}/versions`);

export const deleteVersion = (id: string, vid: string): Promise<void> =>
  api(`/api/v1/images/${enc(id)}/versions/${enc(vid)}`, { method: 'DELETE' });

export function process(id: string, opts: ProcessOptions): Promise<Accepted> {
  return api(`/api/v1/images/${enc(id)}/process`, { method: 'POST', json: opts });
}

export function compare(id: string, version: string): Promise<CompareResult> {
  return api(`/api/v1/images/${enc(id)}/compare`, { method: 'POST', json: { version } });
}

export function compareAll(id: string, target: Target, algorithms?: string[]): Promise<Accepted> {
  return api(`/api/v1/images/${enc(id)}/compare-all`, {
    method: 'POST',
    json: { target, ...(algorithms?.length ? { algorithms } : {}) },
  });
}

export const getJob = (id: string, signal?: AbortSignal): Promise<Job> =>
  api(`/api/v1/jobs/${enc(id)}`, signal ? { signal } : {});

/** The algorithm registry: each algorithm's parameters keyed by name. */
export const algorithms = (): Promise<Algorithm[]> => api<Algorithm[]>('/api/v1/algorithms');

export function transformUrl(id: string, t: { width?: number; height?: number; fit?: string; format?: string }) {
  return api<{ url: string; path: string }>(`/api/v1/images/${enc(id)}/transform-url`, { method: 'POST', json: t });
}

export const fetchBlob = blob;
