//! Running independent verifications side by side.

use std::sync::Mutex;

/// Whether this machine has more than one core to run verifications on. Asked once: on Linux
/// the answer reads cgroup files, which a verification should not do each time.
fn parallel() -> bool {
    static PARALLEL: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *PARALLEL.get_or_init(|| std::thread::available_parallelism().is_ok_and(|n| n.get() > 1))
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
    fn a_panic_in_the_second_task_reaches_the_caller() {
        let caught = std::panic::catch_unwind(|| join(|| 1, || -> u8 { panic!("boom") }));
        assert!(caught.is_err());
    }
}
