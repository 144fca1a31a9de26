//! Multi-scalar multiplication tuned for circom witnesses.
//!
//! Circuits compiled from ML models are mostly range checks: most witness
//! values are 0 or 1 bits, the rest small integers (or small negatives, which
//! the field stores as r − v), and only a few are full-size field elements. A
//! general MSM pays for 254-bit scalars everywhere; here each scalar is sorted
//! into one of four classes and each class costs what it needs:
//!
//! - 0: skipped;
//! - ±1: the bases are summed;
//! - |v| < 2⁶⁴: a bucket method over only as many bits as the largest needs;
//! - the rest: the full 254-bit bucket method.
//!
//! Every class runs the same Pippenger with signed digits whose buckets are
//! filled by batch-affine additions (one inversion shared by a batch of
//! additions): about six field multiplications per addition instead of
//! eleven. With many buckets the points stream into affine buckets held in
//! cache (`AffineBuckets`); with few, each bucket's points are grouped first
//! and summed pairwise (`bucket_sums`). On full-size scalars at 2^17, one
//! thread, that measured 1.55× arkworks' MSM on an Intel Xeon VM
//! (`GLASSBOX_MSM_N=131072 cargo test --release --lib msm::bench -- --ignored
//! --nocapture`); the large gains come from the classes above.
//!
//! Negative values use the negated base (free in affine form), so −1 and −5
//! are as cheap as 1 and 5.

use crate::points::{Bases, LemCurve};
use ark_bn254::Fr;
use ark_ec::short_weierstrass::{Affine, Projective, SWCurveConfig};
use ark_ec::{AdditiveGroup, CurveGroup};
use ark_ff::{BigInt, BigInteger, Field, One, PrimeField, Zero};
use rayon::prelude::*;

/// Scalars per classification task, and the smallest slice of points worth its own task.
const CHUNK: usize = 1 << 12;

#[derive(Default)]
struct Classes {
    plus_one: Vec<u32>,
    minus_one: Vec<u32>,
    /// (index, |value|, negative)
    small: Vec<(u32, u64, bool)>,
    small_bits: u32,
    big: Vec<u32>,
}

fn half_modulus() -> BigInt<4> {
    let mut half = Fr::MODULUS;
    half.div2();
    half
}

/// Sorts the scalars into classes, leaving out those whose `skip` flag is set.
fn classify(scalars: &[BigInt<4>], skip: Option<&[bool]>) -> Classes {
    let half = half_modulus();
    let modulus = Fr::MODULUS;
    let parts: Vec<Classes> = scalars
        .par_chunks(CHUNK * 4)
        .enumerate()
        .map(|(chunk, values)| {
            let mut out = Classes::default();
            for (j, s) in values.iter().enumerate() {
                let i = (chunk * CHUNK * 4 + j) as u32;
                if s.is_zero() || skip.is_some_and(|skip| skip.get(i as usize) == Some(&true)) {
                    continue;
                }
                let (magnitude, negative) = if *s > half {
                    let mut m = modulus;
                    m.sub_with_borrow(s);
                    (m, true)
                } else {
                    (*s, false)
                };
                let limbs = magnitude.0;
                if limbs[1] == 0 && limbs[2] == 0 && limbs[3] == 0 {
                    let v = limbs[0];
                    if v == 1 {
                        if negative { out.minus_one.push(i) } else { out.plus_one.push(i) }
                    } else {
                        out.small_bits = out.small_bits.max(64 - v.leading_zeros());
                        out.small.push((i, v, negative));
                    }
                } else {
                    out.big.push(i);
                }
            }
            out
        })
        .collect();
    let mut all = Classes::default();
    for mut p in parts {
        all.plus_one.append(&mut p.plus_one);
        all.minus_one.append(&mut p.minus_one);
        all.small.append(&mut p.small);
        all.big.append(&mut p.big);
        all.small_bits = all.small_bits.max(p.small_bits);
    }
    all
}

/// The c bits of `s` from bit `bit` on (zeros past the top).
#[inline]
fn window_bits(s: &BigInt<4>, bit: usize, c: u32) -> u64 {
    let (limb, shift) = (bit / 64, bit % 64);
    let mut raw = if limb < 4 { s.0[limb] >> shift } else { 0 };
    if shift + c as usize > 64 && limb + 1 < 4 {
        raw |= s.0[limb + 1] << (64 - shift);
    }
    raw & ((1u64 << c) - 1)
}

/// Signed c-bit digits of scalars, each computed on its own (no table of
/// n · windows digits is kept). Digit j is the scalar's c bits at window j plus
/// the carry out of the windows below, less 2^c when that reaches 2^(c−1) (except
/// in the top window, which holds at most c − 1 bits of the scalar, as windows =
/// ⌈(bits + 1)/c⌉, so with the carry at most 2^(c−1): a bucket, kept positive).
/// The digits below window j lie in [−2^(c−1), 2^(c−1) − 1], so together they
/// stand for one value in [−2^(c−1)·R, (2^(c−1) − 1)·R], R = Σᵢ₍ᵢ₌₀..ⱼ₋₁₎ 2^(c·i):
/// 2^(c·j) consecutive integers, one per residue. The windows below therefore
/// carry exactly when s mod 2^(c·j) exceeds (2^(c−1) − 1)·R, the number whose c-bit
/// windows all hold 2^(c−1) − 1 (`threshold`, cut to c·j bits).
#[derive(Clone, Copy)]
struct SignedDigits {
    c: u32,
    windows: usize,
    threshold: [u64; 4],
}

impl SignedDigits {
    fn new(c: u32, windows: usize) -> Self {
        let mut threshold = [0u64; 4];
        let top = (1u64 << (c - 1)) - 1;
        for j in 0..windows {
            for b in 0..c as usize {
                let bit = j * c as usize + b;
                if bit < 256 && (top >> b) & 1 == 1 {
                    threshold[bit / 64] |= 1 << (bit % 64);
                }
            }
        }
        SignedDigits { c, windows, threshold }
    }

    #[inline(always)]
    fn digit(&self, s: &BigInt<4>, j: usize) -> i32 {
        let c = self.c;
        let bit = j * c as usize;
        let value = window_bits(s, bit, c) as i64 + self.carry_into(s, bit) as i64;
        if value >= 1i64 << (c - 1) && j + 1 < self.windows {
            (value - (1i64 << c)) as i32
        } else {
            value as i32
        }
    }

    /// Whether s mod 2^bits exceeds the threshold mod 2^bits.
    #[inline]
    fn carry_into(&self, s: &BigInt<4>, bits: usize) -> bool {
        for limb in (0..4).rev() {
            let low = limb * 64;
            if low >= bits {
                continue;
            }
            let mask = if bits - low >= 64 { u64::MAX } else { (1u64 << (bits - low)) - 1 };
            let (a, t) = (s.0[limb] & mask, self.threshold[limb] & mask);
            if a != t {
                return a > t;
            }
        }
        false
    }
}

/// The denominator of the affine sum a + b: x_b − x_a, or 2·y_a when a = b
/// (a doubling); 1 when a = −b (the sum is the point at infinity, no division).
#[inline]
fn sum_denominator<F: Field>(ax: &F, ay: &F, bx: &F, by: &F) -> F {
    if ax != bx {
        *bx - ax
    } else if ay == by && !ay.is_zero() {
        ay.double()
    } else {
        F::one()
    }
}

