//! Running independent verifications side by side, on a pool of threads that outlives the
//! call (starting a thread costs ≈ 70 µs on the project machine, a tenth of a cold TDX
//! verification; handing work to a waiting one costs a few µs).
//!
//! The pool (rayon, one thread per core) is made on first use and belongs to the process that
//! made it: a process forked from it (Python's `multiprocessing`, Spark's Python workers) has
//! none of its threads, so the pool is made afresh there. Callers pass pure verifications that
//! share only the process-wide caches, which never change a verdict, so results are the same
//! however the work is spread, and in the same order.

use std::sync::atomic::{AtomicU32, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

/// How many cores this process may run verifications on. Asked once: on Linux the answer
/// reads cgroup files, which a verification should not do each time.
fn cores() -> usize {
    static CORES: std::sync::OnceLock<usize> = std::sync::OnceLock::new();
    *CORES.get_or_init(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
}

/// The pool of this process, or `None` on one core or if no thread can be had (then work runs
/// on the caller's thread, one item after the other).
fn pool() -> Option<Arc<rayon::ThreadPool>> {
    static POOL: Mutex<Option<(u32, Arc<rayon::ThreadPool>)>> = Mutex::new(None);
    static FAILED_IN: AtomicU32 = AtomicU32::new(0);
    if cores() < 2 {
        return None;
    }
    let pid = std::process::id();
    if FAILED_IN.load(Ordering::Relaxed) == pid {
        return None;
    }
    let mut slot = POOL.lock().unwrap_or_else(PoisonError::into_inner);
    if let Some((owner, pool)) = slot.as_ref()
        && *owner == pid
    {
        return Some(Arc::clone(pool));
    }
    // A pool made by the process this one was forked from has no threads here: leave it
    // (dropping it would signal threads that do not exist) and make this process's own.
    if let Some(old) = slot.take() {
        std::mem::forget(old);
    }
    match rayon::ThreadPoolBuilder::new()
        .num_threads(cores())
        .thread_name(|i| format!("ccverify-{i}"))
        // A worker waiting in `join` may run another queued verification on its own stack, so
        // give it room for two (the parsers bound their recursion, not the nesting of calls).
        .stack_size(8 << 20)
        .build()
    {
        Ok(pool) => {
            let pool = Arc::new(pool);
            *slot = Some((pid, Arc::clone(&pool)));
            Some(pool)
        }
        Err(_) => {
            FAILED_IN.store(pid, Ordering::Relaxed);
            None
        }
    }
}

/// Runs `a` and `b` and returns both results: `a` on the caller's thread while a pool thread
/// runs `b`, when there is more than one core. The caller never waits for a pool thread to
/// wake before starting its own part. A panic in either resumes on the caller's thread.
pub(crate) fn join<A, B>(a: impl FnOnce() -> A + Send, b: impl FnOnce() -> B + Send) -> (A, B)
where
    A: Send,
    B: Send,
{
    let Some(pool) = pool() else {
        return (a(), b());
    };
    let slot: Mutex<Option<B>> = Mutex::new(None);
    let ra = pool.in_place_scope(|s| {
        s.spawn(|_| {
            let rb = b();
            *slot.lock().unwrap_or_else(PoisonError::into_inner) = Some(rb);
        });
        a()
    });
    // The scope returned only after `b` ran (or re-raised its panic).
    match slot.into_inner().unwrap_or_else(PoisonError::into_inner) {
        Some(rb) => (ra, rb),
        None => lost_task(),
    }
}

/// Computes `f(0)`, …, `f(n - 1)` and returns the results in index order. With more than one
/// core and item, the caller and up to `cores - 1` pool threads take the next index from a
/// shared counter until none is left (uneven items balance themselves; the caller starts at
/// once instead of waiting for a pool thread to wake). A panic in any item resumes on the
/// caller's thread.
pub(crate) fn map<R: Send>(n: usize, f: impl Fn(usize) -> R + Sync) -> Vec<R> {
    let helpers = cores().min(n).saturating_sub(1);
    let pool = if helpers > 0 { pool() } else { None };
    let Some(pool) = pool else {
        return (0..n).map(f).collect();
    };
    let next = AtomicUsize::new(0);
    let done: Mutex<Vec<(usize, R)>> = Mutex::new(Vec::with_capacity(n));
    let work = || {
        loop {
            let i = next.fetch_add(1, Ordering::Relaxed);
            if i >= n {
                return;
            }
            let r = f(i);
            done.lock()
                .unwrap_or_else(PoisonError::into_inner)
                .push((i, r));
        }
    };
    pool.in_place_scope(|s| {
        for _ in 0..helpers {
            s.spawn(|_| work());
        }
        work();
    });
    let mut all = done.into_inner().unwrap_or_else(PoisonError::into_inner);
    // Every index was taken exactly once; put them back in order.
    all.sort_unstable_by_key(|(i, _)| *i);
    all.into_iter().map(|(_, r)| r).collect()
}

#[cold]
#[expect(
    clippy::panic,
    reason = "unreachable: the scope ends only after the spawned task stored its result or panicked"
)]
fn lost_task() -> ! {
    panic!("ccverify::par::join lost its second task")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn returns_both_results_in_order() {
        let (a, b) = join(|| 1 + 1, || "two".to_string());
        assert_eq!((a, b.as_str()), (2, "two"));
    }

    #[test]
    fn borrows_from_the_caller() {
        let data = [1u64, 2, 3, 4];
        let (left, right) = join(|| data[..2].iter().sum::<u64>(), || data[2..].iter().sum());
        assert_eq!((left, right), (3, 7));
    }

    #[test]
    fn map_returns_every_result_in_index_order() {
        for n in [0usize, 1, 2, 3, 8, 100] {
            let got = map(n, |i| {
                // Uneven work, so helpers finish out of order.
                std::thread::sleep(std::time::Duration::from_micros(((i * 7) % 5) as u64 * 50));
                i * i
            });
            assert_eq!(got, (0..n).map(|i| i * i).collect::<Vec<_>>(), "n = {n}");
        }
    }

    #[test]
    fn map_borrows_and_propagates_panics() {
        let data: Vec<u32> = (0..16).collect();
        assert_eq!(map(data.len(), |i| data[i] + 1).iter().sum::<u32>(), 136);
        let caught = std::panic::catch_unwind(|| {
            map(4, |i| {
                assert!(i != 2, "boom");
                i
            })
        });
        assert!(caught.is_err());
    }

    #[test]
    fn a_panic_in_the_second_task_reaches_the_caller() {
        let caught = std::panic::catch_unwind(|| join(|| 1, || -> u8 { panic!("boom") }));
        assert!(caught.is_err());
    }
}
