//! The job pool's CPU slots: threads of their own at a lower scheduling priority.
//!
//! Jobs are background work. On threads shared with request handlers (tokio's
//! blocking pool) a backlog of thumbnails took the cores from uploads and page loads
//! while it lasted; on niced threads the scheduler gives requests the cores first and
//! the jobs everything left over, so a busy pool still drains at full speed when the
//! server is otherwise idle. A rayon pool: the codecs' own parallelism, called from a
//! job, stays on these threads.

use std::panic::AssertUnwindSafe;

use fotobase::{Error, ErrorKind, Result};

/// Scheduling niceness of the job threads (Linux: per thread; 0 = the requests' own).
/// At 10 the kernel weighs a request thread about ten times a job thread.
pub const JOB_NICENESS: i32 = 10;

/// `n` job threads; work given to [`Slots::compute`] queues for the next free one.
pub struct Slots {
    pool: rayon::ThreadPool,
}

impl Slots {
    pub fn new(n: usize) -> Result<Slots> {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(n.max(1))
            .thread_name(|i| format!("fotobase-job-{i}"))
            .start_handler(|_| lower_priority())
            .build()
            .map_err(|e| Error::new(ErrorKind::Unexpected, "cannot start the job threads").with_source(e))?;
        Ok(Slots { pool })
    }

    /// Run `f` on a job thread; a panic in it is this job's failure, not the process's.
    pub async fn compute<T: Send + 'static>(&self, f: impl FnOnce() -> Result<T> + Send + 'static) -> Result<T> {
        let (tx, rx) = tokio::sync::oneshot::channel();
        self.pool.spawn(move || {
            let out = std::panic::catch_unwind(AssertUnwindSafe(f))
                .unwrap_or_else(|_| Err(Error::new(ErrorKind::Unexpected, "the job's computation panicked")));
            let _ = tx.send(out);
        });
        rx.await.map_err(|e| Error::new(ErrorKind::Unexpected, "the job thread went away").with_source(e))?
    }
}

#[cfg(target_os = "linux")]
fn lower_priority() {
    // SAFETY: setpriority on this thread's own id only changes its scheduling weight.
    let tid = unsafe { libc::gettid() } as libc::id_t;
    if unsafe { libc::setpriority(libc::PRIO_PROCESS, tid, JOB_NICENESS) } != 0 {
        tracing::warn!(error = %std::io::Error::last_os_error(), "cannot lower the job threads' priority");
    }
}

#[cfg(not(target_os = "linux"))]
fn lower_priority() {}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn results_and_panics_come_back_as_results() {
        let slots = Slots::new(1).unwrap();
        assert_eq!(slots.compute(|| Ok(6 * 7)).await.unwrap(), 42);
        let e = slots.compute(|| -> Result<()> { panic!("boom") }).await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Unexpected);
        assert_eq!(slots.compute(|| Ok(1)).await.unwrap(), 1, "the thread survives a panicking job");
    }

    #[cfg(target_os = "linux")]
    #[tokio::test]
    async fn job_threads_run_niced() {
        let slots = Slots::new(1).unwrap();
        let nice = slots
            .compute(|| {
                // SAFETY: reads this thread's own priority.
                let tid = unsafe { libc::gettid() } as libc::id_t;
                Ok(unsafe { libc::getpriority(libc::PRIO_PROCESS, tid) })
            })
            .await
            .unwrap();
        assert!(nice >= JOB_NICENESS, "job thread niceness {nice}");
    }
}