/// The affine sum a + b, given the inverse of `sum_denominator(a, b)`; None for
/// the point at infinity.
#[inline]
fn affine_sum<P: SWCurveConfig>(ax: &P::BaseField, ay: &P::BaseField, bx: &P::BaseField, by: &P::BaseField, inverse: &P::BaseField) -> Option<(P::BaseField, P::BaseField)> {
    let lambda = if ax != bx {
        (*by - ay) * inverse
    } else if ay == by && !ay.is_zero() {
        let x2 = ax.square();
        (x2.double() + x2 + P::COEFF_A) * inverse
    } else {
        return None;
    };
    let x3 = lambda.square() - ax - bx;
    Some((x3, lambda * (*ax - x3) - ay))
}

/// Replaces every element of `values` (none zero) by its inverse with one field
/// inversion (Montgomery's trick); `prefix` is scratch space.
pub(crate) fn invert_all<F: Field>(values: &mut [F], prefix: &mut Vec<F>) {
    prefix.clear();
    let mut acc = F::one();
    for v in values.iter() {
        prefix.push(acc);
        acc *= v;
    }
    let mut inverse = acc.inverse().expect("denominators are non-zero");
    for (v, before) in values.iter_mut().zip(prefix.iter()).rev() {
        let v_inverse = inverse * before;
        inverse *= *v;
        *v = v_inverse;
    }
}

