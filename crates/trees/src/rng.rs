//! A small seeded generator (SplitMix64) for row and feature subsampling. Its own code, so the
//! sequence for a seed never changes with a dependency's version.

pub(crate) struct SplitMix64 {
    state: u64,
}

impl SplitMix64 {
    pub(crate) fn new(seed: u64) -> Self {
        SplitMix64 { state: seed }
    }

    pub(crate) fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..bound` (`bound > 0`), by the multiply-shift method.
    pub(crate) fn below(&mut self, bound: usize) -> usize {
        ((u128::from(self.next_u64()) * bound as u128) >> 64) as usize
    }

    /// `count` distinct items of `items`, in their original order (a partial Fisher–Yates shuffle
    /// of the positions, then sorted so the rows are visited in memory order).
    pub(crate) fn choose<T: Copy>(&mut self, items: &[T], count: usize) -> Vec<T> {
        let count = count.min(items.len());
        let mut positions: Vec<usize> = (0..items.len()).collect();
        for i in 0..count {
            let j = i + self.below(items.len() - i);
            positions.swap(i, j);
        }
        positions.truncate(count);
        positions.sort_unstable();
        positions.into_iter().map(|p| items[p]).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn choose_returns_distinct_items_in_order_and_depends_on_the_seed() {
        let items: Vec<u32> = (0..100).collect();
        let a = SplitMix64::new(1).choose(&items, 30);
        assert_eq!(a.len(), 30);
        assert!(a.windows(2).all(|w| w[0] < w[1]));
        assert_eq!(a, SplitMix64::new(1).choose(&items, 30));
        assert_ne!(a, SplitMix64::new(2).choose(&items, 30));
        assert_eq!(SplitMix64::new(3).choose(&items, 500).len(), 100);
    }
}
