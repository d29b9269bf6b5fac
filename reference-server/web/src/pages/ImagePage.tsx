import { useEffect, useRef, useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router-dom';
import * as imagesApi from '../api/images';
import { watchJob } from '../api/jobs';
import { describe } from '../api/problem';
import type { Algorithm, ImageItem, Job, ProcessOptions, Version } from '../api/types';
import { AuthImage } from '../components/AuthImage';
import { Icon } from '../components/Icon';
import { Modal } from '../components/Modal';
import { ShareDialog } from '../components/ShareDialog';
import { useToast } from '../components/Toast';
import { Alert, EmptyState, PageHeader, Spinner } from '../components/ui';
import { downloadWithAuth } from '../lib/download';
import { formatBytes, formatPercent } from '../lib/format';
import { useAsync } from '../lib/useAsync';
import { CompareAll } from './image/CompareAll';
import { ComparePair } from './image/ComparePair';
import { ComparisonHistory } from './image/ComparisonHistory';
import { CompareView } from './image/CompareView';
import { CompressForm } from './image/CompressForm';
import { ImageDetails } from './image/ImageDetails';
import { JobProgress } from './image/JobProgress';
import { VersionsTable } from './image/VersionsTable';

export function ImagePage() {
  const { id = '' } = useParams();
  const navigate = useNavigate();
  const toast = useToast();
  const [image, setImage] = useState<ImageItem | null>(null);
  const [versions, setVersions] = useState<Version[]>([]);
  const [algorithms, setAlgorithms] = useState<Algorithm[]>([]);
  const [error, setError] = useState<unknown>(null);
  const [job, setJob] = useState<Job | null>(null);
  const [busy, setBusy] = useState(false);
  const [comparing, setComparing] = useState<string | null>(null);
  const [sharing, setSharing] = useState(false);
  const [confirmDelete, setConfirmDelete] = useState(false);
  const compareRef = useRef<HTMLElement>(null);
  const watch = useRef<AbortController | null>(null);
  // Every measured comparison is recorded by the server: reloaded after each one on this page.
  const history = useAsync(() => imagesApi.comparisons(id), [id]);

  useEffect(() => {
    let live = true;
    setImage(null);
    setError(null);
    Promise.all([imagesApi.getImage(id), imagesApi.versions(id), imagesApi.algorithms()]).then(
      ([img, vs, algs]) => {
        if (!live) return;
        setImage(img);
        setVersions(vs);
        setAlgorithms(algs);
      },
      (e: unknown) => live && setError(e),
    );
    return () => {
      live = false;
      watch.current?.abort();
    };
  }, [id]);

  const compress = async (opts: ProcessOptions) => {
    setBusy(true);
    setJob(null);
    watch.current?.abort();
    const ctl = new AbortController();
    watch.current = ctl;
    try {
      const accepted = await imagesApi.process(id, opts);
      const done = await watchJob(accepted.job_id, setJob, { signal: ctl.signal });
      if (done.state === 'succeeded') {
        const vs = await imagesApi.versions(id);
        setVersions(vs);
        const vid = String(done.result?.version_id ?? '');
        const made = vs.find((v) => v.id === vid);
        if (made && image) {
          toast.success(`Compressed with ${made.algorithm}: ${formatBytes(made.bytes)}, ${formatPercent(image.bytes - made.bytes, image.bytes)} smaller.`);
          setComparing(made.id);
          requestAnimationFrame(() => compareRef.current?.scrollIntoView?.({ behavior: 'smooth', block: 'start' }));
        }
      }
    } catch (e) {
      if (!ctl.signal.aborted) toast.error(describe(e));
    } finally {
      setBusy(false);
    }
  };

  const removeVersion = async (v: Version) => {
    try {
      await imagesApi.deleteVersion(id, v.id);
      setVersions((vs) => vs.filter((x) => x.id !== v.id));
      if (comparing === v.id) setComparing(null);
      toast.success(`Deleted the ${v.algorithm} version.`);
    } catch (e) {
      toast.error(describe(e));
    }
  };

  const removeImage = async () => {
    try {
      await imagesApi.deleteImage(id);
      toast.success(`Deleted ${image?.name ?? 'the photo'}.`);
      navigate('/gallery', { replace: true });
    } catch (e) {
      toast.error(describe(e));
    }
  };

  if (error) {
    return (
      <div className="page">
        <EmptyState title="Photo not available" action={<Link className="button" to="/gallery">Back to photos</Link>}>
          {describe(error)}
        </EmptyState>
      </div>
    );
  }
  if (!image) return <Spinner label="Loading photo" />;

  const compared = versions.find((v) => v.id === comparing) ?? null;

  return (
    <div className="page">
      <nav className="breadcrumbs" aria-label="Breadcrumb">
        <Link to="/gallery">Photos</Link> <span aria-hidden="true">/</span> <span aria-current="page">{image.name}</span>
      </nav>
      <PageHeader
        title={image.name}
        subtitle={`${image.format.toUpperCase()} · ${image.width}×${image.height} · ${formatBytes(image.bytes)}`}
        actions={
          <>
            <button type="button" className="button" onClick={() => downloadWithAuth(imagesApi.originalUrl(id), image.name).catch((e: unknown) => toast.error(describe(e)))}>
              <Icon name="download" /> Download original
            </button>
            <button type="button" className="button" onClick={() => setSharing(true)}>
              <Icon name="share" /> Share
            </button>
            <button type="button" className="button button--danger" onClick={() => setConfirmDelete(true)}>
              <Icon name="trash" /> Delete
            </button>
          </>
        }
      />

      <div className="detail-grid">
        <div className="detail-main">
          <section className="card card--flush preview">
            <AuthImage src={imagesApi.originalUrl(id)} alt={image.name} eager className="preview__img" />
          </section>

          <section className="card">
            <h2 className="card__title">Versions</h2>
            <VersionsTable
              image={image}
              versions={versions}
              comparing={comparing}
              onCompare={(v) => {
                setComparing(v.id);
                requestAnimationFrame(() => compareRef.current?.scrollIntoView?.({ behavior: 'smooth', block: 'start' }));
              }}
              onDelete={removeVersion}
              onError={(e) => toast.error(describe(e))}
            />
          </section>

          {compared && (
            <section className="card" ref={compareRef} aria-labelledby="compare-title">
              <div className="card__head">
                <h2 className="card__title" id="compare-title">
                  Compare: original vs {compared.algorithm}
                </h2>
                <button type="button" className="button button--ghost button--small" onClick={() => setComparing(null)}>
                  Close
                </button>
              </div>
              <CompareView image={image} version={compared} onMeasured={history.reload} />
            </section>
          )}

          <section className="card" aria-labelledby="compare-pair-title">
            <h2 className="card__title" id="compare-pair-title">
              Compare two versions
            </h2>
            <p className="muted">Measure version B against version A, or against the original.</p>
            <ComparePair image={image} versions={versions} onMeasured={history.reload} />
          </section>

          <section className="card" aria-labelledby="history-title">
            <h2 className="card__title" id="history-title">
              Comparison history
            </h2>
            {history.error ? <Alert>{describe(history.error)}</Alert> : null}
            {history.data ? (
              <ComparisonHistory items={history.data.items} versions={versions} />
            ) : (
              !history.error && <Spinner label="Loading comparisons" />
            )}
          </section>
        </div>

        <aside className="detail-side">
          <section className="card">
            <h2 className="card__title">Details</h2>
            <ImageDetails image={image} onChange={setImage} />
          </section>
          <section className="card" aria-labelledby="compress-title">
            <h2 className="card__title" id="compress-title">
              Compress
            </h2>
            {algorithms.length ? <CompressForm algorithms={algorithms} busy={busy} onSubmit={compress} /> : <Spinner />}
            {job && <JobProgress job={job} label="Compression" />}
            {job?.state === 'failed' && !job.error && <Alert>The job failed.</Alert>}
          </section>
        </aside>

        {/* Both columns wide: its table of eight columns fits at 1280 px instead of being cut off
            at the main column's edge (it still scrolls sideways inside the card when narrower). */}
        <section className="card detail-wide" aria-labelledby="compare-all-title">
          <h2 className="card__title" id="compare-all-title">
            Compare all algorithms
          </h2>
          <p className="muted">Every algorithm searches for its smallest file at the same target; the smallest that meets it wins.</p>
          {algorithms.length ? <CompareAll imageId={id} algorithms={algorithms} /> : <Spinner />}
        </section>
      </div>

      <ShareDialog open={sharing} onClose={() => setSharing(false)} kind="image" id={id} name={image.name} />
      <Modal open={confirmDelete} title={`Delete ${image.name}?`} onClose={() => setConfirmDelete(false)}>
        <p>The original and all its versions will be deleted. This cannot be undone.</p>
        <div className="modal__actions">
          <button type="button" className="button button--ghost" onClick={() => setConfirmDelete(false)}>
            Cancel
          </button>
          <button type="button" className="button button--danger" onClick={removeImage}>
            Delete photo
          </button>
        </div>
      </Modal>
    </div>
  );
}
