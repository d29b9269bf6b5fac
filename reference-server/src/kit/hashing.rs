//! Admission for password hashing. argon2id is CPU- and memory-hard on purpose, so
//! running more hashes at once than there are cores only makes every one of them
//! slower: 32 logins at once on 2 cores took a second each, all of them late. At most
//! `slots` hashes run; up to `queue` more wait their turn, each for at most `wait`;
//! a request beyond the queue, or still waiting after `wait`, is answered 503 +
//! `Retry-After`, which a client can act on, instead of joining a queue that only grows.
//!
//! Why a bounded wait rather than refusing at once whatever finds no free slot: clients
//! that retry at once (load generators, naive scripts) would turn instant refusals into
//! tens of thousands of requests a second, and those eat the cores the hashes need; a
//! refusal after a short wait keeps the slots busy with real work.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use super::{ApiError, ApiResult, blocking};

#[derive(Debug)]
pub struct HashSlots {
    running: Arc<Semaphore>,
    waiting: AtomicUsize,
    queue: usize,
    wait: Duration,
}

/// Counts a request as waiting for as long as it waits (also when its client goes away).
struct Waiting<'a>(&'a AtomicUsize);

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

impl HashSlots {
    pub fn new(slots: usize, queue: usize, wait: Duration) -> HashSlots {
        HashSlots { running: Arc::new(Semaphore::new(slots.max(1))), waiting: AtomicUsize::new(0), queue, wait }
    }

    /// Run `f` (a hash or a verification) on the blocking pool once a slot is free.
    pub async fn run<T: Send + 'static>(
        &self,
        f: impl FnOnce() -> fotobase::Result<T> + Send + 'static,
    ) -> ApiResult<T> {
        self.admit().await?.run(f).await
    }

    /// A slot, waited for in the queue, or 503 when the queue is full or the wait too long. Take it before
    /// the request's other work (throttle and account lookups): a request turned away should
    /// cost next to nothing, or the refusals eat the cores the hashes need.
    pub async fn admit(&self) -> ApiResult<Slot> {
        if let Ok(p) = self.running.clone().try_acquire_owned() {
            return Ok(Slot { _permit: p });
        }
        if self.waiting.fetch_add(1, Ordering::AcqRel) >= self.queue {
            self.waiting.fetch_sub(1, Ordering::AcqRel);
            return Err(busy());
        }
        let _waiting = Waiting(&self.waiting);
        match tokio::time::timeout(self.wait, self.running.clone().acquire_owned()).await {
            Ok(Ok(p)) => Ok(Slot { _permit: p }),
            Ok(Err(_)) | Err(_) => Err(busy()),
        }
    }
}

/// The right to run one hash now.
#[derive(Debug)]
pub struct Slot {
    _permit: OwnedSemaphorePermit,
}

impl Slot {
    /// Run `f` on the blocking pool. The slot travels with the work: a request abandoned
    /// mid-hash still holds it until the hash ends, so the cores are never oversubscribed.
    pub async fn run<T: Send + 'static>(
        self,
        f: impl FnOnce() -> fotobase::Result<T> + Send + 'static,
    ) -> ApiResult<T> {
        blocking(move || {
            let _slot = self;
            f()
        })
        .await
    }
}

fn busy() -> ApiError {
    ApiError::unavailable("too many password checks at once; try again in a moment", 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn beyond_the_slots_and_the_queue_requests_are_turned_away_at_once() {
        let slots = Arc::new(HashSlots::new(1, 1, Duration::from_secs(600)));
        let (release, held) = std::sync::mpsc::channel::<()>();
        let (started, running) = tokio::sync::oneshot::channel();
        let first = {
            let slots = slots.clone();
            tokio::spawn(async move {
                slots
                    .run(move || {
                        started.send(()).ok();
                        held.recv().ok();
                        Ok(1)
                    })
                    .await
            })
        };
        running.await.unwrap();
        // The slot is taken: one request may wait, the next is refused with a retry hint.
        let queued = {
            let slots = slots.clone();
            tokio::spawn(async move { slots.run(|| Ok(2)).await })
        };
        while slots.waiting.load(Ordering::Acquire) == 0 {
            tokio::task::yield_now().await;
        }
        let refused = slots.run(|| Ok(3)).await.unwrap_err();
        assert_eq!((refused.status.as_u16(), refused.code, refused.retry_after), (503, "unavailable", Some(1)));
        release.send(()).unwrap();
        assert_eq!(first.await.unwrap().unwrap(), 1);
        assert_eq!(queued.await.unwrap().unwrap(), 2);
        // Everyone left the queue, so there is room again.
        assert_eq!(slots.waiting.load(Ordering::Acquire), 0);
        assert_eq!(slots.run(|| Ok(4)).await.unwrap(), 4);
    }

    #[tokio::test]
    async fn a_waiter_that_goes_away_leaves_the_queue() {
        let slots = Arc::new(HashSlots::new(1, 1, Duration::from_secs(600)));
        let (release, held) = std::sync::mpsc::channel::<()>();
        let (started, running) = tokio::sync::oneshot::channel();
        let s = slots.clone();
        let first = tokio::spawn(async move {
            s.run(move || {
                started.send(()).ok();
                held.recv().ok();
                Ok(())
            })
            .await
        });
        running.await.unwrap();
        let s = slots.clone();
        let waiter = tokio::spawn(async move { s.run(|| Ok(())).await });
        while slots.waiting.load(Ordering::Acquire) == 0 {
            tokio::task::yield_now().await;
        }
        waiter.abort();
        let _ = waiter.await;
        assert_eq!(slots.waiting.load(Ordering::Acquire), 0);
        release.send(()).unwrap();
        first.await.unwrap().unwrap();
    }

    #[tokio::test]
    async fn a_waiter_is_turned_away_when_no_slot_frees_in_time() {
        let slots = HashSlots::new(1, 8, Duration::from_millis(20));
        let held = slots.admit().await.unwrap();
        let refused = slots.admit().await.unwrap_err();
        assert_eq!((refused.status.as_u16(), refused.retry_after), (503, Some(1)));
        assert_eq!(slots.waiting.load(Ordering::Acquire), 0);
        drop(held);
        slots.admit().await.unwrap();
    }
}
