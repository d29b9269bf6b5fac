// "Compress": an algorithm from GET /algorithms with its own parameters, or a
// quality target the server searches for.

import { useEffect, useId, useMemo, useState, type FormEvent } from 'react';
import type { ProcessOptions, Target } from '../../api/types';
import type { Algorithm, ParamSpec } from '../../api/types';

/** How an algorithm an admin turned off is marked where algorithms are picked. */
export const OFF_HERE = 'off on this server';

export type TargetMetric = 'ssimulacra2' | 'ssim' | 'ms_ssim' | 'psnr' | 'max_bytes';

export const TARGETS: Record<TargetMetric, { label: string; default: number; min: number; max: number; step: number; unit?: string }> = {
  ssimulacra2: { label: 'SSIMULACRA2 at least', default: 80, min: 0, max: 100, step: 1 },
  ssim: { label: 'SSIM at least', default: 0.95, min: 0.5, max: 1, step: 0.005 },
  ms_ssim: { label: 'MS-SSIM at least', default: 0.97, min: 0.5, max: 1, step: 0.005 },
  psnr: { label: 'PSNR at least', default: 40, min: 20, max: 60, step: 0.5, unit: 'dB' },
  max_bytes: { label: 'File size at most', default: 150, min: 1, max: 100000, step: 1, unit: 'KB' },
};

export interface CompressState {
  algorithm: string;
  mode: 'target' | 'settings';
  metric: TargetMetric;
  value: number;
  params: Record<string, number | boolean | string>;
  width: string;
}

export function defaultParams(a: Algorithm | undefined): Record<string, number | boolean | string> {
  if (!a) return {};
  return Object.fromEntries(Object.entries(a.params).map(([k, spec]) => [k, spec.default]));
}

/** The body of POST /images/{id}/process for what the form holds. */
export function buildProcessOptions(s: CompressState): ProcessOptions {
  const opts: ProcessOptions = { algorithm: s.algorithm };
  if (s.mode === 'target') {
    const target: Target = s.metric === 'max_bytes' ? { max_bytes: Math.round(s.value * 1000) } : { metric: s.metric, value: s.value };
    opts.target = target;
  } else if (Object.keys(s.params).length) {
    opts.params = { ...s.params };
  }
  const w = parseInt(s.width, 10);
  if (Number.isFinite(w) && w > 0) opts.resize = { width: w };
  return opts;
}

interface Props {
  algorithms: Algorithm[];
  busy: boolean;
  onSubmit(opts: ProcessOptions): void;
}