/// The sum of each bucket's affine points, by pairwise batch-affine additions:
/// every round adds disjoint pairs inside every bucket, sharing one field
/// inversion across the round (Montgomery's trick), so an addition costs about
/// six multiplications instead of the eleven of a mixed addition. Holds every
/// point at once, grouped by bucket (`start`, `len`): for buckets few enough that
/// many points share one, where `AffineBuckets` would wait on its conflicts.
fn bucket_sums<P: LemCurve>(xs: &mut [P::BaseField], ys: &mut [P::BaseField], start: &[u32], len: &mut [u32]) -> Vec<Option<Affine<P>>> {
    let total = xs.len();
    let mut infinity = vec![false; total];
    let mut pairs: Vec<(u32, u32)> = Vec::with_capacity(total / 2);
    let mut den: Vec<P::BaseField> = Vec::with_capacity(total / 2);
    let mut prefix: Vec<P::BaseField> = Vec::with_capacity(total / 2);
    loop {
        pairs.clear();
        for (b, l) in len.iter().enumerate() {
            let s = start[b];
            for t in 0..l / 2 {
                pairs.push((s + 2 * t, s + t));
            }
        }
        if pairs.is_empty() {
            break;
        }
        den.clear();
        den.extend(pairs.iter().map(|&(a, _)| {
            let (a, b) = (a as usize, a as usize + 1);
            if infinity[a] || infinity[b] {
                P::BaseField::one()
            } else {
                sum_denominator(&xs[a], &ys[a], &xs[b], &ys[b])
            }
        }));
        P::invert_all(&mut den, &mut prefix);
        for (&(a, dst), inverse) in pairs.iter().zip(den.iter()) {
            let (a, b, dst) = (a as usize, a as usize + 1, dst as usize);
            let sum = if infinity[a] {
                (!infinity[b]).then(|| (xs[b], ys[b]))
            } else if infinity[b] {
                Some((xs[a], ys[a]))
            } else {
                affine_sum::<P>(&xs[a], &ys[a], &xs[b], &ys[b], inverse)
            };
            match sum {
                Some((x, y)) => (xs[dst], ys[dst], infinity[dst]) = (x, y, false),
                None => infinity[dst] = true,
            }
        }
        for (b, l) in len.iter_mut().enumerate() {
            if *l >= 2 {
                if *l % 2 == 1 {
                    let (from, to) = ((start[b] + *l - 1) as usize, (start[b] + *l / 2) as usize);
                    xs[to] = xs[from];
                    ys[to] = ys[from];
                    infinity[to] = infinity[from];
                }
                *l = l.div_ceil(2);
            }
        }
    }
    (0..len.len())
        .map(|b| {
            let at = start[b] as usize;
            (len[b] == 1 && !infinity[at]).then(|| Affine::new_unchecked(xs[at], ys[at]))
        })
        .collect()
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Slot {
    Empty,
    Full,
    /// Full, with an addition waiting in the batch.
    Pending,
}

/// Buckets kept as affine points and filled straight from a stream of points:
/// each point is added to its bucket in a batch of additions to distinct
/// buckets that share one inversion, so an addition costs about six
/// multiplications, as in `bucket_sums`, but the memory is the buckets and one
/// batch (about 350 KiB for 4,096 G1 buckets: 256 KiB of buckets) instead of
/// every point of the window (8 MiB at 2^17), and stays in cache. A point whose bucket already waits in
/// the batch is deferred to the next one; when deferred points pile up (many
/// points in few buckets), they are summed together by `bucket_sums`, so the
/// memory stays bounded by the batch's capacity.
struct AffineBuckets<P: LemCurve> {
    x: Vec<P::BaseField>,
    y: Vec<P::BaseField>,
    slot: Vec<Slot>,
    /// (bucket, point) additions waiting for the batch's inversion.
    batch: Vec<(u32, P::BaseField, P::BaseField)>,
    deferred: Vec<(u32, P::BaseField, P::BaseField)>,
    den: Vec<P::BaseField>,
    prefix: Vec<P::BaseField>,
    capacity: usize,
}

/// Buckets from which `window_sum` streams (`AffineBuckets`); below, it groups every point first (`bucket_sums`).
const STREAM_MIN_BUCKETS: usize = 1 << 10;

impl<P: LemCurve> AffineBuckets<P> {
    fn new(buckets: usize) -> Self {
        // Expected conflicts: about capacity / (2 · buckets) of the points (1/16); one
        // inversion (a few hundred multiplications) is shared by up to 1,024 additions.
        let capacity = (buckets / 8).clamp(32, 1 << 10);
        Self {
            x: vec![P::BaseField::zero(); buckets],
            y: vec![P::BaseField::zero(); buckets],
            slot: vec![Slot::Empty; buckets],
            batch: Vec::with_capacity(capacity + capacity / 2),
            deferred: Vec::new(),
            den: Vec::with_capacity(capacity + capacity / 2),
            prefix: Vec::with_capacity(capacity + capacity / 2),
            capacity,
        }
    }

    /// Adds the point (x, y) to bucket k (not the point at infinity).
    #[inline]
    fn add(&mut self, k: usize, x: P::BaseField, y: P::BaseField) {
        self.place(k, x, y);
        // Deferred points count too: with few distinct buckets (a top window) the batch
        // would never fill, and every point would wait in memory.
        if self.batch.len() >= self.capacity || self.deferred.len() >= self.capacity {
            self.flush();
        }
    }

    #[inline]
    fn place(&mut self, k: usize, x: P::BaseField, y: P::BaseField) {
        match self.slot[k] {
            Slot::Empty => {
                (self.x[k], self.y[k]) = (x, y);
                self.slot[k] = Slot::Full;
            }
            Slot::Full => {
                self.slot[k] = Slot::Pending;
                self.batch.push((k as u32, x, y));
            }
            Slot::Pending => self.deferred.push((k as u32, x, y)),
        }
    }

    /// Runs the batch's additions, then places the deferred points (or sums
    /// them on their own when they are many).
    fn flush(&mut self) {
        self.run_batch();
        if self.deferred.len() > self.capacity / 2 {
            self.sum_deferred();
        } else {
            let mut deferred = std::mem::take(&mut self.deferred);
            for (k, x, y) in deferred.drain(..) {
                self.place(k as usize, x, y);
            }
            // Points that met each other here wait for the next flush; keep the allocation.
            deferred.append(&mut self.deferred);
            self.deferred = deferred;
        }
    }

    /// The batch's additions, with one inversion.
    fn run_batch(&mut self) {
        if P::add_batch(&mut self.x, &mut self.y, &self.batch) {
            // Only generic additions take that path: none of the sums is the point at infinity.
            for (k, _, _) in &self.batch {
                self.slot[*k as usize] = Slot::Full;
            }
            self.batch.clear();
            return;
        }
        self.den.clear();
        self.den.extend(self.batch.iter().map(|(k, px, py)| sum_denominator(&self.x[*k as usize], &self.y[*k as usize], px, py)));
        P::invert_all(&mut self.den, &mut self.prefix);
        for ((k, px, py), inverse) in self.batch.iter().zip(self.den.iter()) {
            let k = *k as usize;
            match affine_sum::<P>(&self.x[k], &self.y[k], px, py, inverse) {
                Some((x, y)) => {
                    (self.x[k], self.y[k]) = (x, y);
                    self.slot[k] = Slot::Full;
                }
                None => self.slot[k] = Slot::Empty,
            }
        }
        self.batch.clear();
    }

    /// Adds the deferred points (no addition pending) to their buckets, each
    /// bucket's points and current sum together, by pairwise rounds.
    fn sum_deferred(&mut self) {
        debug_assert!(!self.slot.contains(&Slot::Pending), "an addition is pending");
        let mut deferred = std::mem::take(&mut self.deferred);
        deferred.sort_unstable_by_key(|e| e.0);
        let mut xs = Vec::with_capacity(deferred.len() * 2);
        let mut ys = Vec::with_capacity(deferred.len() * 2);
        let (mut buckets, mut start, mut len) = (Vec::new(), Vec::new(), Vec::new());
        for group in deferred.chunk_by(|a, b| a.0 == b.0) {
            let k = group[0].0 as usize;
            start.push(xs.len() as u32);
            if self.slot[k] == Slot::Full {
                xs.push(self.x[k]);
                ys.push(self.y[k]);
            }
            for (_, x, y) in group {
                xs.push(*x);
                ys.push(*y);
            }
            len.push(xs.len() as u32 - start[start.len() - 1]);
            buckets.push(k);
        }
        for (k, sum) in buckets.into_iter().zip(bucket_sums::<P>(&mut xs, &mut ys, &start, &mut len)) {
            match sum {
                Some(p) => {
                    (self.x[k], self.y[k]) = (p.x, p.y);
                    self.slot[k] = Slot::Full;
                }
                None => self.slot[k] = Slot::Empty,
            }
        }
        deferred.clear();
        self.deferred = deferred;
    }

    /// Every bucket's sum, once every addition has been made.
    fn finish(mut self) -> impl DoubleEndedIterator<Item = Option<Affine<P>>> {
        self.run_batch();
        if !self.deferred.is_empty() {
            self.sum_deferred();
        }
        let (x, y, slot) = (self.x, self.y, self.slot);
        slot.into_iter().zip(x.into_iter().zip(y)).map(|(s, (x, y))| (s == Slot::Full).then(|| Affine::new_unchecked(x, y)))
    }
}

/// Σₖ (k + 1)·Bₖ from the bucket sums Bₖ in order, by running sums.
fn weighted_sum<P: SWCurveConfig>(sums: impl DoubleEndedIterator<Item = Option<Affine<P>>>) -> Projective<P> {
    let mut running = Projective::<P>::zero();
    let mut sum = Projective::<P>::zero();
    for bucket in sums.rev() {
        if let Some(p) = bucket {
            running += &p;
        }
        sum += &running;
    }
    sum
}

/// Σ digit·base over one window of one slice of the entries (`entries[k] = (base index,
/// negate)` with scalar magnitude `magnitudes[k]`): Σₖ (k + 1)·Bₖ over the window's buckets,
/// where Bₖ sums the bases whose digit is ±(k + 1); bases at infinity are skipped, and a base
/// is read only when it is added. With many buckets the points are streamed into them
/// (`AffineBuckets`); with few, the entries are walked twice, to count each bucket's points
/// and then to group them, and each group is summed by `bucket_sums`. (Plain loops, not an
/// iterator the two walks share: this is the MSM's innermost loop, and the compiler inlines
/// loops whole.)
fn window_sum<P: LemCurve>(bases: Bases<P>, entries: &[(u32, bool)], magnitudes: &[BigInt<4>], digits: SignedDigits, window: usize) -> Projective<P> {
    let buckets = 1usize << (digits.c - 1);
    if buckets >= STREAM_MIN_BUCKETS {
        let mut acc = AffineBuckets::<P>::new(buckets);
        for (&(i, negate), magnitude) in entries.iter().zip(magnitudes) {
            let d = digits.digit(magnitude, window);
            if d == 0 {
                continue;
            }
            if let Some((x, y)) = bases.get(i as usize) {
                acc.add(d.unsigned_abs() as usize - 1, x, if (d < 0) ^ negate { -y } else { y });
            }
        }
        return weighted_sum(acc.finish());
    }
    // Counted without reading the bases: a base at infinity leaves its slot unused.
    let mut count = vec![0u32; buckets];
    for magnitude in magnitudes {
        let d = digits.digit(magnitude, window);
        if d != 0 {
            count[d.unsigned_abs() as usize - 1] += 1;
        }
    }
    let mut start = vec![0u32; buckets];
    let mut total = 0u32;
    for b in 0..buckets {
        start[b] = total;
        total += count[b];
    }
    let mut xs = vec![P::BaseField::zero(); total as usize];
    let mut ys = vec![P::BaseField::zero(); total as usize];
    let mut fill = start.clone();
    for (&(i, negate), magnitude) in entries.iter().zip(magnitudes) {
        let d = digits.digit(magnitude, window);
        if d == 0 {
            continue;
        }
        let Some((x, y)) = bases.get(i as usize) else {
            continue;
        };
        let b = d.unsigned_abs() as usize - 1;
        let at = fill[b] as usize;
        fill[b] += 1;
        xs[at] = x;
        ys[at] = if (d < 0) ^ negate { -y } else { y };
    }
    for b in 0..buckets {
        count[b] = fill[b] - start[b];
    }
    weighted_sum(bucket_sums::<P>(&mut xs, &mut ys, &start, &mut count).into_iter())
}

/// Σ of per-window sums (`sums`: (window, partial sum) pairs, any number per
/// window), each window worth 2^c of the one below it.
fn combine_windows<P: SWCurveConfig>(sums: impl IntoIterator<Item = (usize, Projective<P>)>, windows: usize, c: u32) -> Projective<P> {
    let mut per_window = vec![Projective::<P>::zero(); windows];
    for (w, s) in sums {
        per_window[w] += s;
    }
    let mut total = Projective::<P>::zero();
    for s in per_window.iter().rev() {
        for _ in 0..c {
            total.double_in_place();
        }
        total += s;
    }
    total
}

/// Pippenger's bucket method with signed digits and batch-affine bucket
/// accumulation. `entries[k] = (base index, negate)`, scalar magnitude
/// `magnitudes[k]` below 2^bits.
fn pippenger<P: LemCurve>(bases: Bases<P>, entries: &[(u32, bool)], magnitudes: &[BigInt<4>], bits: u32) -> Projective<P> {
    let n = entries.len();
    if n == 0 {
        return Projective::zero();
    }
    // Cost model in affine additions: windows · (points + 4 · buckets).
    let c = (2..=16u32).min_by_key(|&c| ((bits + 1).div_ceil(c) as usize) * (n + (4usize << (c - 1)))).unwrap_or(8);
    let windows = (bits + 1).div_ceil(c) as usize;
    let digits = SignedDigits::new(c, windows);
    // Enough independent tasks for the pool: split the points when windows are few.
    let threads = rayon::current_num_threads();
    let parts = if windows >= threads { 1 } else { (2 * threads).div_ceil(windows).min(n.div_ceil(1 << 12)).max(1) };
    let per_part = n.div_ceil(parts);
    let tasks: Vec<(usize, usize)> = (0..parts).flat_map(|p| (0..windows).map(move |w| (p, w))).collect();
    let sums: Vec<(usize, Projective<P>)> = tasks
        .into_par_iter()
        .map(|(p, w)| {
            let from = p * per_part;
            let to = ((p + 1) * per_part).min(n);
            if from >= to {
                return (w, Projective::zero());
            }
            (w, window_sum(bases, &entries[from..to], &magnitudes[from..to], digits, w))
        })
        .collect();
    combine_windows(sums, windows, c)
}

/// Σ scalars[i] · bases[i], cheap for zero, ±1 and small scalars.
pub fn msm_witness<P>(bases: Bases<P>, scalars: &[BigInt<4>]) -> Projective<P>
where
    P: LemCurve<ScalarField = Fr>,
{
    debug_assert_eq!(bases.len(), scalars.len());
    msm_classes(bases, scalars, classify(scalars, None))
}

/// `msm_witness` with the bases a `SubsetTable` holds summed through it (whatever their
/// scalars are this time) and the rest by class.
pub fn msm_witness_with<P>(bases: Bases<P>, scalars: &[BigInt<4>], table: Option<&SubsetTable<P>>) -> Projective<P>
where
    P: LemCurve<ScalarField = Fr>,
{
    let Some(table) = table else {
        return msm_witness(bases, scalars);
    };
    debug_assert_eq!(table.member.len(), bases.len());
    let held: Vec<BigInt<4>> = table.indices.iter().map(|&i| scalars.get(i as usize).copied().unwrap_or_default()).collect();
    let (sum, rest) = rayon::join(|| table.table.msm(&held), || msm_classes(bases, scalars, classify(scalars, Some(&table.member))));
    sum + rest
}

fn msm_classes<P>(bases: Bases<P>, scalars: &[BigInt<4>], classes: Classes) -> Projective<P>
where
    P: LemCurve<ScalarField = Fr>,
{
    let ones: Vec<(u32, bool)> = classes.plus_one.iter().map(|&i| (i, false)).chain(classes.minus_one.iter().map(|&i| (i, true))).collect();
    let one = vec![BigInt::<4>::one(); ones.len()];
    let small: Vec<(u32, bool)> = classes.small.iter().map(|&(i, _, neg)| (i, neg)).collect();
    let small_values: Vec<BigInt<4>> = classes.small.iter().map(|&(_, v, _)| BigInt::from(v)).collect();
    let big: Vec<(u32, bool)> = classes.big.iter().map(|&i| (i, false)).collect();
    let big_values: Vec<BigInt<4>> = classes.big.iter().map(|&i| scalars[i as usize]).collect();
    let (a, (b, c)) = rayon::join(
        || pippenger(bases, &ones, &one, 1),
        || rayon::join(|| pippenger(bases, &small, &small_values, classes.small_bits), || pippenger(bases, &big, &big_values, Fr::MODULUS_BIT_SIZE)),
    );
    a + b + c
}

/// A fixed-base table (`FixedBase`) for the few bases of a witness MSM whose
/// scalars are full-size field elements. In a circuit those are the same wires
/// proof after proof (a hash's internal state, LeNet-5's Poseidon: 4,066 of
/// 93,059 signals), and they cost most of a witness MSM: the zeros, ±1 and
/// small values around them are cheap. The set is taken from one witness; in
/// later ones a held base whose scalar is small still goes through the table
/// (correct, a little slower), and a full-size scalar outside the set goes
/// through plain Pippenger.
pub struct SubsetTable<P: SWCurveConfig> {
    /// The held bases' indices, in order.
    indices: Vec<u32>,
    /// `member[i]`: base i is held (its scalar is left out of the classes).
    member: Vec<bool>,
    table: FixedBase<P>,
}

impl<P: LemCurve<ScalarField = Fr>> SubsetTable<P> {
    /// The table for the bases whose scalars in `scalars` are full-size (and whose
    /// points are not at infinity), within `budget` bytes; None when no layout that
    /// fits pays (see `FixedBase::plan`).
    pub fn build(bases: Bases<P>, scalars: &[BigInt<4>], budget: usize) -> Option<Self> {
        let indices: Vec<u32> = classify(&scalars[..bases.len().min(scalars.len())], None).big.into_iter().filter(|&i| bases.get(i as usize).is_some()).collect();
        let plan = FixedBase::<P>::plan(indices.len(), budget)?;
        let held: Vec<u8> = indices.iter().flat_map(|&i| bases.raw(i as usize)).copied().collect();
        let mut member = vec![false; bases.len()];
        for &i in &indices {
            member[i as usize] = true;
        }
        Some(Self { table: FixedBase::build(Bases::new(&held), plan), indices, member })
    }

    /// Bases held.
    pub fn len(&self) -> usize {
        self.indices.len()
    }

    pub fn is_empty(&self) -> bool {
        self.indices.is_empty()
    }

    /// The table's size in bytes (with its index).
    pub fn bytes(&self) -> usize {
        self.table.bytes() + self.indices.len() * 4 + self.member.len()
    }
}

/// A general MSM (for the H query, whose scalars are uniformly random).
pub fn msm_full<P>(bases: Bases<P>, scalars: &[BigInt<4>]) -> Projective<P>
where
    P: LemCurve<ScalarField = Fr>,
{
    let entries: Vec<(u32, bool)> = (0..bases.len().min(scalars.len()) as u32).map(|i| (i, false)).collect();
    pippenger(bases, &entries, &scalars[..entries.len()], Fr::MODULUS_BIT_SIZE)
}

/// Tables of shifted copies of fixed bases, for MSMs whose bases never change
/// (the H query of a proving key, proof after proof).
///
/// With c-bit signed digits a scalar is Σⱼ dⱼ·2^(c·j) over W windows, so
/// Σᵢ kᵢ·Pᵢ = Σᵢ Σⱼ dᵢⱼ·(2^(c·j)·Pᵢ). Holding the shifted points 2^(c·j)·Pᵢ
/// turns the W window sums of Pippenger into one sum over n·W points with one
/// set of 2^(c−1) buckets: the same n·W bucket additions, but a single bucket
/// reduction and no doublings, so the window can be wider (fewer windows)
/// than plain Pippenger affords, whose every window pays its own reduction.
///
/// Memory is n·W points; a smaller budget keeps every `passes`-th shift only
/// (2^(c·passes·t)·Pᵢ) and runs `passes` sums, combined by c doublings
/// between them (passes reductions instead of one).
pub struct FixedBase<P: SWCurveConfig> {
    c: u32,
    windows: usize,
    passes: usize,
    /// Shifts kept per base: ⌈windows / passes⌉.
    rows: usize,
    n: usize,
    /// `table[i * rows + t] = 2^(c·passes·t) · bases[i]`, affine (x, y): 64 bytes a point, not
    /// the 72 of `Affine` (whose infinity flag would be the same for every shift of a base: a
    /// shift of a point of prime order is the point at infinity only if the point is).
    table: Vec<[P::BaseField; 2]>,
    /// `infinity[i]`: bases[i] is the point at infinity (its entries are skipped).
    infinity: Vec<bool>,
}

/// The layout of a fixed-base table: window width, passes, and its size.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FixedBasePlan {
    pub c: u32,
    pub passes: usize,
    pub bytes: usize,
}

