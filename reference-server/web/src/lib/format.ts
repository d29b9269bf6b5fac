// Numbers, sizes and dates as people read them.

export function formatBytes(n: number | null | undefined): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return '—';
  const sign = n < 0 ? '−' : '';
  let v = Math.abs(n);
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let i = 0;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  const digits = i === 0 ? 0 : v < 10 ? 2 : v < 100 ? 1 : 0;
  return `${sign}${v.toFixed(digits)} ${units[i]}`;
}

export function formatNumber(n: number | null | undefined, digits = 2): string {
  if (n === null || n === undefined) return '—';
  if (!Number.isFinite(n)) return '∞';
  return n.toLocaleString('en', { maximumFractionDigits: digits, minimumFractionDigits: 0 });
}

export function formatPercent(part: number, whole: number): string {
  if (!whole) return '0%';
  return `${((part / whole) * 100).toFixed(1)}%`;
}

export function formatDate(unix: number | null | undefined): string {
  if (!unix) return '—';
  return new Date(unix * 1000).toLocaleString('en', { dateStyle: 'medium', timeStyle: 'short' });
}

export function formatDay(unix: number): string {
  return new Date(unix * 1000).toLocaleDateString('en', { dateStyle: 'medium' });
}

/** "3 minutes ago" style, coarse. */
export function timeAgo(unix: number, now = Date.now()): string {
  const s = Math.max(0, Math.round(now / 1000 - unix));
  if (s < 45) return 'just now';
  const steps: Array<[number, string]> = [
    [60, 'minute'],
    [3600, 'hour'],
    [86400, 'day'],
    [604800, 'week'],
  ];
  let unit = 'minute';
  let size = 60;
  for (const [secs, name] of steps) {
    if (s >= secs) {
      unit = name;
      size = secs;
    }
  }
  if (s >= 2_592_000) return formatDay(unix);
  const n = Math.max(1, Math.round(s / size));
  return `${n} ${unit}${n === 1 ? '' : 's'} ago`;
}

/** Tags typed as "a, b c" → ["a", "b c"], trimmed, lowercased, unique. */
export function parseTags(s: string): string[] {
  const out: string[] = [];
  for (const t of s.split(',')) {
    const tag = t.trim().toLowerCase();
    if (tag && !out.includes(tag)) out.push(tag);
  }
  return out;
}

export const METRIC_LABELS: Record<string, string> = {
  ssimulacra2: 'SSIMULACRA2',
  ssim: 'SSIM',
  ms_ssim: 'MS-SSIM',
  psnr: 'PSNR (dB)',
  mse: 'MSE',
};
