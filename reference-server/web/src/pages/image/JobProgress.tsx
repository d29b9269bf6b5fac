import type { Job } from '../../api/types';
import { Badge, ProgressBar } from '../../components/ui';

const TONE = { queued: 'neutral', running: 'accent', succeeded: 'success', failed: 'danger' } as const;

/** A job's state and progress as it streams in. */
export function JobProgress({ job, label }: { job: Job; label: string }) {
  const tone = TONE[job.state as keyof typeof TONE] ?? 'neutral';
  const value = job.state === 'succeeded' ? 1 : job.progress;
  return (
    <div className="job-progress" data-state={job.state}>
      <div className="job-progress__head">
        <span>{label}</span>
        <Badge tone={tone}>{job.state}</Badge>
      </div>
      <ProgressBar value={job.state === 'queued' ? 0 : value} label={`${label} progress`} />
      {job.state === 'running' && job.progress === 0 && <p className="muted small">Encoding… searching for the smallest file that meets the target.</p>}
      {job.error && (
        <p className="field__error" role="alert">
          {job.error.code === 'target_unreachable'
            ? 'No setting of this algorithm reaches that target. Try a lower target or another algorithm.'
            : job.error.message}
        </p>
      )}
    </div>
  );
}
