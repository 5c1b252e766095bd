//! Sets and maps keyed by 128-bit key hashes (`KeyHash`). Such a key is already evenly spread, so
//! its low 64 bits serve as the table's hash: hashing it again (SipHash, the default) is
//! work for nothing, done millions of times in a large load.

use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};

pub type HashedSet = HashSet<u128, BuildHasherDefault<HashedKey>>;
pub type HashedMap<V> = HashMap<u128, V, BuildHasherDefault<HashedKey>>;

/// Maps and sets keyed by ids and normalized text, hashed with foldhash: seeded per
/// process like SipHash, and several times faster on short keys, which matching looks up
/// a few times per row.
pub type FastMap<K, V> = HashMap<K, V, foldhash::fast::RandomState>;
pub type FastSet<K> = HashSet<K, foldhash::fast::RandomState>;

/// The hasher of [`HashedSet`] and [`HashedMap`]: passes a `u128` key's low half through.
#[derive(Default)]
pub struct HashedKey(u64);

impl Hasher for HashedKey {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write_u128(&mut self, key: u128) {
        self.0 = key as u64;
    }

    /// Keys are `u128`s; anything else is folded in so it still hashes soundly.
    fn write(&mut self, bytes: &[u8]) {
        for &byte in bytes {
            self.0 = (self.0.rotate_left(8) ^ u64::from(byte)).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_that_differ_in_their_low_half_are_told_apart() {
        let mut set = HashedSet::default();
        assert!(set.insert(1));
        assert!(set.insert(2));
        assert!(
            set.insert(1 << 64 | 1),
            "equal low halves are still different keys"
        );
        assert!(!set.insert(2));
        assert_eq!(set.len(), 3);
    }
}
