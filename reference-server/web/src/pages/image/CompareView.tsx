// Original against one processed version: side by side or under a slider,
// fitted or at 1:1, with the metrics the server measures between them.

import { useEffect, useRef, useState } from 'react';
import { compare, originalUrl, versionUrl } from '../../api/images';
import { describe } from '../../api/problem';
import type { CompareResult, ImageItem, Version } from '../../api/types';
import { AuthImage } from '../../components/AuthImage';
import { Alert, Spinner } from '../../components/ui';
import { formatBytes, formatNumber, METRIC_LABELS } from '../../lib/format';

interface Props {
  image: ImageItem;
  version: Version;
  /** After the server measured (and recorded) the comparison. */
  onMeasured?(): void;
}

export function CompareView({ image, version, onMeasured }: Props) {
  const [mode, setMode] = useState<'slider' | 'side'>('slider');
  const [zoom, setZoom] = useState<'fit' | 'actual'>('fit');
  const [pos, setPos] = useState(50);
  const [result, setResult] = useState<CompareResult | null>(null);
  const [error, setError] = useState<unknown>(null);
  const left = useRef<HTMLDivElement>(null);
  const right = useRef<HTMLDivElement>(null);
  // Held in a ref so that a new callback each render does not measure again.
  const measured = useRef(onMeasured);
  useEffect(() => {
    measured.current = onMeasured;
  });

  useEffect(() => {
    let live = true;
    setResult(null);
    setError(null);
    compare(image.id, version.id).then(
      (r) => {
        if (!live) return;
        setResult(r);
        measured.current?.();
      },
      (e: unknown) => live && setError(e),
    );
    return () => {
      live = false;
    };
  }, [image.id, version.id]);

  // Side by side at 1:1: scrolling one pane scrolls the other to the same spot.
  const sync = (from: HTMLDivElement | null, to: HTMLDivElement | null) => {
    if (from && to && (to.scrollLeft !== from.scrollLeft || to.scrollTop !== from.scrollTop)) {
      to.scrollLeft = from.scrollLeft;
      to.scrollTop = from.scrollTop;
    }
  };

  const origAlt = `Original: ${image.name}`;
  const verAlt = `${version.algorithm} version of ${image.name}`;
  const zoomClass = zoom === 'actual' ? 'compare--actual' : 'compare--fit';

  return (
    <div className="compare">
      <div className="compare__toolbar">
        <div className="segmented" role="group" aria-label="Compare mode">
          <button type="button" aria-pressed={mode === 'slider'} onClick={() => setMode('slider')}>
            Slider
          </button>
          <button type="button" aria-pressed={mode === 'side'} onClick={() => setMode('side')}>
            Side by side
          </button>
        </div>
        <div className="segmented" role="group" aria-label="Zoom">
          <button type="button" aria-pressed={zoom === 'fit'} onClick={() => setZoom('fit')}>
            Fit
          </button>
          <button type="button" aria-pressed={zoom === 'actual'} onClick={() => setZoom('actual')}>
            1:1
          </button>
        </div>
      </div>

      {mode === 'slider' ? (
        <div className={`compare__slider ${zoomClass}`}>
          <div className="compare__stage">
            <AuthImage src={originalUrl(image.id)} alt={origAlt} eager className="compare__under" draggable={false} />
            <div className="compare__over" style={{ clipPath: `inset(0 0 0 ${pos}%)` }}>
              <AuthImage src={versionUrl(image.id, version.id)} alt={verAlt} eager draggable={false} />
            </div>
            <div className="compare__handle" style={{ left: `${pos}%` }} aria-hidden="true" />
            <span className="compare__label compare__label--left">Original</span>
            <span className="compare__label compare__label--right">{version.algorithm}</span>
          </div>
          <input
            className="compare__range"
            type="range"
            min={0}
            max={100}
            value={pos}
            aria-label="Slider position: left shows the original, right the compressed version"
            onChange={(e) => setPos(Number(e.target.value))}
          />
        </div>
      ) : (
        <div className={`compare__side ${zoomClass}`}>
          <figure>
            <div className="compare__pane" ref={left} onScroll={() => sync(left.current, right.current)}>
              <AuthImage src={originalUrl(image.id)} alt={origAlt} eager />
            </div>
            <figcaption>Original · {formatBytes(image.bytes)}</figcaption>
          </figure>
          <figure>
            <div className="compare__pane" ref={right} onScroll={() => sync(right.current, left.current)}>
              <AuthImage src={versionUrl(image.id, version.id)} alt={verAlt} eager />
            </div>
            <figcaption>
              {version.algorithm} · {formatBytes(version.bytes)}
            </figcaption>
          </figure>
        </div>
      )}
      {zoom === 'actual' && (version.width !== image.width || version.height !== image.height) && (
        <p className="muted small">
          This version was resized to {version.width}×{version.height}; at 1:1 the two differ in size.
        </p>
      )}

      {error ? <Alert>{describe(error)}</Alert> : null}
      {!result && !error && <Spinner label="Measuring" />}
      {result && <MetricsTable result={result} />}
    </div>
  );
}

/** `against` names the reference when it is another version rather than the original. */
export function MetricsTable({ result, against }: { result: CompareResult; against?: string }) {
  const rows = (['ssimulacra2', 'ssim', 'ms_ssim', 'psnr', 'mse'] as const).filter((m) => m in result.metrics);
  return (
    <table className="table metrics-table" aria-label="Quality metrics">
      <caption>
        Metrics of the version against {against ?? 'the original'}
        {result.reference_resized ? ` (${against ? 'reference' : 'original'} resized to match)` : ''}
      </caption>
      <tbody>
        <tr>
          <th scope="row">Size</th>
          <td>
            {formatBytes(result.distorted.bytes)} <span className="muted">of {formatBytes(result.reference.bytes)}</span>
          </td>
        </tr>
        <tr>
          <th scope="row">Compression ratio</th>
          <td>{formatNumber(result.ratio, 2)}×</td>
        </tr>
        {rows.map((m) => (
          <tr key={m}>
            <th scope="row">{METRIC_LABELS[m]}</th>
            <td>{formatNumber(result.metrics[m] ?? Infinity, m === 'mse' ? 3 : 4)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
