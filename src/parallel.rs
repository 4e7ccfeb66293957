//! The one place where independent items are processed on all cores (overlays of a
//! repository, files of a kustomization, rules over one environment). Results come back
//! in the items' order, so the output does not depend on the thread count.
//!
//! The work runs on rayon's pool, whose threads live for the whole process: a build makes
//! a dozen parallel steps, and a thread started for each (as `std::thread::scope` does)
//! cost about a sixth of a 300-object build, its start and its allocator's fresh memory
//! (BENCHMARKS.md, sixth round). A step asked for from inside another step's item runs
//! on that item's thread, in order: a pool thread waiting for its own items would take on
//! other items meanwhile, and such an item could want the very lock or once-cell (the
//! parse cache's slot of a shared base, say) that its thread holds while it waits.

/// How many threads a step may use: the pool's own size (`RAYON_NUM_THREADS`, else
/// `available_parallelism`), so that a pool of one runs every step on the calling thread
/// rather than handing it to its one thread and waiting. Asked only by a step with
/// something to split: the first asking starts the pool.
fn threads() -> usize {
    rayon::current_num_threads()
}

thread_local! {
    /// Set on a thread while it runs one item of a parallel step.
    static IN_ITEM: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Whether the caller is itself (inside) one item of a parallel step.
fn nested() -> bool {
    IN_ITEM.with(|c| c.get())
}

/// `f()` run as one item of a parallel step: a step it asks for runs on this thread.
fn as_item<R>(f: impl FnOnce() -> R) -> R {
    struct Restore(bool);
    impl Drop for Restore {
        fn drop(&mut self) {
            IN_ITEM.with(|c| c.set(self.0));
        }
    }
    let _restore = Restore(IN_ITEM.with(|c| c.replace(true)));
    f()
}

/// Make the calling thread (the binary's main thread, before any step) one of the pool's
/// threads: a step it starts is shared between it and `threads() - 1` others, rather than
/// handed to `threads()` threads of their own while it waits. One thread fewer to start and
/// to keep spinning between steps (BENCHMARKS.md, tenth round). A library caller that never
/// asks keeps rayon's own pool.
pub fn join_pool() {
    // Fails only when the pool already runs (then the steps use it as it is).
    let _ = rayon::ThreadPoolBuilder::new()
        .use_current_thread()
        .build_global();
}

/// `f` applied to every item, on up to [`threads`] threads, in item order.
pub fn map<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    use rayon::prelude::*;
    if items.len() <= 1 || nested() || threads() <= 1 {
        return items.iter().map(f).collect();
    }
    let f = &f;
    items
        .par_iter()
        .with_max_len(1)
        .map(|item| as_item(|| f(item)))
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
    use rayon::prelude::*;
    let run = |start: usize, part: &mut [T]| -> Result<(), (usize, E)> {
        for (j, item) in part.iter_mut().enumerate() {
            f(start + j, item).map_err(|e| (start + j, e))?;
        }
        Ok(())
    };
    let runs = items.len() / per_thread.max(1);
    // The pool is asked (and so started) only when there is more than one run to share.
    let threads = if runs <= 1 || nested() {
        1
    } else {
        threads().min(runs)
    };
    if threads <= 1 {
        return run(0, items).map_err(|(_, e)| e);
    }
    let size = items.len().div_ceil(threads);
    let failures: Vec<Result<(), (usize, E)>> = items
        .par_chunks_mut(size)
        .enumerate()
        .map(|(k, part)| as_item(|| run(k * size, part)))
        .collect();
    match failures
        .into_iter()
        .filter_map(Result::err)
        .min_by_key(|(i, _)| *i)
    {
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
    fn a_step_inside_an_item_runs_on_that_items_thread() {
        // An item that initialises a shared once-cell with a parallel step of its own (the
        // parse cache's slot of a big shared file): were the inner step spread over the
        // pool, the waiting thread could take on another outer item wanting the same cell
        // and wait on itself.
        let cell = std::sync::OnceLock::new();
        let outer: Vec<u32> = (0..64).collect();
        let inner: Vec<u32> = (0..256).collect();
        let sums = super::map(&outer, |_| {
            let me = std::thread::current().id();
            *cell.get_or_init(|| {
                let ran = super::map(&inner, |x| (std::thread::current().id(), *x));
                assert!(
                    ran.iter().all(|(t, _)| *t == me),
                    "inner items left their thread"
                );
                ran.iter().map(|(_, x)| x).sum::<u32>()
            })
        });
        assert!(sums.iter().all(|s| *s == 255 * 128));
        let mut items: Vec<u32> = (0..100).collect();
        let threads = super::map(&outer, |_| std::thread::current().id());
        assert_eq!(threads.len(), 64);
        super::try_each_mut(&mut items, 1, |_, x| {
            let me = std::thread::current().id();
            let ran = super::map(&[1, 2, 3], |_| std::thread::current().id());
            assert!(ran.iter().all(|t| *t == me));
            *x += 1;
            Ok::<(), ()>(())
        })
        .unwrap();
        assert_eq!(items, (1..101).collect::<Vec<_>>());
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