/// Affine additions of a plain Pippenger over n full-size scalars (its own cost model).
fn plain_cost(n: usize, bits: u32) -> usize {
    (2..=16u32).map(|c| ((bits + 1).div_ceil(c) as usize) * (n + (4usize << (c - 1)))).min().unwrap_or(usize::MAX)
}

impl<P: LemCurve<ScalarField = Fr>> FixedBase<P> {
    /// The fastest layout whose table fits in `budget` bytes, in affine
    /// additions as `pippenger` counts them (a bucket reduction costs about
    /// four per bucket), or None when no layout that fits beats plain
    /// Pippenger by at least 5% (then the table is not worth its memory).
    /// Windows stop at 16 bits: wider ones need more than 2 MiB of buckets,
    /// which leave the core's cache (measured at 2^17, one thread: c = 15 and
    /// 16 take 420–430 ms, c = 17 445–475 ms).
    pub fn plan(n: usize, budget: usize) -> Option<FixedBasePlan> {
        if n == 0 {
            return None;
        }
        let bits = Fr::MODULUS_BIT_SIZE;
        let point = std::mem::size_of::<[P::BaseField; 2]>();
        let mut best: Option<(usize, FixedBasePlan)> = None;
        for c in 8..=16u32 {
            let windows = (bits + 1).div_ceil(c) as usize;
            for passes in 1..=windows {
                let rows = windows.div_ceil(passes);
                let bytes = n.saturating_mul(rows).saturating_mul(point).saturating_add(n);
                if bytes > budget {
                    continue;
                }
                // Every shifted point is added once; one bucket reduction per pass.
                let cost = n * windows + passes * (4usize << (c - 1));
                if best.map_or(true, |(b, _)| cost < b) {
                    best = Some((cost, FixedBasePlan { c, passes, bytes }));
                }
                // Fewer passes only cost more memory: the first that fits is this c's best.
                break;
            }
        }
        let (cost, plan) = best?;
        (cost * 100 < plain_cost(n, bits) * 95).then_some(plan)
    }

