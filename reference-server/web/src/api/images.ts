// Images, their processed versions, jobs and comparisons.

import { api, blob, query } from './http';
import type {
  Accepted,
  Algorithm,
  CompareResult,
  ComparisonHistory,
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
  /** The server's orders; default `taken_at`. */
  sort?: 'taken_at' | 'uploaded_at' | 'name' | 'bytes';
  /** Default: names A to Z, dates and sizes newest and largest first. */
  order?: 'asc' | 'desc';
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
      sort: f.sort,
      order: f.order,
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

export interface CompareOptions {
  /** The `ver_…` to measure against; absent or `original`: the original. */
  reference?: string;
  /** Metric names (default: all five). */
  metrics?: string[];
}

/** Metrics of `version` against the original or another version; the server records each one. */
export function compare(id: string, version: string, opts: CompareOptions = {}): Promise<CompareResult> {
  // The server's default reference is the original, and it takes only `ver_…` ids: leave `original` out.
  const reference = opts.reference && opts.reference !== 'original' ? opts.reference : undefined;
  return api(`/api/v1/images/${enc(id)}/compare`, {
    method: 'POST',
    json: { version, ...(reference ? { reference } : {}), ...(opts.metrics?.length ? { metrics: opts.metrics } : {}) },
  });
}

/** The comparisons recorded for an image, oldest first. */
export const comparisons = (id: string): Promise<ComparisonHistory> => api(`/api/v1/images/${enc(id)}/comparisons`);

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

/** Offer an algorithm on this server or stop offering it (admins); the answer is the algorithm. */
export function setAlgorithmEnabled(name: string, enabled: boolean): Promise<Algorithm> {
  return api(`/api/v1/algorithms/${enc(name)}`, { method: 'PATCH', json: { enabled } });
}

export function transformUrl(id: string, t: { width?: number; height?: number; fit?: string; format?: string }) {
  return api<{ url: string; path: string }>(`/api/v1/images/${enc(id)}/transform-url`, { method: 'POST', json: t });
}

export const fetchBlob = blob;
