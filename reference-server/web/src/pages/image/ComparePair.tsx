// "Compare two versions": the metrics of version B measured against A (the original or another
// version), by the server, which records the comparison.

import { useId, useState, type FormEvent } from 'react';
import { compare } from '../../api/images';
import { describe } from '../../api/problem';
import type { CompareResult, ImageItem, Version } from '../../api/types';
import { Alert } from '../../components/ui';
import { MetricsTable } from './CompareView';
import { ORIGINAL, renditionLabel, versionLabel } from './labels';

interface Props {
  image: ImageItem;
  versions: Version[];
  /** After a comparison was measured (the history has a new entry). */
  onMeasured(): void;
}

export function ComparePair({ image, versions, onMeasured }: Props) {
  const id = useId();
  const [a, setA] = useState(ORIGINAL);
  const [b, setB] = useState('');
  const [result, setResult] = useState<CompareResult | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  if (!versions.length) return <p className="muted">Make a compressed version first: there is nothing to compare yet.</p>;
  // Versions come and go on this page: a choice that was deleted falls back to the original / the first.
  const ref = a === ORIGINAL || versions.some((v) => v.id === a) ? a : ORIGINAL;
  const version = versions.some((v) => v.id === b) ? b : versions[0]!.id;
  const same = ref === version;

  const run = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    setResult(null);
    try {
      setResult(await compare(image.id, version, { reference: ref }));
      onMeasured();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  // A result belongs to the pair it was measured for; another choice hides it.
  const choose = (set: (v: string) => void) => (v: string) => {
    set(v);
    setResult(null);
    setError(null);
  };

  return (
    <div className="compare-pair">
      <form className="form" onSubmit={run} aria-label="Compare two versions">
        <div className="row row--wrap">
          <div className="field">
            <label htmlFor={`${id}-a`}>Version A (reference)</label>
            <select id={`${id}-a`} value={ref} onChange={(e) => choose(setA)(e.target.value)}>
              <option value={ORIGINAL}>Original</option>
              {versions.map((v) => (
                <option key={v.id} value={v.id}>
                  {versionLabel(v)}
                </option>
              ))}
            </select>
          </div>
          <div className="field">
            <label htmlFor={`${id}-b`}>Version B</label>
            <select id={`${id}-b`} value={version} onChange={(e) => choose(setB)(e.target.value)}>
              {versions.map((v) => (
                <option key={v.id} value={v.id}>
                  {versionLabel(v)}
                </option>
              ))}
            </select>
          </div>
        </div>
        {same && <p className="field__hint">Choose two different versions.</p>}
        <button type="submit" className="button button--primary" disabled={busy || same}>
          {busy ? 'Measuring…' : 'Compare'}
        </button>
      </form>
      {error ? <Alert>{describe(error)}</Alert> : null}
      {result && (
        <MetricsTable
          result={result}
          against={result.reference_version === ORIGINAL ? undefined : renditionLabel(result.reference_version, versions)}
        />
      )}
    </div>
  );
}