    /// Builds the table (≈ 254 doublings per base, in parallel).
    pub fn build(bases: Bases<P>, plan: FixedBasePlan) -> Self {
        let c = plan.c;
        let windows = (Fr::MODULUS_BIT_SIZE + 1).div_ceil(c) as usize;
        let passes = plan.passes.clamp(1, windows);
        let rows = windows.div_ceil(passes);
        let shift = c as usize * passes;
        let n = bases.len();
        let per_task = 1usize << 10;
        let mut table = vec![[P::BaseField::zero(); 2]; n * rows];
        table.par_chunks_mut(per_task * rows).enumerate().for_each(|(task, out)| {
            let points = task * per_task..((task + 1) * per_task).min(n);
            let mut shifted: Vec<Projective<P>> = Vec::with_capacity(points.len() * rows);
            for i in points {
                let mut q: Projective<P> = bases.affine(i).into();
                for t in 0..rows {
                    if t > 0 {
                        for _ in 0..shift {
                            q.double_in_place();
                        }
                    }
                    shifted.push(q);
                }
            }
            for (o, p) in out.iter_mut().zip(Projective::<P>::normalize_batch(&shifted)) {
                *o = [p.x, p.y];
            }
        });
        let infinity = (0..n).map(|i| bases.get(i).is_none()).collect();
        Self { c, windows, passes, rows, n, table, infinity }
    }

    /// Bases the table was built for.
    pub fn len(&self) -> usize {
        self.n
    }

    pub fn is_empty(&self) -> bool {
        self.n == 0
    }

    /// The table's size in bytes.
    pub fn bytes(&self) -> usize {
        self.table.len() * std::mem::size_of::<[P::BaseField; 2]>() + self.infinity.len()
    }

    pub fn plan_used(&self) -> FixedBasePlan {
        FixedBasePlan { c: self.c, passes: self.passes, bytes: self.bytes() }
    }

    /// Σ scalars[i] · bases[i] (scalars beyond the bases are ignored, missing ones are zero).
    ///
    /// Each task takes a run of bases and, pass after pass, streams their
    /// shifted points into one set of buckets (`AffineBuckets`, 2 MiB at
    /// c = 16), reading the table in order, base after base; the tasks' bucket
    /// reductions are then added (linear, so no bucket-by-bucket merge). Tasks
    /// are one per thread, fewer when a task's points would not outnumber its
    /// buckets fourfold (each task pays a whole reduction).
    pub fn msm(&self, scalars: &[BigInt<4>]) -> Projective<P> {
        let n = self.n.min(scalars.len());
        if n == 0 {
            return Projective::zero();
        }
        let (c, windows, passes, rows) = (self.c, self.windows, self.passes, self.rows);
        let digits = SignedDigits::new(c, windows);
        let buckets = 1usize << (c - 1);
        let tasks = rayon::current_num_threads().min((n * rows).div_ceil(4 * buckets)).max(1);
        let per_task = n.div_ceil(tasks);
        let sums: Vec<(usize, Projective<P>)> = (0..tasks)
            .into_par_iter()
            .flat_map_iter(|t| {
                let bases = t * per_task..((t + 1) * per_task).min(n);
                // Pass o: windows o, o + passes, …, each base's row entry j / passes.
                (0..passes).map(move |o| {
                    let mut acc = AffineBuckets::<P>::new(buckets);
                    for i in bases.clone() {
                        if self.infinity[i] {
                            continue;
                        }
                        let row = &self.table[i * rows..(i + 1) * rows];
                        for j in (o..windows).step_by(passes) {
                            let d = digits.digit(&scalars[i], j);
                            if d == 0 {
                                continue;
                            }
                            let p = &row[j / passes];
                            acc.add(d.unsigned_abs() as usize - 1, p[0], if d < 0 { -p[1] } else { p[1] });
                        }
                    }
                    (o, weighted_sum(acc.finish()))
                })
            })
            .collect();
        combine_windows(sums, passes, c)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::points::lem_points;
    use ark_bn254::{G1Affine, G1Projective, G2Affine, G2Projective};
    use ark_ec::{CurveGroup, PrimeGroup, VariableBaseMSM};
    use ark_ff::UniformRand;
    use ark_std::rand::{rngs::StdRng, Rng, SeedableRng};

    fn scalars(n: usize, rng: &mut StdRng) -> Vec<Fr> {
        (0..n)
            .map(|i| match i % 7 {
                0 | 1 => Fr::zero(),
                2 => Fr::from(1u64),
                3 => -Fr::from(1u64),
                4 => Fr::from(rng.gen::<u16>() as u64),
                5 => -Fr::from(rng.gen::<u32>() as u64),
                _ => Fr::rand(rng),
            })
            .collect()
    }

    #[test]
    fn matches_the_general_msm() {
        let mut rng = StdRng::seed_from_u64(7);
        let n = 3000;
        let g1: Vec<G1Affine> = (0..n).map(|_| (G1Projective::generator() * Fr::rand(&mut rng)).into_affine()).collect();
        let g2: Vec<G2Affine> = (0..n).map(|_| (G2Projective::generator() * Fr::rand(&mut rng)).into_affine()).collect();
        let s = scalars(n, &mut rng);
        let b: Vec<BigInt<4>> = s.iter().map(|x| x.into_bigint()).collect();
        assert_eq!(msm_witness(Bases::new(&lem_points(&g1)), &b), G1Projective::msm(&g1, &s).unwrap());
        assert_eq!(msm_full(Bases::new(&lem_points(&g1)), &b), G1Projective::msm(&g1, &s).unwrap());
        assert_eq!(msm_witness(Bases::new(&lem_points(&g2)), &b), G2Projective::msm(&g2, &s).unwrap());
        let only_small: Vec<Fr> = (0..n).map(|i| Fr::from((i * 37 % 300) as u64)).collect();
        let bs: Vec<BigInt<4>> = only_small.iter().map(|x| x.into_bigint()).collect();
        assert_eq!(msm_witness(Bases::new(&lem_points(&g1)), &bs), G1Projective::msm(&g1, &only_small).unwrap());
    }

    #[test]
    fn handles_equal_and_opposite_points() {
        let mut rng = StdRng::seed_from_u64(9);
        let p = (G1Projective::generator() * Fr::rand(&mut rng)).into_affine();
        let q = -p;
        let bases: Vec<G1Affine> = (0..2000).map(|i| if i % 3 == 0 { q } else { p }).chain([G1Affine::identity()]).collect();
        let s: Vec<Fr> = (0..bases.len()).map(|i| Fr::from((i % 5) as u64) - Fr::from(2u64)).collect();
        let b: Vec<BigInt<4>> = s.iter().map(|x| x.into_bigint()).collect();
        assert_eq!(msm_witness(Bases::new(&lem_points(&bases)), &b), G1Projective::msm(&bases, &s).unwrap());
        assert_eq!(msm_full(Bases::new(&lem_points(&bases)), &b), G1Projective::msm(&bases, &s).unwrap());
    }
}

#[cfg(test)]
mod bucket_tests {
    use super::*;
    use ark_bn254::{g1, G1Affine, G1Projective};
    use ark_ec::{CurveGroup, PrimeGroup};
    use ark_ff::UniformRand;
    use ark_std::rand::{rngs::StdRng, Rng, SeedableRng};