export function CompressForm({ algorithms, busy, onSubmit }: Props) {
  const id = useId();
  // AVIF's default encoder first (libaom where the build has it), as the core picks it; the server
  // refuses algorithms it does not offer, so the choice starts among the offered ones.
  const offered = algorithms.filter((a) => a.enabled);
  const avif = ['avif-aom', 'avif-rav1e'].map((n) => offered.find((a) => a.name === n)).find(Boolean);
  const initial = avif ?? offered[0];
  const [s, setS] = useState<CompressState>({
    algorithm: initial?.name ?? '',
    mode: 'target',
    metric: 'ssimulacra2',
    value: TARGETS.ssimulacra2.default,
    params: defaultParams(initial),
    width: '',
  });
  const alg = useMemo(() => algorithms.find((a) => a.name === s.algorithm), [algorithms, s.algorithm]);
  useEffect(() => {
    if (!s.algorithm && initial) setS((c) => ({ ...c, algorithm: initial.name, params: defaultParams(initial) }));
  }, [initial, s.algorithm]);

  const byFormat = useMemo(() => {
    const m = new Map<string, Algorithm[]>();
    for (const a of algorithms) m.set(a.format, [...(m.get(a.format) ?? []), a]);
    return [...m];
  }, [algorithms]);

  const submit = (e: FormEvent) => {
    e.preventDefault();
    onSubmit(buildProcessOptions(s));
  };
  const t = TARGETS[s.metric];

  return (
    <form className="form compress-form" onSubmit={submit} aria-label="Compress">
      <div className="field">
        <label htmlFor={`${id}-alg`}>Algorithm</label>
        <select
          id={`${id}-alg`}
          value={s.algorithm}
          onChange={(e) => {
            const a = algorithms.find((x) => x.name === e.target.value);
            setS((c) => ({ ...c, algorithm: e.target.value, params: defaultParams(a) }));
          }}
        >
          {byFormat.map(([format, list]) => (
            <optgroup key={format} label={format.toUpperCase()}>
              {list.map((a) => (
                <option key={a.name} value={a.name} disabled={!a.enabled}>
                  {a.name}
                  {a.lossless ? ' (lossless)' : ''}
                  {a.enabled ? '' : ` (${OFF_HERE})`}
                </option>
              ))}
            </optgroup>
          ))}
        </select>
        {alg?.description && <p className="field__hint">{alg.description}</p>}
        {!initial && <p className="field__hint">No algorithm is offered on this server.</p>}
      </div>

      <div className="segmented" role="radiogroup" aria-label="How to choose the quality">
        <label className={s.mode === 'target' ? 'is-active' : ''}>
          <input type="radio" name={`${id}-mode`} checked={s.mode === 'target'} onChange={() => setS((c) => ({ ...c, mode: 'target' }))} />
          Quality target
        </label>
        <label className={s.mode === 'settings' ? 'is-active' : ''}>
          <input type="radio" name={`${id}-mode`} checked={s.mode === 'settings'} onChange={() => setS((c) => ({ ...c, mode: 'settings' }))} />
          Exact settings
        </label>
      </div>

      {s.mode === 'target' ? (
        <div className="row row--wrap">
          <div className="field">
            <label htmlFor={`${id}-metric`}>Target</label>
            <select
              id={`${id}-metric`}
              value={s.metric}
              onChange={(e) => {
                const m = e.target.value as TargetMetric;
                setS((c) => ({ ...c, metric: m, value: TARGETS[m].default }));
              }}
            >
              {(Object.keys(TARGETS) as TargetMetric[]).map((m) => (
                <option key={m} value={m}>
                  {TARGETS[m].label}
                </option>
              ))}
            </select>
          </div>
          <div className="field">
            <label htmlFor={`${id}-value`}>
              Value{t.unit ? ` (${t.unit})` : ''}
            </label>
            <input
              id={`${id}-value`}
              type="number"
              min={t.min}
              max={t.max}
              step={t.step}
              required
              value={s.value}
              onChange={(e) => setS((c) => ({ ...c, value: Number(e.target.value) }))}
            />
          </div>
          <p className="field__hint field--full">
            The server searches the algorithm&apos;s quality setting for the smallest file that meets the target.
            {alg?.lossless ? ' Lossless algorithms always meet it; the target only matters for lossy ones.' : ''}
          </p>
        </div>
      ) : (
        <ParamFields idPrefix={id} specs={alg?.params ?? {}} values={s.params} onChange={(params) => setS((c) => ({ ...c, params }))} />
      )}

      <div className="field">
        <label htmlFor={`${id}-width`}>
          Resize to width <span className="muted">(optional, px)</span>
        </label>
        <input id={`${id}-width`} type="number" min={1} max={16384} inputMode="numeric" value={s.width} onChange={(e) => setS((c) => ({ ...c, width: e.target.value }))} />
      </div>

      <button type="submit" className="button button--primary" disabled={busy || !s.algorithm}>
        {busy ? 'Compressing…' : 'Compress'}
      </button>
    </form>
  );
}

function ParamFields({
  idPrefix,
  specs,
  values,
  onChange,
}: {
  idPrefix: string;
  specs: Record<string, ParamSpec>;
  values: Record<string, number | boolean | string>;
  onChange(v: Record<string, number | boolean | string>): void;
}) {
  const entries = Object.entries(specs);
  if (!entries.length) return <p className="muted">This algorithm has no settings.</p>;
  const set = (k: string, v: number | boolean | string) => onChange({ ...values, [k]: v });
  return (
    <div className="param-grid">
      {entries.map(([name, spec]) => {
        const fid = `${idPrefix}-p-${name}`;
        const label = name.replace(/_/g, ' ');
        if (spec.type === 'bool') {
          return (
            <label key={name} className="checkbox" title={spec.description}>
              <input type="checkbox" checked={Boolean(values[name])} onChange={(e) => set(name, e.target.checked)} /> {label}
            </label>
          );
        }
        if (spec.type === 'choice') {
          return (
            <div className="field" key={name}>
              <label htmlFor={fid}>{label}</label>
              <select id={fid} value={String(values[name])} onChange={(e) => set(name, e.target.value)}>
                {spec.choices.map((c) => (
                  <option key={c}>{c}</option>
                ))}
              </select>
              {spec.description && <p className="field__hint">{spec.description}</p>}
            </div>
          );
        }
        return (
          <div className="field" key={name}>
            <label htmlFor={fid}>
              {label} <output className="muted">{String(values[name])}</output>
            </label>
            <input
              id={fid}
              type="range"
              min={spec.min}
              max={spec.max}
              value={Number(values[name])}
              onChange={(e) => set(name, Number(e.target.value))}
            />
            {spec.description && <p className="field__hint">{spec.description}</p>}
          </div>
        );
      })}
    </div>
  );
}
