// JSON shapes of the fotobase API (see reference-server/src/services/*.rs).

export type Visibility = 'private' | 'public';
export type JobState = 'queued' | 'running' | 'succeeded' | 'failed';

export interface Page<T> {
  items: T[];
  next_cursor: string | null;
}

export interface TokenResponse {
  access_token: string;
  refresh_token?: string;
  token_type: string;
  expires_in: number;
  user_id: string;
}

export interface User {
  id: string;
  email: string;
  display_name: string;
  avatar_image_id: string | null;
  preferences: Record<string, unknown>;
  roles: string[];
  created_at: number;
  updated_at: number;
  disabled: boolean;
}

export interface ImageItem {
  id: string;
  owner_id: string;
  name: string;
  format: string;
  width: number;
  height: number;
  bytes: number;
  sha256: string;
  orientation: number;
  taken_at: number | null;
  /** Camera facts from the EXIF; `gps` only in the owner's own responses. */
  metadata: PhotoMetadata | null;
  uploaded_at: number;
  captured_at: number;
  updated_at: number;
  visibility: Visibility;
  status: 'processing' | 'ready' | 'failed';
  tags: string[];
  has_thumbnail: boolean;
}

export interface PhotoMetadata {
  /** ISO 8601, with the UTC offset when the camera recorded one. */
  taken_at: string | null;
  make: string | null;
  model: string | null;
  lens: string | null;
  iso: number | null;
  f_number: number | null;
  /** Seconds. */
  exposure_time: number | null;
  /** Millimetres. */
  focal_length: number | null;
  gps: { latitude: number; longitude: number; altitude: number | null } | null;
}

export interface Metrics {
  mse?: number | null;
  psnr?: number | null;
  ssim?: number | null;
  ms_ssim?: number | null;
  ssimulacra2?: number | null;
}

export interface Version {
  id: string;
  image_id: string;
  algorithm: string;
  params: Record<string, unknown>;
  format: string;
  width: number;
  height: number;
  bytes: number;
  ssimulacra2: number | null;
  metrics: Metrics;
  created_at: number;
}

export interface Job {
  id: string;
  kind: 'thumbnail' | 'process' | 'compare_all' | string;
  state: JobState;
  progress: number;
  attempts: number;
  image_id: string | null;
  result: Record<string, unknown> | null;
  error: { code: string; message: string } | null;
  created_at: number;
  updated_at: number;
  finished_at: number | null;
}

export interface Accepted {
  job_id: string;
  state: JobState;
}

export type ParamSpec =
  | { type: 'int'; min: number; max: number; default: number; description: string }
  | { type: 'bool'; default: boolean; description: string }
  | { type: 'choice'; choices: string[]; default: string; description: string };

export interface Algorithm {
  name: string;
  format: string;
  lossless: boolean;
  description: string;
  quality_param: string | null;
  /** A map by parameter name (the core's own serialisation). */
  params: Record<string, ParamSpec>;
}

export interface CompareResult {
  metrics: Metrics;
  reference: { format: string; width: number; height: number; bytes: number };
  distorted: { format: string; width: number; height: number; bytes: number };
  ratio: number;
  reference_resized: boolean;
  image_id: string;
  version: string;
}

export interface CompareAllRow {
  algorithm: string;
  format: string;
  lossless: boolean;
  quality: number | null;
  bytes: number | null;
  ratio: number | null;
  metrics: Metrics;
  encodes: number;
  met: boolean;
  winner: boolean;
  error: { code: string; message: string } | null;
}

export interface CompareAllResult {
  target: unknown;
  input_bytes: number;
  results: CompareAllRow[];
  best: string | null;
  image_id?: string;
}

export interface AlgorithmStats {
  algorithm: string;
  versions: number;
  bytes_in: number;
  bytes_out: number;
  bytes_saved: number;
  mean_ssimulacra2: number | null;
}

export interface Stats {
  images: number;
  bytes_stored: number;
  versions: number;
  version_bytes: number;
  bytes_saved: number;
  by_algorithm: AlgorithmStats[];
  jobs: Record<JobState, number>;
  users?: number;
}

export interface Folder {
  id: string;
  owner_id: string;
  parent_id: string | null;
  name: string;
  visibility: Visibility;
  tags: string[];
  image_count: number;
  created_at: number;
  updated_at: number;
}

export interface ShareCreated {
  token: string;
  url: string;
  expires_at: number | null;
  has_password: boolean;
}

export interface ShareLink {
  /** `shr_…`: revokes the link without its token. */
  id: string;
  folder_id: string | null;
  image_id: string | null;
  has_password: boolean;
  created_at: number;
  expires_at: number | null;
  revoked_at: number | null;
}

export interface SharedImage extends ImageItem {
  original_url: string;
  thumbnail_url: string | null;
}

export interface Shared {
  folder: Folder | null;
  images: SharedImage[];
  next_cursor: string | null;
  expires_at: number | null;
}