    /// Streams (bucket, point) into `AffineBuckets` and checks every bucket against a plain sum.
    fn check(buckets: usize, points: &[(usize, G1Affine)]) {
        let mut acc = AffineBuckets::<g1::Config>::new(buckets);
        let mut expected = vec![G1Projective::zero(); buckets];
        for (k, p) in points {
            acc.add(*k, p.x, p.y);
            expected[*k] += p;
        }
        let got: Vec<Option<G1Affine>> = acc.finish().collect();
        for (k, (g, e)) in got.iter().zip(&expected).enumerate() {
            assert_eq!(g.map_or(G1Projective::zero(), |p| p.into()), *e, "bucket {k} of {buckets}");
        }
    }

    fn random_points(n: usize, rng: &mut StdRng) -> Vec<G1Affine> {
        let g = G1Projective::generator();
        G1Projective::normalize_batch(&(0..n).map(|_| g * Fr::rand(rng)).collect::<Vec<_>>())
    }

    #[test]
    fn spread_points_match_plain_sums() {
        let mut rng = StdRng::seed_from_u64(11);
        for buckets in [1usize, 3, 64, 1 << 10, 1 << 12] {
            let pts = random_points(20_000, &mut rng);
            let stream: Vec<(usize, G1Affine)> = pts.into_iter().map(|p| (rng.gen_range(0..buckets), p)).collect();
            check(buckets, &stream);
        }
    }

    #[test]
    fn piled_up_points_equal_and_opposite_points() {
        let mut rng = StdRng::seed_from_u64(12);
        let pts = random_points(64, &mut rng);
        let p = pts[0];
        // All in one bucket of many: every point after the first waits (deferred), then is summed pairwise.
        check(1 << 12, &(0..5_000).map(|i| (0, pts[i % pts.len()])).collect::<Vec<_>>());
        // Doublings (p + p), cancellations (p + −p: the bucket empties, then fills again), in batches and deferred.
        let mut stream = Vec::new();
        for i in 0..6_000 {
            let k = i % 7;
            stream.push((k, if i % 3 == 0 { -p } else { p }));
            stream.push((k + 100, pts[i % 5]));
            stream.push((k + 100, -pts[i % 5]));
        }
        check(1 << 11, &stream);
        // A hot bucket among spread ones: its deferred points pile up between flushes and are
        // summed pairwise mid-stream, while the other buckets go on in batches.
        let spread = random_points(4_000, &mut rng);
        let hot: Vec<(usize, G1Affine)> = (0..8_000).map(|i| if i % 2 == 0 { (0, pts[i % 64]) } else { (1 + rng.gen_range(0..1023), spread[i / 2]) }).collect();
        check(1 << 10, &hot);
        // A bucket that sums to zero in the end.
        check(1 << 10, &[(5, p), (5, p), (5, -p), (5, -p), (6, p)]);
    }
}

#[cfg(test)]
mod subset_table_tests {
    use super::*;
    use crate::points::lem_points;
    use ark_bn254::{G1Affine, G1Projective, G2Affine, G2Projective};
    use ark_ec::{CurveGroup, PrimeGroup};
    use ark_ff::UniformRand;
    use ark_std::rand::{rngs::StdRng, Rng, SeedableRng};

    /// A witness-like vector: mostly zeros, ±1 and small values, every `every`-th full-size.
    fn witness(n: usize, every: usize, rng: &mut StdRng) -> Vec<BigInt<4>> {
        (0..n)
            .map(|i| match (i % every == 0, i % 4) {
                (true, _) => Fr::rand(rng),
                (false, 0) => Fr::zero(),
                (false, 1) => -Fr::one(),
                (false, 2) => Fr::from(rng.gen::<u16>() as u64),
                _ => Fr::one(),
            })
            .map(|x| x.into_bigint())
            .collect()
    }

    #[test]
    fn a_table_of_one_witness_serves_another() {
        let mut rng = StdRng::seed_from_u64(21);
        let n = 6000;
        let g1 = G1Projective::generator();
        let mut bases: Vec<G1Affine> = G1Projective::normalize_batch(&(0..n).map(|_| g1 * Fr::rand(&mut rng)).collect::<Vec<_>>());
        bases[0] = G1Affine::identity();
        bases[14] = G1Affine::identity();
        let first = witness(n, 7, &mut rng);
        let table = SubsetTable::build(Bases::<ark_bn254::g1::Config>::new(&lem_points(&bases)), &first, usize::MAX).expect("full-size scalars at every 7th base pay for a table");
        assert!(table.len() > 800 && table.len() < 860, "{} bases held", table.len());
        assert!(!table.member[0] && !table.member[14], "points at infinity are not held");
        assert_eq!(msm_witness_with(Bases::new(&lem_points(&bases)), &first, Some(&table)), msm_witness(Bases::new(&lem_points(&bases)), &first));
        // Another witness: full-size scalars elsewhere (every 5th), held bases with small or zero scalars.
        let second = witness(n, 5, &mut rng);
        assert_eq!(msm_witness_with(Bases::new(&lem_points(&bases)), &second, Some(&table)), msm_witness(Bases::new(&lem_points(&bases)), &second));
        // Scalars shorter than the bases: the held bases past them count as zero.
        let short = &second[..n - 10];
        let padded: Vec<BigInt<4>> = short.iter().copied().chain(std::iter::repeat(BigInt::zero()).take(10)).collect();
        assert!(table.indices.iter().any(|&i| i as usize >= n - 10), "a held base past the short scalars");
        assert_eq!(msm_witness_with(Bases::new(&lem_points(&bases)), short, Some(&table)), msm_witness(Bases::new(&lem_points(&bases)), &padded));
        // G2, as B2.
        let g2 = G2Projective::generator();
        let b2: Vec<G2Affine> = G2Projective::normalize_batch(&(0..1500).map(|_| g2 * Fr::rand(&mut rng)).collect::<Vec<_>>());
        let w = witness(1500, 3, &mut rng);
        let table2 = SubsetTable::build(Bases::<ark_bn254::g2::Config>::new(&lem_points(&b2)), &w, usize::MAX).expect("a G2 table pays too");
        let other = witness(1500, 4, &mut rng);
        assert_eq!(msm_witness_with(Bases::new(&lem_points(&b2)), &other, Some(&table2)), msm_witness(Bases::new(&lem_points(&b2)), &other));
        // No full-size scalar: nothing to hold.
        assert!(SubsetTable::build(Bases::<ark_bn254::g1::Config>::new(&lem_points(&bases)), &vec![BigInt::from(3u64); n], usize::MAX).is_none());
    }
}

#[cfg(test)]
mod fixed_base_tests {
    use super::*;
    use crate::points::lem_points;
    use ark_bn254::{G1Affine, G1Projective};
    use ark_ec::{CurveGroup, PrimeGroup, VariableBaseMSM};
    use ark_ff::UniformRand;
    use ark_std::rand::{rngs::StdRng, Rng, SeedableRng};

