//! Running independent verifications side by side.

use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

/// How many cores this process may run verifications on. Asked once: on Linux the answer
/// reads cgroup files, which a verification should not do each time.
fn cores() -> usize {
    static CORES: std::sync::OnceLock<usize> = std::sync::OnceLock::new();
    *CORES.get_or_init(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
}

/// Whether this machine has more than one core to run verifications on.
fn parallel() -> bool {
    cores() > 1
}

/// Computes `f(0)`, …, `f(n - 1)` and returns the results in index order. With more than one
/// core and more than one item, up to `cores - 1` scoped helper threads and the caller's thread
/// take the next index from a shared counter until none is left, so uneven items balance
/// themselves; with one core, or when no thread can be had, the caller computes every item.
/// The results are the same either way (callers pass pure verifications). A panic in any item
/// resumes on the caller's thread.
pub(crate) fn map<R: Send>(n: usize, f: impl Fn(usize) -> R + Sync) -> Vec<R> {
    let helpers = cores().min(n).saturating_sub(1);
    if helpers == 0 {
        return (0..n).map(f).collect();
    }
    let next = AtomicUsize::new(0);
    let work = || {
        let mut done = Vec::new();
        loop {
            let i = next.fetch_add(1, Ordering::Relaxed);
            if i >= n {
                return done;
            }
            done.push((i, f(i)));
        }
    };
    let mut all: Vec<(usize, R)> = std::thread::scope(|s| {
        let spawned: Vec<_> = (0..helpers)
            .filter_map(|_| {
                std::thread::Builder::new()
                    .name("ccverify-map".into())
                    .spawn_scoped(s, work)
                    .ok()
            })
            .collect();
        let mut all = work();
        for handle in spawned {
            match handle.join() {
                Ok(done) => all.extend(done),
                Err(panic) => std::panic::resume_unwind(panic),
            }
        }
        all
    });
    // Every index was taken exactly once by the counter; put them back in order.
    all.sort_unstable_by_key(|(i, _)| *i);
    all.into_iter().map(|(_, r)| r).collect()
}

/// Runs `a` and `b` and returns both results: `b` on a scoped thread while `a` runs on the
/// caller's, when there is more than one core and a thread can be had; otherwise one after
/// the other. The results are the same either way — callers pass pure verifications that share
/// only the process-wide caches, which never change a verdict. A panic in `b` resumes on the
/// caller's thread, as if `b` had run there.
pub(crate) fn join<A, B>(a: impl FnOnce() -> A + Send, b: impl FnOnce() -> B + Send) -> (A, B)
where
    A: Send,
    B: Send,
{
    if !parallel() {
        return (a(), b());
    }
    let slot = Mutex::new(Some(b));
    let (ra, rb) = std::thread::scope(|s| {
        let spawned = std::thread::Builder::new()
            .name("ccverify-join".into())
            .spawn_scoped(s, || {
                let f = slot.lock().ok().and_then(|mut g| g.take());
                f.map(|f| f())
            });
        let ra = a();
        let rb = match spawned {
            Ok(handle) => match handle.join() {
                Ok(rb) => rb,
                Err(panic) => std::panic::resume_unwind(panic),
            },
            Err(_) => None,
        };
        (ra, rb)
    });
    match rb {
        Some(rb) => (ra, rb),
        // No thread could be had: `b` is still in its slot.
        None => {
            let b = slot.into_inner().ok().flatten();
            match b {
                Some(b) => (ra, b()),
                None => unreachable_b(),
            }
        }
    }
}

#[cold]
#[expect(
    clippy::panic,
    reason = "unreachable: `b` leaves its slot only on the thread that then returns its result"
)]
fn unreachable_b() -> ! {
    // `b` left its slot only on the spawned thread, which then returned its result.
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
