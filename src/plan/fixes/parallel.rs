//! The fix search's re-simulations, side by side on the machine's cores.

use crate::error::Error;
use crate::plan::{Config, simulate};
use time::OffsetDateTime;

/// Each configuration's first break, in input order, the simulations run side by side on up
/// to [`std::thread::available_parallelism`] threads (at most 4), those marked long (a
/// rotation's, which tend to hold and so run the whole horizon) started first. Each thread
/// issues its keys from the operating system's generator: a run's outcome never depends on
/// its keys (the same input gives the same report whatever the keys).
pub(super) fn first_breaks<'a>(
    cfgs: impl Iterator<Item = (&'a Config, bool)>,
) -> Result<Vec<Option<(OffsetDateTime, i64)>>, Error> {
    use std::sync::Mutex;
    use std::sync::atomic::{AtomicUsize, Ordering};
    let (cfgs, long): (Vec<&Config>, Vec<bool>) = cfgs.unzip();
    // The order runs start in: long ones first, else as given.
    let mut order: Vec<usize> = (0..cfgs.len()).collect();
    order.sort_by_key(|&i| !long[i]);
    let threads = std::thread::available_parallelism()
        .map_or(1, std::num::NonZeroUsize::get)
        .clamp(1, 4)
        .min(cfgs.len().max(1));
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<Result<Option<(OffsetDateTime, i64)>, Error>>>> =
        Mutex::new(vec![None; cfgs.len()]);
    std::thread::scope(|scope| {
        for _ in 0..threads {
            scope.spawn(|| {
                while let Some(&i) = order.get(next.fetch_add(1, Ordering::Relaxed)) {
                    let Some(c) = cfgs.get(i) else { break };
                    let r = simulate(c, &mut rand_core::OsRng)
                        .map(|run| run.first_break.map(|b| (b.at, b.day)));
                    if let Ok(mut all) = results.lock() {
                        all[i] = Some(r);
                    }
                }
            });
        }
    });
    // A result is missing only if its thread panicked, which `scope` re-raises here; even so,
    // a missing one counts as a break at the start, never as a fix that held.
    let results = results.into_inner().unwrap_or_default();
    (0..cfgs.len())
        .map(|i| match results.get(i) {
            Some(Some(r)) => r.clone(),
            _ => Ok(Some((cfgs[i].start, 0))),
        })
        .collect()
}