    fn points(n: usize, rng: &mut StdRng) -> Vec<G1Affine> {
        let step = G1Projective::generator() * Fr::rand(rng);
        let mut acc = G1Projective::generator();
        let proj: Vec<G1Projective> = (0..n).map(|_| { acc += step; acc }).collect();
        G1Projective::normalize_batch(&proj)
    }

    /// Random scalars with the edge cases mixed in: zero, one, r − 1 (the largest), −2, 2^253.
    fn edgy(n: usize, rng: &mut StdRng) -> Vec<Fr> {
        (0..n)
            .map(|i| match i % 9 {
                0 => Fr::zero(),
                1 => -Fr::one(),
                2 => Fr::one(),
                3 => -Fr::from(2u64),
                4 => Fr::from(BigInt::<4>::from(1u64) << 253u32),
                5 => Fr::from(rng.gen::<u32>() as u64),
                _ => Fr::rand(rng),
            })
            .collect()
    }

    fn check(bases: &[G1Affine], s: &[Fr], plan: FixedBasePlan) {
        let b: Vec<BigInt<4>> = s.iter().map(|x| x.into_bigint()).collect();
        let table = FixedBase::build(Bases::new(&lem_points(&bases)), plan);
        let expected = G1Projective::msm(bases, s).unwrap();
        assert_eq!(table.msm(&b), expected, "n = {}, c = {}, passes = {}", bases.len(), plan.c, plan.passes);
        assert_eq!(table.msm(&b), msm_full(Bases::new(&lem_points(&bases)), &b));
    }

    #[test]
    fn matches_the_plain_msm_for_every_layout() {
        let mut rng = StdRng::seed_from_u64(11);
        for n in [1usize, 2, 3, 17, 1000, 3001] {
            let bases = points(n, &mut rng);
            let s = edgy(n, &mut rng);
            for (c, passes) in [(8u32, 1usize), (11, 1), (13, 3), (16, 1), (16, 2), (9, 29)] {
                check(&bases, &s, FixedBasePlan { c, passes, bytes: 0 });
            }
        }
    }

    #[test]
    fn handles_zero_scalars_infinity_and_repeated_points() {
        let mut rng = StdRng::seed_from_u64(12);
        let p = points(1, &mut rng)[0];
        let bases: Vec<G1Affine> = (0..700).map(|i| match i % 4 { 0 => p, 1 => -p, 2 => G1Affine::identity(), _ => p }).collect();
        let plan = FixedBasePlan { c: 10, passes: 2, bytes: 0 };
        check(&bases, &vec![Fr::zero(); bases.len()], plan);
        check(&bases, &vec![-Fr::one(); bases.len()], plan);
        check(&bases, &edgy(bases.len(), &mut rng), plan);
        // Fewer scalars than bases: the rest count as zero.
        let table = FixedBase::build(Bases::new(&lem_points(&bases)), plan);
        assert_eq!(table.msm(&[]), G1Projective::zero());
        let one = [Fr::from(5u64).into_bigint()];
        assert_eq!(table.msm(&one), G1Projective::from(p) * Fr::from(5u64));
    }

    #[test]
    fn plans_fit_the_budget_or_fall_back() {
        let n = 1 << 17;
        let point = std::mem::size_of::<[ark_bn254::Fq; 2]>();
        let roomy = FixedBase::<ark_bn254::g1::Config>::plan(n, usize::MAX).expect("a table pays off at 2^17");
        assert!(roomy.c > 13 && roomy.passes == 1, "{roomy:?}");
        let tight = FixedBase::<ark_bn254::g1::Config>::plan(n, n * point * 6).expect("six shifts per base still pay off");
        assert!(tight.bytes <= n * point * 6 && tight.passes > 1, "{tight:?}");
        assert_eq!(FixedBase::<ark_bn254::g1::Config>::plan(n, n * point), None, "one shift per base is plain Pippenger");
        assert_eq!(FixedBase::<ark_bn254::g1::Config>::plan(0, usize::MAX), None);
    }
}

#[cfg(test)]
mod fixed_base_bench {
    use super::*;
    use crate::points::lem_points;
    use ark_bn254::G1Projective;
    use ark_ec::{CurveGroup, PrimeGroup};
    use ark_ff::UniformRand;

    /// `cargo test --release --lib msm::fixed_base_bench -- --ignored --nocapture` (GLASSBOX_MSM_N, default 2^17).
    #[test]
    #[ignore]
    fn h_query_with_a_table() {
        let n: usize = std::env::var("GLASSBOX_MSM_N").ok().and_then(|s| s.parse().ok()).unwrap_or(1 << 17);
        let mut rng = ark_std::test_rng();
        let step = G1Projective::generator() * Fr::rand(&mut rng);
        let mut acc = G1Projective::generator();
        let proj: Vec<G1Projective> = (0..n).map(|_| { acc += step; acc }).collect();
        let bases = G1Projective::normalize_batch(&proj);
        let b: Vec<BigInt<4>> = (0..n).map(|_| Fr::rand(&mut rng).into_bigint()).collect();
        let threads = rayon::current_num_threads();
        let plan = match std::env::var("GLASSBOX_MSM_PLAN").ok().and_then(|s| s.split_once(',').map(|(c, p)| (c.parse().ok(), p.parse().ok()))) {
            Some((Some(c), Some(passes))) => FixedBasePlan { c, passes, bytes: 0 },
            _ => FixedBase::<ark_bn254::g1::Config>::plan(n, usize::MAX).expect("a table pays at this size"),
        };
        let t = std::time::Instant::now();
        let table = FixedBase::build(Bases::<ark_bn254::g1::Config>::new(&lem_points(&bases)), plan);
        eprintln!("n={n} threads={threads} c={} passes={}: build {:?}, {} MiB", plan.c, plan.passes, t.elapsed(), table.bytes() >> 20);
        // Interleaved, so that the machine's other load hits both alike; CPU time (all threads of
        // the process, /proc/self/stat) beside wall time, as it moves less with that load.
        let cpu_ms = || -> f64 {
            let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
            let fields: Vec<&str> = stat.rsplit(')').next().unwrap_or("").split_whitespace().collect();
            let ticks: f64 = fields.get(11).and_then(|u| u.parse::<f64>().ok()).unwrap_or(0.0) + fields.get(12).and_then(|s| s.parse::<f64>().ok()).unwrap_or(0.0);
            ticks * 10.0
        };
        for _ in 0..6 {
            let (t, c0) = (std::time::Instant::now(), cpu_ms());
            let plain = msm_full(Bases::new(&lem_points(&bases)), &b);
            let (p, pc) = (t.elapsed(), cpu_ms() - c0);
            let (t, c0) = (std::time::Instant::now(), cpu_ms());
            let ours = table.msm(&b);
            eprintln!("  plain {p:?} (CPU {pc} ms), table {:?} (CPU {} ms)", t.elapsed(), cpu_ms() - c0);
            assert_eq!(ours, plain);

        }
    }
}

#[cfg(test)]
mod large_tests {
    use super::*;
    use crate::points::lem_points;
    use ark_bn254::{G1Affine, G1Projective};
    use ark_ec::{CurveGroup, PrimeGroup, VariableBaseMSM};
    use ark_ff::UniformRand;
    use ark_std::rand::{rngs::StdRng, Rng, SeedableRng};

