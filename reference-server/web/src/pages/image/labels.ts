// Names for the renditions of a photo, as the versions table shows them: the algorithm and the size
// (two versions of one algorithm differ by their size).

import type { Version } from '../../api/types';
import { formatBytes } from '../../lib/format';

/** The side of a comparison that is the photo itself (the API's word). */
export const ORIGINAL = 'original';

export function versionLabel(v: Version): string {
  return `${v.algorithm} · ${formatBytes(v.bytes)}`;
}

/** `original` or a `ver_…` as people read it; a version deleted since is no longer in `versions`. */
export function renditionLabel(ref: string, versions: Version[]): string {
  if (ref === ORIGINAL) return 'Original';
  const v = versions.find((x) => x.id === ref);
  return v ? versionLabel(v) : 'a deleted version';
}
