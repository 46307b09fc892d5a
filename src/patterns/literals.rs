//! Finding every occurrence of hundreds of ASCII-case-insensitive keywords at gigabytes per second.
//!
//! An Aho-Corasick automaton over a few hundred keywords follows one state transition per byte,
//! and each transition waits for the previous one (a dependent table load): about 400 MB/s here,
//! whatever the automaton kind. This is instead a bucketed shift-or filter in the style of
//! Hyperscan's FDR, then an exact check:
//!
//! * Keywords are spread over 8 *buckets*. For every pair of adjacent input bytes
//!   (`prev`, `cur`) a 64-bit table entry holds, for each of the 8 *lanes* `j` (distance from
//!   the end of a keyword: 0 = its last byte) and each bucket, one bit that is clear when some
//!   keyword of that bucket has `cur` at distance `j` from its end, preceded by `prev` (both
//!   ASCII case variants are entered, so the text is never case-folded).
//! * Eight positions are processed at once: the entry of position `p` is shifted left by
//!   `p` bytes and OR-ed into a 128-bit accumulator; byte `e` of the low half then says, per
//!   bucket, whether every lane allowed a keyword of that bucket to end at `e`. The high half
//!   carries into the next block. There is no dependency from one byte to the next, so the
//!   loop runs at about a cycle per byte (SSE2, always present on x86-64; a portable scalar
//!   version elsewhere).
//! * A clear bit is only a candidate: the bucket's keywords ending with that byte are compared
//!   with the text. Only the last (up to) 8 bytes of a keyword take part in the filter, so
//!   nothing is ever missed; the exact comparison removes the false positives.
//!
//! Short keywords (fewer than 8 bytes) leave lanes unconstrained, so they get buckets of their
//! own, sorted by length; long keywords are sorted by their reversed text so that keywords with
//! common endings share a bucket (and its table bits).

#[cfg(test)]
mod tests;

/// Lanes per table entry (the filter looks at the last `LANES` bytes of each keyword).
const LANES: usize = 8;
/// Buckets per lane.
const BUCKETS: usize = 8;

/// A compiled set of case-insensitive literals.
#[derive(Clone)]
pub(crate) struct Literals {
    /// Indexed by `cur << 8 | prev`.
    table: Box<[u64]>,
    /// Lowercase literal bytes, by id.
    lits: Vec<Box<[u8]>>,
    /// The last (up to) 8 bytes of each literal, for a one-word comparison.
    tails: Vec<Tail>,
    /// For bucket `b` and lowercase last byte `c`: the ids at `index[b * 256 + c]` range of
    /// `ids`.
    index: Box<[(u32, u32)]>,
    ids: Vec<u32>,
    /// Ids of empty literals, which occur everywhere.
    empty: Vec<u32>,
}

/// The last `n = min(len, 8)` bytes of a literal as the high bytes of a little-endian word, so
/// that `(word_ending_at(end) | fold) & mask == key` compares them, ignoring ASCII case (`fold`
/// sets bit 0x20 where the literal has a letter).
#[derive(Clone, Copy)]
struct Tail {
    key: u64,
    fold: u64,
    mask: u64,
}

impl Tail {
    fn new(l: &[u8]) -> Tail {
        let n = l.len().min(8);
        let (mut key, mut fold, mut mask) = (0u64, 0u64, 0u64);
        for (k, &c) in l[l.len() - n..].iter().enumerate() {
            let shift = 8 * (8 - n + k);
            key |= (c as u64) << shift;
            mask |= 0xff << shift;
            if c.is_ascii_lowercase() {
                fold |= 0x20 << shift;
            }
        }
        Tail { key, fold, mask }
    }
}

impl std::fmt::Debug for Literals {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Literals")
            .field("literals", &self.lits.len())
            .finish()
    }
}