    #[test]
    fn full_size_random() {
        let mut rng = StdRng::seed_from_u64(3);
        for (n, bits) in [(100usize, 31u32), (1000, 31), (3000, 31), (3000, 16), (8191, 20), (8191, 31), (1usize << 12, 254), (1 << 15, 254)] {
            let g = G1Projective::generator();
            let step = g * Fr::rand(&mut rng);
            let mut acc = g;
            let proj: Vec<G1Projective> = (0..n).map(|_| { acc += step; acc }).collect();
            let mut bases = G1Projective::normalize_batch(&proj);
            // Bases at infinity (skipped) and negated entries, in the streaming path (c ≥ 11 from 2^15) and the grouping one.
            for i in (3..n).step_by(7) {
                bases[i] = G1Affine::identity();
            }
            let s: Vec<Fr> = (0..n).map(|_| if bits == 254 { Fr::rand(&mut rng) } else { Fr::from(rng.gen::<u32>() >> (32 - bits)) }).collect();
            let b: Vec<BigInt<4>> = s.iter().map(|x| x.into_bigint()).collect();
            let lem = lem_points(&bases);
            let t = std::time::Instant::now();
            let entries: Vec<(u32, bool)> = (0..n as u32).map(|i| (i, i % 5 == 0)).collect();
            let ours = pippenger(Bases::new(&lem), &entries, &b, bits);
            let ours_t = t.elapsed();
            let signed: Vec<Fr> = s.iter().enumerate().map(|(i, x)| if i % 5 == 0 { -*x } else { *x }).collect();
            let t = std::time::Instant::now();
            let theirs = G1Projective::msm(&bases, &signed).unwrap();
            eprintln!("n={n}: ours {:?}, arkworks {:?}", ours_t, t.elapsed());
            assert_eq!(ours, theirs, "n = {n}, bits = {bits}");
        }
    }
}
#[cfg(test)]
mod digit_tests {
    use super::*;
    use crate::points::lem_points;
    use ark_bn254::G1Projective;
    use ark_ec::{CurveGroup, PrimeGroup};
    use ark_ff::UniformRand;
    use ark_std::rand::{rngs::StdRng, SeedableRng};

    /// The digits as the prover once computed them, window after window with a running carry:
    /// the reference for `SignedDigits`.
    fn signed_digits(magnitudes: &[BigInt<4>], c: u32, windows: usize) -> Vec<i32> {
        let mut digits = vec![0i32; magnitudes.len() * windows];
        let half = 1i64 << (c - 1);
        let full = 1i64 << c;
        digits.par_chunks_mut(windows).zip(magnitudes.par_iter()).with_min_len(1 << 10).for_each(|(out, s)| {
            let mut carry = 0i64;
            for (j, d) in out.iter_mut().enumerate() {
                let value = window_bits(s, j * c as usize, c) as i64 + carry;
                // The top window holds at most c − 1 bits of the scalar (windows = ⌈(bits + 1)/c⌉),
                // so with the carry it is at most 2^(c−1): a bucket, kept positive.
                if value >= half && j + 1 < windows {
                    *d = (value - full) as i32;
                    carry = 1;
                } else {
                    *d = value as i32;
                    carry = 0;
                }
            }
        });
        digits
    }

    #[test]
    fn each_digit_alone_equals_the_running_carry() {
        let mut rng = StdRng::seed_from_u64(11);
        let mut scalars: Vec<BigInt<4>> = (0..2000).map(|_| Fr::rand(&mut rng).into_bigint()).collect();
        scalars.extend([BigInt::zero(), BigInt::one(), (-Fr::one()).into_bigint(), BigInt::new([u64::MAX, u64::MAX, u64::MAX, 0]), BigInt::new([u64::MAX, 0, u64::MAX, 0]), BigInt::new([0, u64::MAX, 0, 1 << 61])]);
        // Pippenger takes c up to 16, the fixed-base table up to 20.
        for c in 2..=20u32 {
            let windows = (Fr::MODULUS_BIT_SIZE + 1).div_ceil(c) as usize;
            let reference = signed_digits(&scalars, c, windows);
            let digits = SignedDigits::new(c, windows);
            for (k, s) in scalars.iter().enumerate().filter(|(_, s)| **s < Fr::MODULUS) {
                for j in 0..windows {
                    assert_eq!(digits.digit(s, j), reference[k * windows + j], "c = {c}, window {j}, scalar {k}");
                }
            }
        }
        // Small scalars (the witness MSMs' classes) at their own bit sizes.
        for bits in [1u32, 8, 31, 64] {
            let small: Vec<BigInt<4>> = (0..500u64).map(|v| BigInt::from(v.wrapping_mul(0x9e37_79b9_7f4a_7c15) & (u64::MAX >> (64 - bits)))).collect();
            for c in 2..=16u32 {
                let windows = (bits + 1).div_ceil(c) as usize;
                let reference = signed_digits(&small, c, windows);
                let digits = SignedDigits::new(c, windows);
                for (k, s) in small.iter().enumerate() {
                    for j in 0..windows {
                        assert_eq!(digits.digit(s, j), reference[k * windows + j], "bits {bits}, c = {c}, window {j}");
                    }
                }
            }
        }
    }

    #[test]
    fn carries_out_of_the_top_window() {
        let g = G1Projective::generator();
        let bases = vec![g.into_affine(), (g * Fr::from(7u64)).into_affine()];
        for v in [1u64, 5, 200, 1 << 30, (1 << 31) - 1, 123456789] {
            let entries = vec![(0u32, false)];
            let b = vec![BigInt::<4>::from(v)];
            let ours = pippenger(Bases::new(&lem_points(&bases)), &entries, &b, 31);
            let d = signed_digits(&b, 4, 8);
            assert_eq!(ours, g * Fr::from(v), "v = {v}, digits {d:?}");
        }
    }
}

#[cfg(test)]
mod bench {
    use super::*;
    use crate::points::lem_points;
    use ark_bn254::G1Projective;
    use ark_ec::{CurveGroup, PrimeGroup, VariableBaseMSM};
    use ark_ff::UniformRand;

    /// `cargo test --release --lib msm::bench -- --ignored --nocapture` (GLASSBOX_MSM_N, GLASSBOX_MSM_THREADS).
    #[test]
    #[ignore]
    fn h_query_size() {
        let n: usize = std::env::var("GLASSBOX_MSM_N").ok().and_then(|s| s.parse().ok()).unwrap_or(1 << 18);
        let threads: usize = std::env::var("GLASSBOX_MSM_THREADS").ok().and_then(|s| s.parse().ok()).unwrap_or(1);
        let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
        let mut rng = ark_std::test_rng();
        let step = G1Projective::generator() * Fr::rand(&mut rng);
        let mut acc = G1Projective::generator();
        let proj: Vec<G1Projective> = (0..n).map(|_| { acc += step; acc }).collect();
        let bases = G1Projective::normalize_batch(&proj);
        let s: Vec<Fr> = (0..n).map(|_| Fr::rand(&mut rng)).collect();
        let b: Vec<BigInt<4>> = s.iter().map(|x| x.into_bigint()).collect();
        let lem = lem_points(&bases);
        pool.install(|| {
            for _ in 0..2 {
                let t = std::time::Instant::now();
                let ours = msm_full(Bases::new(&lem), &b);
                let o = t.elapsed();
                let t = std::time::Instant::now();
                let theirs = G1Projective::msm(&bases, &s).unwrap();
                eprintln!("n={n} threads={threads}: ours {o:?}, arkworks {:?}", t.elapsed());
                assert_eq!(ours, theirs);
            }
        });
    }
}

