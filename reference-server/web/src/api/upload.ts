// Uploads through XMLHttpRequest: fetch has no upload progress events.

import { ApiError, parseRetryAfter, type ProblemBody } from './problem';
import { accessToken, expire, refresh, sessionExpiredError } from './session';
import type { ImageItem } from './types';

export interface UploadOptions {
  tags?: string[];
  visibility?: 'private' | 'public';
  /** 0..1 as bytes go out. */
  onProgress?: (fraction: number) => void;
  signal?: AbortSignal;
}

/** Send one file as multipart `file`; 401 triggers one refresh and a resend. */
export async function uploadImage(file: File, opts: UploadOptions = {}): Promise<ImageItem> {
  try {
    return await sendOnce(file, opts);
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) {
      if (await refresh()) return sendOnce(file, opts);
      expire();
      throw sessionExpiredError();
    }
    throw e;
  }
}

function sendOnce(file: File, opts: UploadOptions): Promise<ImageItem> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    const form = new FormData();
    form.append('file', file, file.name);
    if (opts.tags?.length) form.append('tags', opts.tags.join(','));
    if (opts.visibility) form.append('visibility', opts.visibility);
    xhr.open('POST', '/api/v1/images');
    xhr.setRequestHeader('Accept', 'application/json');
    const token = accessToken();
    if (token) xhr.setRequestHeader('Authorization', `Bearer ${token}`);
    xhr.upload.onprogress = (ev) => {
      if (ev.lengthComputable && ev.total > 0) opts.onProgress?.(ev.loaded / ev.total);
    };
    xhr.onload = () => {
      let body: unknown = null;
      try {
        body = xhr.responseText ? JSON.parse(xhr.responseText) : null;
      } catch {
        body = null;
      }
      if (xhr.status >= 200 && xhr.status < 300) {
        opts.onProgress?.(1);
        resolve(body as ImageItem);
      } else {
        reject(new ApiError(xhr.status, (body ?? {}) as ProblemBody, parseRetryAfter(xhr.getResponseHeader('Retry-After'))));
      }
    };
    xhr.onerror = () => reject(new ApiError(0, { code: 'network', detail: 'network error' }));
    xhr.onabort = () => reject(new DOMException('upload cancelled', 'AbortError'));
    opts.signal?.addEventListener('abort', () => xhr.abort(), { once: true });
    xhr.send(form);
  });
}
