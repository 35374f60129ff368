//! Which host a request goes to: round robin or ordered over the hosts not
//! marked dead, and the dead marks themselves.

use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use crate::settings::HostOrder;

/// Dead marks and the round-robin cursor, shared by every clone of a client.
#[derive(Debug)]
pub(crate) struct HostTable {
    dead_since: Mutex<Vec<Option<Instant>>>,
    /// How many entries of `dead_since` are set: while none is, a request
    /// needs no lock and no clock.
    marked: AtomicUsize,
    next: AtomicUsize,
    len: usize,
    /// The hosts from this index on are a last resort: tried in order,
    /// after the others (the URI's hosts that discovery did not find).
    last_resort: usize,
    order: HostOrder,
    retry_interval: Duration,
}

impl HostTable {
    pub fn new(count: usize, order: HostOrder, retry_interval: Duration) -> Self {
        HostTable {
            dead_since: Mutex::new(vec![None; count]),
            marked: AtomicUsize::new(0),
            next: AtomicUsize::new(0),
            len: count,
            last_resort: count,
            order,
            retry_interval,
        }
    }

    /// The hosts from index `from` on are tried only after the others.
    pub fn last_resort_from(mut self, from: usize) -> Self {
        self.last_resort = from.min(self.len);
        self
    }

    /// When host `i` was marked dead, if it is.
    pub fn dead_since(&self, i: usize) -> Option<Instant> {
        if self.marked.load(Ordering::Acquire) == 0 {
            return None;
        }
        let dead = self.dead_since.lock().unwrap_or_else(|e| e.into_inner());
        dead.get(i).copied().flatten()
    }

    /// Host `i` was marked dead at `since`, in a table this one replaces.
    pub fn carry_mark(&self, i: usize, since: Instant) {
        let mut dead = self.dead_since.lock().unwrap_or_else(|e| e.into_inner());
        if dead[i].replace(since).is_none() {
            self.marked.fetch_add(1, Ordering::Release);
        }
    }

    /// The hosts to try for one request, in order: the live ones (a host
    /// whose mark is older than `retry_interval` is live again), starting
    /// at the round-robin cursor or at the first; then, as a last resort,
    /// the dead ones, the one marked longest ago first. A request fails
    /// only once every host was tried (or `max_retries` is spent).
    pub fn plan(&self) -> Vec<usize> {
        let n = self.last_resort;
        let start = match self.order {
            HostOrder::RoundRobin if n > 1 => self.next.fetch_add(1, Ordering::Relaxed) % n,
            _ => 0,
        };
        let mut plan: Vec<usize> = (0..n).map(|k| (start + k) % n).collect();
        if self.order == HostOrder::Random {
            shuffle(&mut plan);
        }
        plan.extend(n..self.len);
        if self.marked.load(Ordering::Acquire) == 0 {
            return plan;
        }
        let dead = self.dead_since.lock().unwrap_or_else(|e| e.into_inner());
        let now = Instant::now();
        let marked = |i: usize| dead[i].filter(|t| now.duration_since(*t) < self.retry_interval);
        // Stable: live hosts keep their order and come first (None sorts
        // before Some), dead ones follow by the age of their mark.
        plan.sort_by_key(|&i| marked(i));
        plan
    }

    /// Skips host `i` for the next `retry_interval`.
    pub fn mark_dead(&self, i: usize) {
        let mut dead = self.dead_since.lock().unwrap_or_else(|e| e.into_inner());
        if dead[i].replace(Instant::now()).is_none() {
            self.marked.fetch_add(1, Ordering::Release);
        }
    }

    /// Host `i` answered: it is live again.
    pub fn mark_alive(&self, i: usize) {
        if self.marked.load(Ordering::Acquire) == 0 {
            return;
        }
        let mut dead = self.dead_since.lock().unwrap_or_else(|e| e.into_inner());
        if dead[i].take().is_some() {
            self.marked.fetch_sub(1, Ordering::Release);
        }
    }

