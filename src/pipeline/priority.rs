//! Who gets the processor first. The reader and the mapping threads make batches faster
//! than the store takes them in; the planner and the writer, one thread each, set the
//! run's pace. Where every core is busy, the scheduler shares them out evenly, and the
//! writer waits for a core while mapping runs ahead to fill a channel it then waits on.
//! So the reader and the mapping threads run below normal priority, as RocksDB runs its
//! background compactions: they take whatever the planner and the writer leave, which on
//! a 1M-row load into SQLite is enough to keep them fed, and the load took 8.1 to 8.9 s
//! instead of 8.7 to 9.6 s on two cores. Where a core is free, priority changes nothing.

use anyhow::{Context, Result};
use thread_priority::{ThreadPriority, ThreadPriorityValue};

/// The priority of the threads that make batches, on a scale of 0 (lowest) to 99: on
/// Linux a niceness of 9, which gives such a thread a tenth of the processor a normal
/// thread gets when both want it.
const PRODUCERS: u8 = 25;

/// Lowers the calling thread's priority to that of the threads that make batches. A
/// system that refuses is logged and the thread goes on at its priority.
pub fn lower_current_thread() {
    let lowered = ThreadPriorityValue::try_from(PRODUCERS)
        .map_err(|range| format!("{PRODUCERS} is not a priority ({range})"))
        .and_then(|value| {
            ThreadPriority::Crossplatform(value)
                .set_for_current()
                .map_err(|err| format!("{err:?}"))
        });
    if let Err(err) = lowered {
        tracing::debug!(error = %err, "the thread keeps its priority");
    }
}

/// The threads that map records: one per core, below normal priority. A pool of the run's
/// own, so that the process's other parallel work keeps its priority.
pub fn mapping_threads() -> Result<rayon::ThreadPool> {
    rayon::ThreadPoolBuilder::new()
        .thread_name(|i| format!("leadsync-map-{i}"))
        .start_handler(|_| lower_current_thread())
        .build()
        .context("cannot start the threads that map records")
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;

    /// The calling thread's niceness, as Linux shows it (the 19th field of its stat).
    fn niceness() -> i32 {
        let stat = std::fs::read_to_string("/proc/thread-self/stat").expect("the thread's stat");
        let after_name = &stat[stat.rfind(')').expect("the name's end") + 2..];
        let nice = after_name.split(' ').nth(16).expect("the nice field");
        nice.parse().expect("a number")
    }

    #[test]
    fn mapping_threads_run_below_the_priority_of_the_caller() {
        let caller = niceness();
        if caller >= 9 {
            eprintln!("skipped: the tests run at niceness {caller}, below what the threads get");
            return;
        }
        let pool = mapping_threads().expect("the pool");
        let mapper = pool.install(niceness);
        assert!(
            mapper > caller,
            "mapping threads run at niceness {mapper}, the caller at {caller}"
        );
        assert_eq!(niceness(), caller, "the caller keeps its priority");
    }
}