impl Literals {
    /// Compile `literals` (matched ignoring ASCII case); ids are their indexes.
    pub(crate) fn new<S: AsRef<[u8]>>(literals: &[S]) -> Literals {
        let lits: Vec<Box<[u8]>> = literals
            .iter()
            .map(|l| l.as_ref().to_ascii_lowercase().into_boxed_slice())
            .collect();
        let empty: Vec<u32> = (0..lits.len() as u32)
            .filter(|&i| lits[i as usize].is_empty())
            .collect();
        let mut short: Vec<u32> = Vec::new();
        let mut long: Vec<u32> = Vec::new();
        for (i, l) in lits.iter().enumerate() {
            match l.len() {
                0 => {}
                n if n < LANES => short.push(i as u32),
                _ => long.push(i as u32),
            }
        }
        short.sort_by(|&a, &b| {
            let (a, b) = (&lits[a as usize], &lits[b as usize]);
            a.len()
                .cmp(&b.len())
                .then(a.iter().rev().cmp(b.iter().rev()))
        });
        long.sort_by(|&a, &b| {
            lits[a as usize]
                .iter()
                .rev()
                .cmp(lits[b as usize].iter().rev())
        });
        let short_buckets = match (short.len(), long.len()) {
            (0, _) => 0,
            (_, 0) => BUCKETS,
            // Measured on the noise corpus with 17-24 short keywords among 300-500: three
            // buckets for short ones balances the two kinds of false candidates best.
            (s, _) => s.div_ceil(8).clamp(1, 3),
        };
        let mut buckets: Vec<Vec<u32>> = vec![Vec::new(); BUCKETS];
        let spread = |ids: &[u32], first: usize, count: usize, buckets: &mut Vec<Vec<u32>>| {
            if count == 0 {
                return;
            }
            let per = ids.len().div_ceil(count);
            for (i, &id) in ids.iter().enumerate() {
                buckets[first + (i / per).min(count - 1)].push(id);
            }
        };
        spread(&short, 0, short_buckets, &mut buckets);
        spread(&long, short_buckets, BUCKETS - short_buckets, &mut buckets);

        let mut table = vec![!0u64; 1 << 16].into_boxed_slice();
        let variants = |c: u8| -> ([u8; 2], usize) {
            if c.is_ascii_alphabetic() {
                ([c.to_ascii_lowercase(), c.to_ascii_uppercase()], 2)
            } else {
                ([c, c], 1)
            }
        };
        for (b, ids) in buckets.iter().enumerate() {
            // Lanes past the shortest keyword's length accept anything for this bucket.
            let Some(min_len) = ids.iter().map(|&i| lits[i as usize].len()).min() else {
                continue;
            };
            let mut free = 0u64;
            for j in min_len.min(LANES)..LANES {
                free |= 1u64 << (8 * j + b);
            }
            if free != 0 {
                for e in table.iter_mut() {
                    *e &= !free;
                }
            }
            for &id in ids {
                let l = &lits[id as usize];
                for j in 0..l.len().min(LANES) {
                    let bit = !(1u64 << (8 * j + b));
                    let (cur, nc) = variants(l[l.len() - 1 - j]);
                    for &c in &cur[..nc] {
                        if j + 1 < l.len() {
                            let (prev, np) = variants(l[l.len() - 2 - j]);
                            for &p in &prev[..np] {
                                table[(c as usize) << 8 | p as usize] &= bit;
                            }
                        } else {
                            for p in 0..256usize {
                                table[(c as usize) << 8 | p] &= bit;
                            }
                        }
                    }
                }
            }
        }

        let mut index = vec![(0u32, 0u32); BUCKETS * 256].into_boxed_slice();
        let mut ids = Vec::new();
        for (b, bucket) in buckets.iter().enumerate() {
            for c in 0..256usize {
                let start = ids.len() as u32;
                ids.extend(
                    bucket
                        .iter()
                        .filter(|&&i| lits[i as usize].last() == Some(&(c as u8))),
                );
                index[b * 256 + c] = (start, ids.len() as u32);
            }
        }
        let tails = lits.iter().map(|l| Tail::new(l)).collect();
        Literals {
            table,
            lits,
            tails,
            index,
            ids,
            empty,
        }
    }

    /// Number of literals.
    #[allow(dead_code)]
    pub(crate) fn len(&self) -> usize {
        self.lits.len()
    }