    /// Whether host `i` is currently skipped.
    pub fn is_dead(&self, i: usize) -> bool {
        if self.marked.load(Ordering::Acquire) == 0 {
            return false;
        }
        let dead = self.dead_since.lock().unwrap_or_else(|e| e.into_inner());
        dead[i].is_some_and(|t| t.elapsed() < self.retry_interval)
    }
}

/// Fisher-Yates with std's randomly keyed hasher as the source: load
/// spreading needs no cryptographic randomness, nor a crate for it.
fn shuffle(items: &mut [usize]) {
    use std::hash::{BuildHasher, Hasher};
    let state = std::collections::hash_map::RandomState::new();
    for i in (1..items.len()).rev() {
        let mut hasher = state.build_hasher();
        hasher.write_usize(i);
        let j = (hasher.finish() % (i as u64 + 1)) as usize;
        items.swap(i, j);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_robin_rotates_over_live_hosts() {
        let t = HostTable::new(3, HostOrder::RoundRobin, Duration::from_secs(60));
        assert_eq!(t.plan(), vec![0, 1, 2]);
        assert_eq!(t.plan(), vec![1, 2, 0]);
        t.mark_dead(2);
        assert_eq!(t.plan(), vec![0, 1, 2]);
        assert_eq!(t.plan(), vec![0, 1, 2]);
        assert_eq!(t.plan(), vec![1, 0, 2]);
    }

    #[test]
    fn random_order_tries_every_host_in_varying_order() {
        let t = HostTable::new(4, HostOrder::Random, Duration::from_secs(60));
        let mut firsts = std::collections::HashSet::new();
        for _ in 0..200 {
            let mut plan = t.plan();
            firsts.insert(plan[0]);
            plan.sort_unstable();
            assert_eq!(plan, vec![0, 1, 2, 3]);
        }
        // 200 draws of 4: all four lead with a chance of 1 - 4 * (3/4)^200.
        assert_eq!(firsts.len(), 4);
        t.mark_dead(0);
        for _ in 0..20 {
            assert_eq!(*t.plan().last().unwrap(), 0, "the dead host stays last");
        }
    }

    #[test]
    fn ordered_always_starts_first() {
        let t = HostTable::new(3, HostOrder::Ordered, Duration::from_secs(60));
        assert_eq!(t.plan(), vec![0, 1, 2]);
        assert_eq!(t.plan(), vec![0, 1, 2]);
        t.mark_dead(0);
        assert_eq!(t.plan(), vec![1, 2, 0]);
        t.mark_alive(0);
        assert_eq!(t.plan(), vec![0, 1, 2]);
    }

    #[test]
    fn dead_hosts_come_last_marked_longest_ago_first() {
        let t = HostTable::new(3, HostOrder::Ordered, Duration::from_secs(60));
        t.mark_dead(1);
        std::thread::sleep(Duration::from_millis(2));
        t.mark_dead(0);
        assert_eq!(t.plan(), vec![2, 1, 0]);
        t.mark_dead(2);
        assert_eq!(t.plan(), vec![1, 0, 2]);
    }

    #[test]
    fn last_resort_hosts_come_after_the_others_dead_or_alive() {
        let table =
            HostTable::new(4, HostOrder::RoundRobin, Duration::from_secs(60)).last_resort_from(2);
        assert_eq!(table.plan(), vec![0, 1, 2, 3]);
        assert_eq!(table.plan(), vec![1, 0, 2, 3]);
        table.mark_dead(0);
        assert_eq!(table.plan(), vec![1, 2, 3, 0]);
        let since = table.dead_since(0).expect("marked");
        let next = HostTable::new(2, HostOrder::Ordered, Duration::from_secs(60));
        next.carry_mark(1, since);
        assert_eq!(next.plan(), vec![0, 1]);
        assert!(next.is_dead(1) && !next.is_dead(0));
    }

    #[test]
    fn dead_marks_expire() {
        let t = HostTable::new(2, HostOrder::Ordered, Duration::from_millis(20));
        t.mark_dead(0);
        assert!(t.is_dead(0));
        assert_eq!(t.plan(), vec![1, 0]);
        std::thread::sleep(Duration::from_millis(30));
        assert!(!t.is_dead(0));
        assert_eq!(t.plan(), vec![0, 1]);
    }
}
