import { fetchBlob } from '../api/images';

/** Save a file that needs the bearer token: fetch it, then click a blob link. */
export async function downloadWithAuth(url: string, fileName: string): Promise<void> {
  const b = await fetchBlob(url);
  const href = URL.createObjectURL(b);
  const a = document.createElement('a');
  a.href = href;
  a.download = fileName;
  document.body.appendChild(a);
  a.click();
  a.remove();
  // Give the browser a moment to start the download before releasing the blob.
  setTimeout(() => URL.revokeObjectURL(href), 10_000);
}
