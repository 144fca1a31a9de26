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
//! filled by batch-affine additions (one shared inversion per round): about
//! six field multiplications per addition instead of eleven. On full-size
//! scalars that measured 1.1–1.4× faster than arkworks' MSM on this machine
//! (`cargo test --release --lib msm::bench -- --ignored --nocapture`); the
//! large gains come from the classes above.
//!
//! Negative values use the negated base (free in affine form), so −1 and −5
//! are as cheap as 1 and 5.

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

fn classify(scalars: &[BigInt<4>]) -> Classes {
    let half = half_modulus();
    let modulus = Fr::MODULUS;
    let parts: Vec<Classes> = scalars
        .par_chunks(CHUNK * 4)
        .enumerate()
        .map(|(chunk, values)| {
            let mut out = Classes::default();
            for (j, s) in values.iter().enumerate() {
                let i = (chunk * CHUNK * 4 + j) as u32;
                if s.is_zero() {
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

    #[inline]
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

/// The sum of each bucket's affine points, by pairwise batch-affine additions:
/// every round adds disjoint pairs inside every bucket, sharing one field
/// inversion across the round (Montgomery's trick), so an addition costs about
/// six multiplications instead of the eleven of a mixed addition.
fn bucket_sums<P: SWCurveConfig>(xs: &mut [P::BaseField], ys: &mut [P::BaseField], start: &[u32], len: &mut [u32]) -> Vec<Option<Affine<P>>> {
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
        for &(a, _) in &pairs {
            let (a, b) = (a as usize, a as usize + 1);
            let d = if infinity[a] || infinity[b] {
                P::BaseField::one()
            } else if xs[a] != xs[b] {
                xs[b] - xs[a]
            } else if ys[a] == ys[b] && !ys[a].is_zero() {
                ys[a].double()
            } else {
                P::BaseField::one()
            };
            den.push(d);
        }
        // Montgomery's trick: one inversion for the whole round.
        prefix.clear();
        let mut acc = P::BaseField::one();
        for d in &den {
            prefix.push(acc);
            acc *= d;
        }
        let mut inv = acc.inverse().expect("denominators are non-zero");
        for i in (0..den.len()).rev() {
            let d_inv = inv * prefix[i];
            inv *= den[i];
            den[i] = d_inv;
        }
        for (&(a, dst), d_inv) in pairs.iter().zip(den.iter()) {
            let (a, b, dst) = (a as usize, a as usize + 1, dst as usize);
            let (x, y, inf) = if infinity[a] {
                (xs[b], ys[b], infinity[b])
            } else if infinity[b] {
                (xs[a], ys[a], false)
            } else if xs[a] != xs[b] {
                let lambda = (ys[b] - ys[a]) * d_inv;
                let x3 = lambda.square() - xs[a] - xs[b];
                (x3, lambda * (xs[a] - x3) - ys[a], false)
            } else if ys[a] == ys[b] && !ys[a].is_zero() {
                let x2 = xs[a].square();
                let lambda = (x2.double() + x2 + P::COEFF_A) * d_inv;
                let x3 = lambda.square() - xs[a].double();
                (x3, lambda * (xs[a] - x3) - ys[a], false)
            } else {
                (xs[a], ys[a], true)
            };
            xs[dst] = x;
            ys[dst] = y;
            infinity[dst] = inf;
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

/// Σ digit·base over one window of one slice of the entries.
fn window_sum<P: SWCurveConfig>(bases: &[Affine<P>], entries: &[(u32, bool)], magnitudes: &[BigInt<4>], digits: SignedDigits, window: usize) -> Projective<P> {
    let points = || {
        entries.iter().enumerate().filter_map(move |(k, &(i, negate))| {
            let d = digits.digit(&magnitudes[k], window);
            let p = &bases[i as usize];
            (d != 0 && !p.infinity).then(|| (d.unsigned_abs() as usize - 1, &p.x, &p.y, (d < 0) ^ negate))
        })
    };
    bucket_method::<P, _>(points, 1 << (digits.c - 1)).0
}

/// The bucket method's core over `buckets` buckets: Σₖ (k + 1)·Bₖ, and Σₖ Bₖ,
/// where Bₖ sums the affine points `points()` yields as (bucket k, x, y,
/// negate). `points` is called twice, to count the points and then to place
/// them; the buckets are summed by batch-affine additions (`bucket_sums`).
fn bucket_method<'a, P, I>(points: impl Fn() -> I, buckets: usize) -> (Projective<P>, Projective<P>)
where
    P: SWCurveConfig,
    I: Iterator<Item = (usize, &'a P::BaseField, &'a P::BaseField, bool)>,
{
    let mut count = vec![0u32; buckets];
    for (b, ..) in points() {
        count[b] += 1;
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
    for (b, x, y, negate) in points() {
        let at = fill[b] as usize;
        fill[b] += 1;
        xs[at] = *x;
        ys[at] = if negate { -*y } else { *y };
    }
    let sums = bucket_sums::<P>(&mut xs, &mut ys, &start, &mut count);
    let mut running = Projective::<P>::zero();
    let mut sum = Projective::<P>::zero();
    for bucket in sums.iter().rev() {
        if let Some(p) = bucket {
            running += p;
        }
        sum += &running;
    }
    (sum, running)
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
fn pippenger<P: SWCurveConfig>(bases: &[Affine<P>], entries: &[(u32, bool)], magnitudes: &[BigInt<4>], bits: u32) -> Projective<P> {
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
pub fn msm_witness<P>(bases: &[Affine<P>], scalars: &[BigInt<4>]) -> Projective<P>
where
    P: SWCurveConfig<ScalarField = Fr>,
{
    debug_assert_eq!(bases.len(), scalars.len());
    let classes = classify(scalars);
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

/// A general MSM (for the H query, whose scalars are uniformly random).
pub fn msm_full<P>(bases: &[Affine<P>], scalars: &[BigInt<4>]) -> Projective<P>
where
    P: SWCurveConfig<ScalarField = Fr>,
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

/// Points one bucket range fills at once (8 MiB of coordinates): about what
/// one window of plain Pippenger fills at 2^17, which stays in cache.
const RANGE_ENTRIES: usize = 1 << 17;

/// Affine additions of a plain Pippenger over n full-size scalars (its own cost model).
fn plain_cost(n: usize, bits: u32) -> usize {
    (2..=16u32).map(|c| ((bits + 1).div_ceil(c) as usize) * (n + (4usize << (c - 1)))).min().unwrap_or(usize::MAX)
}

impl<P: SWCurveConfig<ScalarField = Fr>> FixedBase<P> {
    /// The fastest layout whose table fits in `budget` bytes, in affine
    /// additions as `pippenger` counts them (a bucket reduction costs about
    /// four per bucket there; five here, where the buckets are more and the
    /// per-round overhead of the bucket sums weighs more: measured, c = 18 is
    /// slower than 16 at 2^17), or None when no layout that fits beats plain
    /// Pippenger by at least 5% (then the table is not worth its memory).
    pub fn plan(n: usize, budget: usize) -> Option<FixedBasePlan> {
        if n == 0 {
            return None;
        }
        let bits = Fr::MODULUS_BIT_SIZE;
        let point = std::mem::size_of::<[P::BaseField; 2]>();
        let mut best: Option<(usize, FixedBasePlan)> = None;
        for c in 8..=20u32 {
            let windows = (bits + 1).div_ceil(c) as usize;
            for passes in 1..=windows {
                let rows = windows.div_ceil(passes);
                let bytes = n.saturating_mul(rows).saturating_mul(point).saturating_add(n);
                if bytes > budget {
                    continue;
                }
                // One reduction per pass (its ranges share it), plus partitioning the entries.
                let additions = n * windows;
                let cost = additions + additions / 16 + passes * (5usize << (c - 1));
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
    pub fn build(bases: &[Affine<P>], plan: FixedBasePlan) -> Self {
        let c = plan.c;
        let windows = (Fr::MODULUS_BIT_SIZE + 1).div_ceil(c) as usize;
        let passes = plan.passes.clamp(1, windows);
        let rows = windows.div_ceil(passes);
        let shift = c as usize * passes;
        let n = bases.len();
        let per_task = 1usize << 10;
        let mut table = vec![[P::BaseField::zero(); 2]; n * rows];
        table.par_chunks_mut(per_task * rows).zip(bases.par_chunks(per_task)).for_each(|(out, points)| {
            let mut shifted: Vec<Projective<P>> = Vec::with_capacity(points.len() * rows);
            for p in points {
                let mut q: Projective<P> = (*p).into();
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
        let infinity = bases.iter().map(|p| p.infinity).collect();
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
    /// The 2^(c−1) buckets of a pass are split into ranges small enough that
    /// one range's points fit in cache (as one window of plain Pippenger
    /// does): the entries are first partitioned by range (ids and digits,
    /// 8 bytes each), then every range fills and sums its own buckets, in
    /// parallel, with one batch-affine bucket sum and its share of the
    /// running-sum reduction.
    pub fn msm(&self, scalars: &[BigInt<4>]) -> Projective<P> {
        let n = self.n.min(scalars.len());
        if n == 0 {
            return Projective::zero();
        }
        let (c, windows, passes, rows) = (self.c, self.windows, self.passes, self.rows);
        let digits = SignedDigits::new(c, windows);
        let buckets = 1usize << (c - 1);
        let threads = rayon::current_num_threads();
        let ranges = (n * rows).div_ceil(RANGE_ENTRIES).next_power_of_two().max(2 * threads).next_power_of_two().min(buckets);
        let width = buckets / ranges;
        let shift = width.trailing_zeros();
        let keys = passes * ranges;
        // Partition: per chunk of bases, one list of (table index, digit) per (pass, range).
        let per_chunk = n.div_ceil(4 * threads).max(1 << 10);
        let parts: Vec<Vec<Vec<(u32, i32)>>> = (0..n.div_ceil(per_chunk))
            .into_par_iter()
            .map(|k| {
                let mut lists: Vec<Vec<(u32, i32)>> = (0..keys).map(|_| Vec::with_capacity(per_chunk * rows / ranges + 16)).collect();
                for i in k * per_chunk..((k + 1) * per_chunk).min(n) {
                    for j in 0..windows {
                        let d = digits.digit(&scalars[i], j);
                        let at = i * rows + j / passes;
                        if d == 0 || self.infinity[i] {
                            continue;
                        }
                        let range = (d.unsigned_abs() as usize - 1) >> shift;
                        lists[(j % passes) * ranges + range].push((at as u32, d));
                    }
                }
                lists
            })
            .collect();
        let sums: Vec<(usize, Projective<P>)> = (0..keys)
            .into_par_iter()
            .map(|key| {
                let (o, range) = (key / ranges, key % ranges);
                (o, self.range_sum(parts.iter().map(|lists| lists[key].as_slice()), range * width, width))
            })
            .collect();
        // Pass o holds windows ≡ o (mod passes) of every base: pass o + 1 is worth 2^c of pass o.
        combine_windows(sums, passes, c)
    }

    /// Σ over the entries (table index, digit) of digit · table point, for
    /// digits whose bucket |d| − 1 lies in from..from + width.
    fn range_sum<'a>(&self, lists: impl Iterator<Item = &'a [(u32, i32)]> + Clone, from: usize, width: usize) -> Projective<P> {
        let points = || {
            lists.clone().flatten().map(|&(at, d)| {
                let p = &self.table[at as usize];
                (d.unsigned_abs() as usize - 1 - from, &p[0], &p[1], d < 0)
            })
        };
        let (sum, all) = bucket_method::<P, _>(points, width);
        // Σₖ (from + k + 1)·Bₖ = Σₖ (k + 1)·Bₖ + from·Σₖ Bₖ.
        sum + times(all, from as u64)
    }
}

/// k·p by double-and-add (k is a bucket offset: a few bits).
fn times<P: SWCurveConfig>(p: Projective<P>, k: u64) -> Projective<P> {
    let mut acc = Projective::<P>::zero();
    for bit in (0..64 - k.leading_zeros()).rev() {
        acc.double_in_place();
        if k >> bit & 1 == 1 {
            acc += &p;
        }
    }
    acc
}

#[cfg(test)]
mod tests {
    use super::*;
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
        assert_eq!(msm_witness(&g1, &b), G1Projective::msm(&g1, &s).unwrap());
        assert_eq!(msm_full(&g1, &b), G1Projective::msm(&g1, &s).unwrap());
        assert_eq!(msm_witness(&g2, &b), G2Projective::msm(&g2, &s).unwrap());
        let only_small: Vec<Fr> = (0..n).map(|i| Fr::from((i * 37 % 300) as u64)).collect();
        let bs: Vec<BigInt<4>> = only_small.iter().map(|x| x.into_bigint()).collect();
        assert_eq!(msm_witness(&g1, &bs), G1Projective::msm(&g1, &only_small).unwrap());
    }

    #[test]
    fn handles_equal_and_opposite_points() {
        let mut rng = StdRng::seed_from_u64(9);
        let p = (G1Projective::generator() * Fr::rand(&mut rng)).into_affine();
        let q = -p;
        let bases: Vec<G1Affine> = (0..2000).map(|i| if i % 3 == 0 { q } else { p }).chain([G1Affine::identity()]).collect();
        let s: Vec<Fr> = (0..bases.len()).map(|i| Fr::from((i % 5) as u64) - Fr::from(2u64)).collect();
        let b: Vec<BigInt<4>> = s.iter().map(|x| x.into_bigint()).collect();
        assert_eq!(msm_witness(&bases, &b), G1Projective::msm(&bases, &s).unwrap());
        assert_eq!(msm_full(&bases, &b), G1Projective::msm(&bases, &s).unwrap());
    }
}

#[cfg(test)]
mod fixed_base_tests {
    use super::*;
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
        let table = FixedBase::build(bases, plan);
        let expected = G1Projective::msm(bases, s).unwrap();
        assert_eq!(table.msm(&b), expected, "n = {}, c = {}, passes = {}", bases.len(), plan.c, plan.passes);
        assert_eq!(table.msm(&b), msm_full(bases, &b));
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
        let table = FixedBase::build(&bases, plan);
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
        let table = FixedBase::build(&bases, plan);
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
            let plain = msm_full(&bases, &b);
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
    use ark_bn254::G1Projective;
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
            let bases = G1Projective::normalize_batch(&proj);
            let s: Vec<Fr> = (0..n).map(|_| if bits == 254 { Fr::rand(&mut rng) } else { Fr::from(rng.gen::<u32>() >> (32 - bits)) }).collect();
            let b: Vec<BigInt<4>> = s.iter().map(|x| x.into_bigint()).collect();
            let t = std::time::Instant::now();
            let entries: Vec<(u32, bool)> = (0..n as u32).map(|i| (i, false)).collect();
            let ours = pippenger(&bases, &entries, &b, bits);
            let ours_t = t.elapsed();
            let t = std::time::Instant::now();
            let theirs = G1Projective::msm(&bases, &s).unwrap();
            eprintln!("n={n}: ours {:?}, arkworks {:?}", ours_t, t.elapsed());
            assert_eq!(ours, theirs, "n = {n}, bits = {bits}");
        }
    }
}
#[cfg(test)]
mod digit_tests {
    use super::*;
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
            let ours = pippenger(&bases, &entries, &b, 31);
            let d = signed_digits(&b, 4, 8);
            assert_eq!(ours, g * Fr::from(v), "v = {v}, digits {d:?}");
        }
    }
}

#[cfg(test)]
mod bench {
    use super::*;
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
        pool.install(|| {
            for _ in 0..2 {
                let t = std::time::Instant::now();
                let ours = msm_full(&bases, &b);
                let o = t.elapsed();
                let t = std::time::Instant::now();
                let theirs = G1Projective::msm(&bases, &s).unwrap();
                eprintln!("n={n} threads={threads}: ours {o:?}, arkworks {:?}", t.elapsed());
                assert_eq!(ours, theirs);
            }
        });
    }
}