    /// The first occurrence (the one that ends first) starting at or after `from`, as
    /// `(start, literal id)`.
    pub(crate) fn find(&self, hay: &[u8], from: usize) -> Option<(usize, u32)> {
        let mut found = None;
        self.for_each(hay, from, |start, id| {
            found = Some((start, id));
            false
        });
        found
    }

    /// Call `f(start, id)` for every occurrence of every literal entirely inside `hay[from..]`
    /// (overlapping ones included), in order of end position; stop when `f` returns false.
    pub(crate) fn for_each(&self, hay: &[u8], from: usize, mut f: impl FnMut(usize, u32) -> bool) {
        if from > hay.len() {
            return;
        }
        if !self.empty.is_empty() {
            // An empty literal occurs at every position.
            for p in from..=hay.len() {
                for &id in &self.empty {
                    if !f(p, id) {
                        return;
                    }
                }
            }
        }
        if self.ids.is_empty() {
            return;
        }
        let mut carry = 0u64;
        let mut b = from;
        // Blocks need the byte before them; the first one and the last (partial) one go
        // through a padded copy.
        let mut tmp = [b'\n'; 1 + LANES];
        if b < hay.len() {
            let m = (hay.len() - b).min(LANES);
            if b > 0 {
                tmp[0] = hay[b - 1];
            }
            tmp[1..1 + m].copy_from_slice(&hay[b..b + m]);
            let (lo, hi) = self.block(&tmp, 1, carry);
            carry = hi;
            if !self.check(hay, from, b, lo | !mask(m), &mut f) {
                return;
            }
            b += m;
        }
        while b + LANES <= hay.len() {
            let (lo, hi) = self.block(hay, b, carry);
            carry = hi;
            if lo != !0 && !self.check(hay, from, b, lo, &mut f) {
                return;
            }
            b += LANES;
        }
        if b < hay.len() {
            let m = hay.len() - b;
            tmp = [b'\n'; 1 + LANES];
            tmp[0] = hay[b - 1];
            tmp[1..1 + m].copy_from_slice(&hay[b..]);
            let (lo, _) = self.block(&tmp, 1, carry);
            self.check(hay, from, b, lo | !mask(m), &mut f);
        }
    }

    /// Candidates of the block at `b` (bit `8 * e + bucket` clear): compare the literals.
    #[inline]
    fn check(
        &self,
        hay: &[u8],
        from: usize,
        b: usize,
        lo: u64,
        f: &mut impl FnMut(usize, u32) -> bool,
    ) -> bool {
        let mut z = !lo;
        while z != 0 {
            let bit = z.trailing_zeros() as usize;
            z &= z - 1;
            let end = b + bit / 8 + 1;
            let bucket = bit % 8;
            let last = hay[end - 1].to_ascii_lowercase();
            let (s, e) = self.index[bucket * 256 + last as usize];
            for &id in &self.ids[s as usize..e as usize] {
                let l = &self.lits[id as usize];
                if end < from + l.len() {
                    continue;
                }
                let found = if end >= 8 {
                    let t = self.tails[id as usize];
                    let w = u64::from_le_bytes(hay[end - 8..end].try_into().expect("8 bytes"));
                    (w | t.fold) & t.mask == t.key
                        && (l.len() <= 8
                            || hay[end - l.len()..end - 8].eq_ignore_ascii_case(&l[..l.len() - 8]))
                } else {
                    hay[end - l.len()..end].eq_ignore_ascii_case(l)
                };
                if found && !f(end - l.len(), id) {
                    return false;
                }
            }
        }
        true
    }

    /// The accumulated lanes of the 8 positions `b..b + 8` of `hay` (`b >= 1`,
    /// `b + 8 <= hay.len()`): low half = the result per position, high half = carry.
    #[inline(always)]
    fn block(&self, hay: &[u8], b: usize, carry: u64) -> (u64, u64) {
        debug_assert!(b >= 1 && b + LANES <= hay.len());
        #[cfg(target_arch = "x86_64")]
        {
            // SAFETY: SSE2 is part of x86-64; the asserted bounds keep the 16-bit loads at
            // `b - 1 + k` (k < 8) inside `hay`, and the loaded values index a 65536-entry table.
            unsafe { self.block_sse2(hay, b, carry) }
        }
        #[cfg(not(target_arch = "x86_64"))]
        {
            self.block_scalar(hay, b, carry)
        }
    }

