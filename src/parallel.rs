//! One small work-sharing loop used wherever independent items are processed on all
//! cores (overlays of a repository, rules over one environment): each thread takes the
//! next index, and the results come back in the items' order, so the output does not
//! depend on the thread count.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

/// How many threads to use: `available_parallelism`, asked once (it reads the cgroup's
/// CPU limit each time).
fn cores() -> usize {
    static CORES: std::sync::OnceLock<usize> = std::sync::OnceLock::new();
    *CORES.get_or_init(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
}

/// `f` applied to every item, on up to `available_parallelism` threads, in item order.
pub fn map<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let threads = cores().min(items.len());
    if threads <= 1 {
        return items.iter().map(f).collect();
    }
    let next = AtomicUsize::new(0);
    let slots: Vec<Mutex<Option<R>>> = items.iter().map(|_| Mutex::new(None)).collect();
    let work = || loop {
        let i = next.fetch_add(1, Ordering::Relaxed);
        let Some(item) = items.get(i) else {
            break;
        };
        let r = f(item);
        *slots[i].lock().unwrap_or_else(|e| e.into_inner()) = Some(r);
    };
    // The calling thread is one of the workers: one thread fewer to start, and its heap
    // (already warm) takes a share of the allocations.
    std::thread::scope(|s| {
        for _ in 1..threads {
            s.spawn(work);
        }
        work();
    });
    slots
        .into_iter()
        .map(|m| {
            m.into_inner()
                .unwrap_or_else(|e| e.into_inner())
                .expect("every slot filled")
        })
        .collect()
}

/// `f` on every item (with its index), changing it in place; on all cores when there are
/// at least `per_thread` items for each thread, each taking a run of consecutive items.
/// Returns the error of the first failing item in order (items after a failure in its run
/// are not visited; what later runs did is left as it is, as after any failed build step).
pub fn try_each_mut<T: Send, E: Send>(
    items: &mut [T],
    per_thread: usize,
    f: impl Fn(usize, &mut T) -> Result<(), E> + Sync,
) -> Result<(), E> {
    let run = |start: usize, part: &mut [T]| -> Result<(), (usize, E)> {
        for (j, item) in part.iter_mut().enumerate() {
            f(start + j, item).map_err(|e| (start + j, e))?;
        }
        Ok(())
    };
    let threads = cores().min(items.len() / per_thread.max(1));
    if threads <= 1 {
        return run(0, items).map_err(|(_, e)| e);
    }
    let size = items.len().div_ceil(threads);
    let failures: Vec<(usize, E)> = std::thread::scope(|s| {
        let mut parts = items.chunks_mut(size).enumerate();
        let (_, first) = parts.next().expect("at least two parts");
        let others: Vec<_> = parts
            .map(|(k, part)| s.spawn(move || run(k * size, part)))
            .collect();
        let mut failures: Vec<(usize, E)> = run(0, first).err().into_iter().collect();
        for h in others {
            match h.join() {
                Ok(r) => failures.extend(r.err()),
                Err(panic) => std::panic::resume_unwind(panic),
            }
        }
        failures
    });
    match failures.into_iter().min_by_key(|(i, _)| *i) {
        Some((_, e)) => Err(e),
        None => Ok(()),
    }
}

/// Drop `value` on a thread of its own when `large`, so that the caller does not wait for
/// a large tree of objects to be freed node by node (for 10,000 objects, a tenth of their
/// validation); small values are dropped at once. A process that ends first skips the
/// freeing altogether, as the operating system takes the memory back in one piece.
pub fn drop_later<T: Send + 'static>(value: T, large: bool) {
    if !large {
        return;
    }
    // A thread that cannot be started leaves the value to be dropped here.
    let _ = std::thread::Builder::new()
        .name("kforge-drop".into())
        .spawn(move || drop(value));
}

#[cfg(test)]
mod tests {
    #[test]
    fn each_item_changed_and_the_first_failure_reported() {
        for n in [0, 1, 5, 100, 1001] {
            let mut items: Vec<u32> = (0..n).collect();
            super::try_each_mut(&mut items, 1, |i, x| {
                *x += i as u32;
                Ok::<(), ()>(())
            })
            .unwrap();
            assert_eq!(items, (0..n).map(|x| 2 * x).collect::<Vec<_>>());
        }
        let mut items: Vec<u32> = (0..1000).collect();
        let e = super::try_each_mut(
            &mut items,
            1,
            |i, _| {
                if i % 300 == 299 {
                    Err(i)
                } else {
                    Ok(())
                }
            },
        );
        assert_eq!(e, Err(299));
    }

    #[test]
    fn results_keep_the_items_order() {
        let items: Vec<u32> = (0..1000).collect();
        assert_eq!(
            super::map(&items, |x| x * 2),
            items.iter().map(|x| x * 2).collect::<Vec<_>>()
        );
        assert!(super::map(&[] as &[u32], |x| *x).is_empty());
    }
}
