//! Cancellation of network calls, and the runtime they run on.
//!
//! Every network call of this crate is blocking for its caller but runs as a future on a
//! small process-wide tokio runtime, raced against a [`Cancel`] token. Cancelling drops the
//! future, and with it the HTTP request: the connection is closed at once (a streamed
//! generation stops being read, so the gateway sees the client go away), not merely
//! abandoned while it runs on. The call then fails with [`Error::Cancelled`].
//!
//! Call the blocking functions from ordinary threads, not from inside an async runtime.

use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};

use ccverify::Error;
use tokio::runtime::Runtime;
use tokio::sync::Notify;

/// A cancel token: clone it, hand it to the calls that may need stopping, and call
/// [`Cancel::cancel`] from any thread. Every call holding a clone (or started with one later)
/// stops with [`Error::Cancelled`] and aborts its request. A token cannot be reset.
#[derive(Clone, Debug, Default)]
pub struct Cancel(Arc<Inner>);

#[derive(Debug, Default)]
struct Inner {
    cancelled: AtomicBool,
    notify: Notify,
}

impl Cancel {
    /// A token that has not been cancelled.
    pub fn new() -> Self {
        Self::default()
    }

    /// Cancels every call using this token (idempotent; callable from any thread).
    pub fn cancel(&self) {
        self.0.cancelled.store(true, Ordering::SeqCst);
        self.0.notify.notify_waiters();
    }

    /// Whether [`Cancel::cancel`] was called.
    pub fn is_cancelled(&self) -> bool {
        self.0.cancelled.load(Ordering::SeqCst)
    }

    /// Completes when the token is cancelled.
    pub(crate) async fn cancelled(&self) {
        loop {
            let notified = self.0.notify.notified();
            tokio::pin!(notified);
            // Register before checking the flag, so a cancel between the two is not lost.
            notified.as_mut().enable();
            if self.is_cancelled() {
                return;
            }
            notified.await;
        }
    }

    /// `Err(Cancelled)` if the token was cancelled, naming `what` was stopped.
    pub fn check(&self, what: &str) -> Result<(), Error> {
        if self.is_cancelled() {
            Err(cancelled(what))
        } else {
            Ok(())
        }
    }
}

/// The error of a call stopped by its token.
pub(crate) fn cancelled(what: &str) -> Error {
    Error::Cancelled(format!("{what}: cancelled; the request was aborted"))
}

fn runtime() -> Result<&'static Runtime, Error> {
    static RUNTIME: OnceLock<Result<Runtime, String>> = OnceLock::new();
    RUNTIME
        .get_or_init(|| {
            tokio::runtime::Builder::new_multi_thread()
                .worker_threads(1)
                .thread_name("ccverify-net")
                .enable_all()
                .build()
                .map_err(|e| e.to_string())
        })
        .as_ref()
        .map_err(|e| Error::Internal(format!("cannot start the network runtime: {e}")))
}

/// Runs `work` to completion on the calling thread, unless `cancel` fires first: then `work`
/// is dropped (aborting whatever request it had in flight) and the result is
/// [`Error::Cancelled`] naming `what`.
pub(crate) fn block<T>(
    cancel: Option<&Cancel>,
    what: &str,
    work: impl Future<Output = T>,
) -> Result<T, Error> {
    let rt = runtime()?;
    match cancel {
        None => Ok(rt.block_on(work)),
        Some(token) => {
            token.check(what)?;
            rt.block_on(async {
                tokio::select! {
                    biased;
                    () = token.cancelled() => Err(cancelled(what)),
                    out = work => Ok(out),
                }
            })
        }
    }
}

/// Runs blocking work — typically a network call of this crate, which blocks its thread until
/// the answer arrives — on a thread of the network runtime's blocking pool (threads are reused,
/// started on demand and retired when idle). For hosts whose own worker pool is small and shared
/// with other I/O, like Node's libuv pool: a long stream waiting there would starve file and
/// DNS work. `work` may call the blocking functions of this crate.
///
/// Should the runtime fail to start, `work` runs on a thread of its own instead (and its
/// network calls report that failure).
pub fn spawn_blocking(work: impl FnOnce() + Send + 'static) {
    match runtime() {
        Ok(rt) => drop(rt.spawn_blocking(work)),
        Err(_) => drop(std::thread::spawn(work)),
    }
}

/// Sleeps for `wait` unless `cancel` fires first.
pub(crate) fn sleep(
    cancel: Option<&Cancel>,
    what: &str,
    wait: std::time::Duration,
) -> Result<(), Error> {
    block(cancel, what, async move { tokio::time::sleep(wait).await })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use std::time::{Duration, Instant};

    #[test]
    fn a_cancelled_token_stops_a_pending_call_at_once() {
        let token = Cancel::new();
        let other = token.clone();
        let canceller = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(50));
            other.cancel();
        });
        let start = Instant::now();
        let e = sleep(Some(&token), "waiting", Duration::from_secs(30)).unwrap_err();
        assert_eq!(e.kind(), ccverify::ErrorKind::Cancelled);
        assert!(start.elapsed() < Duration::from_secs(5));
        canceller.join().unwrap();
        // Already cancelled: nothing runs.
        let e = block(Some(&token), "later", async { 1 }).unwrap_err();
        assert!(e.to_string().contains("later"), "{e}");
    }

    #[test]
    fn blocking_work_on_the_pool_may_use_the_blocking_calls() {
        let (tx, rx) = std::sync::mpsc::channel();
        for i in 0..3 {
            let tx = tx.clone();
            spawn_blocking(move || {
                let token = Cancel::new();
                let out = block(Some(&token), "work", async move { i * 2 });
                sleep(None, "nap", Duration::from_millis(1)).unwrap();
                tx.send(out.unwrap()).unwrap();
            });
        }
        let mut got: Vec<i32> = (0..3)
            .map(|_| rx.recv_timeout(Duration::from_secs(10)).unwrap())
            .collect();
        got.sort_unstable();
        assert_eq!(got, [0, 2, 4]);
    }

    #[test]
    fn an_untouched_token_lets_work_finish() {
        let token = Cancel::new();
        assert_eq!(block(Some(&token), "work", async { 7 }).unwrap(), 7);
        assert_eq!(block(None, "work", async { 8 }).unwrap(), 8);
        assert!(!token.is_cancelled());
    }
}