    #[cfg(not(target_arch = "x86_64"))]
    #[inline(always)]
    fn block_scalar(&self, hay: &[u8], b: usize, carry: u64) -> (u64, u64) {
        let w = &hay[b - 1..b + LANES];
        let t = |k: usize| self.table[(w[k + 1] as usize) << 8 | w[k] as usize];
        let t: [u64; LANES] = std::array::from_fn(t);
        let mut lo = carry | t[0];
        let mut hi = 0u64;
        for (k, &v) in t.iter().enumerate().skip(1) {
            lo |= v << (8 * k);
            hi |= v >> (64 - 8 * k);
        }
        (lo, hi)
    }

    #[cfg(target_arch = "x86_64")]
    #[inline(always)]
    unsafe fn block_sse2(&self, hay: &[u8], b: usize, carry: u64) -> (u64, u64) {
        use std::arch::x86_64::*;
        let t = self.table.as_ptr();
        let p = hay.as_ptr().add(b - 1);
        macro_rules! lane {
            ($k:literal) => {{
                let x = (p.add($k) as *const u16).read_unaligned();
                // `prev` is the low byte and `cur` the high one: little-endian `cur << 8 | prev`.
                let x = u16::from_le(x) as usize;
                _mm_slli_si128::<$k>(_mm_loadl_epi64(t.add(x) as *const __m128i))
            }};
        }
        let a0 = _mm_or_si128(
            _mm_or_si128(_mm_cvtsi64_si128(carry as i64), lane!(0)),
            _mm_or_si128(lane!(1), lane!(2)),
        );
        let a1 = _mm_or_si128(
            _mm_or_si128(lane!(3), lane!(4)),
            _mm_or_si128(lane!(5), lane!(6)),
        );
        let acc = _mm_or_si128(_mm_or_si128(a0, a1), lane!(7));
        let lo = _mm_cvtsi128_si64(acc) as u64;
        let hi = _mm_cvtsi128_si64(_mm_srli_si128::<8>(acc)) as u64;
        (lo, hi)
    }
}

/// Bits of the first `m` positions (bytes) of a block.
fn mask(m: usize) -> u64 {
    if m >= LANES {
        !0
    } else {
        (1u64 << (8 * m)) - 1
    }
}

/// Count `\n` bytes quickly (16 bytes per step with SSE2 on x86-64).
pub(crate) fn count_newlines(b: &[u8]) -> u64 {
    #[cfg(target_arch = "x86_64")]
    {
        // SAFETY: SSE2 is part of x86-64; loads stay inside `b`.
        unsafe {
            use std::arch::x86_64::*;
            let nl = _mm_set1_epi8(b'\n' as i8);
            let mut n = 0u64;
            let mut i = 0;
            while i + 64 <= b.len() {
                let p = b.as_ptr().add(i) as *const __m128i;
                let m0 = _mm_movemask_epi8(_mm_cmpeq_epi8(_mm_loadu_si128(p), nl)) as u64;
                let m1 = _mm_movemask_epi8(_mm_cmpeq_epi8(_mm_loadu_si128(p.add(1)), nl)) as u64;
                let m2 = _mm_movemask_epi8(_mm_cmpeq_epi8(_mm_loadu_si128(p.add(2)), nl)) as u64;
                let m3 = _mm_movemask_epi8(_mm_cmpeq_epi8(_mm_loadu_si128(p.add(3)), nl)) as u64;
                n += (m0 | m1 << 16 | m2 << 32 | m3 << 48).count_ones() as u64;
                i += 64;
            }
            n + b[i..].iter().filter(|&&c| c == b'\n').count() as u64
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        memchr::memchr_iter(b'\n', b).count() as u64
    }
}
