import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { clearTokens, setTokens } from '../../src/api/session';
import { UploadPage } from '../../src/pages/UploadPage';
import { clearCookies, json, mockFetch, renderAt, TOKEN } from '../helpers';

/** An XMLHttpRequest double: answers by file name after two progress events. */
class FakeXhr {
  static sent: Array<{ headers: Record<string, string>; name: string }> = [];
  upload: { onprogress: ((e: { lengthComputable: boolean; loaded: number; total: number }) => void) | null } = { onprogress: null };
  onload: (() => void) | null = null;
  onerror: (() => void) | null = null;
  onabort: (() => void) | null = null;
  status = 0;
  responseText = '';
  private headers: Record<string, string> = {};
  private respHeaders: Record<string, string> = {};
  open() {}
  setRequestHeader(k: string, v: string) {
    this.headers[k] = v;
  }
  getResponseHeader(k: string) {
    return this.respHeaders[k.toLowerCase()] ?? null;
  }
  abort() {}
  send(form: FormData) {
    const file = form.get('file') as File;
    FakeXhr.sent.push({ headers: this.headers, name: file.name });
    setTimeout(() => {
      this.upload.onprogress?.({ lengthComputable: true, loaded: 50, total: 100 });
      this.upload.onprogress?.({ lengthComputable: true, loaded: 100, total: 100 });
      const answer: Record<string, [number, object]> = {
        'notes.txt': [415, { title: 'Unsupported Media Type', code: 'unsupported_format', detail: 'unrecognised image signature' }],
        'huge.jpg': [413, { code: 'limit_exceeded', detail: 'request body too large' }],
        'broken.png': [422, { title: 'Unprocessable Entity', code: 'corrupt_input', detail: 'PNG file ends inside its IHDR chunk' }],
      };
      const [status, body] = answer[file.name] ?? [201, { id: `img_${file.name}`, name: file.name, tags: [] }];
      this.status = status;
      this.responseText = JSON.stringify(body);
      this.onload?.();
    }, 5);
  }
}

describe('UploadPage', () => {
  beforeEach(() => {
    clearTokens();
    clearCookies();
    setTokens(TOKEN(9));
    FakeXhr.sent = [];
    vi.stubGlobal('XMLHttpRequest', FakeXhr);
    mockFetch({ 'GET /api/v1/folders': () => json({ items: [], next_cursor: null }) });
  });
  afterEach(() => vi.unstubAllGlobals());

  it("uploads several files with a progress bar each and, per rejected file, what went wrong in the server's words", async () => {
    renderAt(<UploadPage />);
    const files = ['a.png', 'notes.txt', 'huge.jpg', 'broken.png'].map((n) => new File(['x'], n, { type: n.endsWith('txt') ? 'text/plain' : 'image/png' }));
    await userEvent.setup({ applyAccept: false }).upload(screen.getByTestId('file-input'), files);

    const rows = await screen.findAllByTestId('upload-row');
    expect(rows).toHaveLength(4);
    await waitFor(() => expect(screen.getByText(/4 of 4 done|1 of 4 done, 3 failed/)).toBeInTheDocument());
    const row = (name: string) => rows.find((r) => within(r).queryByText(name))!;
    expect(within(row('a.png')).getByRole('progressbar')).toHaveAttribute('aria-valuenow', '100');
    expect(within(row('a.png')).getByText('Uploaded')).toBeInTheDocument();
    const alert = (name: string) => within(row(name)).getByRole('alert');
    expect(alert('notes.txt')).toHaveTextContent(/^Not an image fotobase can read \(JPEG, PNG, WebP, AVIF, GIF\)\.\s*The server said: unrecognised image signature$/);
    // The reason is the sentence already: said once.
    expect(alert('huge.jpg')).toHaveTextContent(/^Too large: request body too large\.$/);
    expect(alert('broken.png')).toHaveTextContent(/^The file is damaged or truncated\.\s*The server said: PNG file ends inside its IHDR chunk$/);
    expect(FakeXhr.sent.every((s) => s.headers.Authorization === 'Bearer at-9')).toBe(true);
  });
});
