//! [`Rng`]: the seeded generator of the hostile-input tests.

/// A seeded xorshift generator: the hostile-input tests are repeatable from their seed.
pub struct Rng(pub u64);

impl Rng {
    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }
    pub fn chance(&mut self, percent: u64) -> bool {
        self.next_u64() % 100 < percent
    }
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
    pub fn bytes(&mut self, len: usize, alphabet: &[u8]) -> Vec<u8> {
        (0..len).map(|_| *self.pick(alphabet)).collect()
    }
    /// `min + below(spread)` bytes from `alphabet`.
    pub fn some_bytes(&mut self, min: usize, spread: usize, alphabet: &[u8]) -> Vec<u8> {
        let n = min + self.below(spread);
        self.bytes(n, alphabet)
    }
}
