//! RSA key generation for Sprig's `genCA`, `genSelfSignedCert`,
//! `genSignedCert` and `genPrivateKey`.
//!
//! The `rsa` crate's `RsaPrivateKey::new` takes ~165 ms for a 2048-bit key
//! (num-bigint-dig's general-purpose arithmetic), and a chart like nginx's
//! makes two per render. This finds the primes itself (~15 ms a key on two
//! cores) and leaves building and checking the key to the `rsa` crate.
//!
//! Prime search: a random odd start with its top two bits set (so `n = pq`
//! has exactly the requested size), then the candidates `start + 2k` of a
//! window that no odd prime below 2^18 divides and that are not 1 mod 65537
//! (so that e is coprime with p - 1), in order, through Miller-Rabin to base
//! 2 and then to uniformly random bases. Exponentiation is Montgomery
//! arithmetic on fixed-size limbs. Timing is not constant (nor is the `rsa`
//! crate's own generation); a template renderer has no remote observer.

use std::sync::atomic::{AtomicBool, Ordering};

use rand::RngCore as _;
use rand::rngs::OsRng;
use rsa::{BigUint, RsaPrivateKey};

/// The public exponent, as Go's `rsa.GenerateKey` uses.
const E: u32 = 65537;

/// Sieving by the odd primes below 2^SIEVE_BITS. Each bit more leaves
/// ~1/SIEVE_BITS fewer candidates for Miller-Rabin (Mertens), but costs
/// residues for twice as many primes; 18 measured best.
const SIEVE_BITS: usize = 18;

/// A start's residues are computed modulo products of two sieving primes
/// (below 2^(2·SIEVE_BITS)), a digit of this many bits at a time, so that
/// remainder · 2^DIGIT_BITS + digit stays below 2^64.
const DIGIT_BITS: usize = 64 - 2 * SIEVE_BITS;

/// The sieving primes, built once.
struct Sieve {
    /// The odd primes below 2^SIEVE_BITS, ascending.
    primes: Vec<u32>,
    /// The products of consecutive pairs of `primes` (the last alone if
    /// their count is odd).
    moduli: Vec<Modulus>,
}

fn sieve() -> &'static Sieve {
    static SIEVE: std::sync::OnceLock<Sieve> = std::sync::OnceLock::new();
    SIEVE.get_or_init(|| {
        // Eratosthenes over the odd numbers: entry i stands for 2i + 1.
        let mut composite = vec![false; 1 << (SIEVE_BITS - 1)];
        let mut primes = Vec::new();
        for i in 1..composite.len() {
            if composite[i] {
                continue;
            }
            let p = 2 * i + 1;
            primes.push(low32(p as u64));
            if p * p / 2 < composite.len() {
                for multiple in composite.iter_mut().skip(p * p / 2).step_by(p) {
                    *multiple = true;
                }
            }
        }
        let moduli = primes
            .chunks(2)
            .map(|pair| Modulus::new(pair.iter().map(|&p| u64::from(p)).product()))
            .collect();
        Sieve { primes, moduli }
    })
}

/// A modulus below 2^64 with its Barrett factor, for division-free
/// remainders.
#[derive(Clone, Copy)]
struct Modulus {
    m: u64,
    /// floor((2^64 - 1) / m).
    factor: u64,
}

impl Modulus {
    fn new(m: u64) -> Self {
        Modulus {
            m,
            factor: u64::MAX / m,
        }
    }

    /// x mod m. The quotient estimate x·factor / 2^64 is at most the true
    /// quotient and at least two below it.
    #[inline(always)]
    fn reduce(self, x: u64) -> u64 {
        let q = split(u128::from(x) * u128::from(self.factor)).1;
        let r = x - q * self.m;
        // Branch-free conditional subtractions: r - m wraps above r when
        // r < m.
        let r = r.min(r.wrapping_sub(self.m));
        r.min(r.wrapping_sub(self.m))
    }
}

/// A new RSA key of `bits` bits (even, 128 to 4096) with e = 65537.
pub(super) fn rsa_key(bits: usize) -> Result<RsaPrivateKey, String> {
    if !bits.is_multiple_of(2) || !(128..=4096).contains(&bits) {
        return Err(format!("unsupported RSA key size {bits}"));
    }
    let half = bits / 2;
    loop {
        let [p, q] = two_primes(half)?;
        // FIPS 186-4 B.3.3 wants |p - q| > 2^(bits/2 - 100), so that n
        // cannot be factored from its square root; failing is a ~2^-98 event.
        let distance = if p > q { &p - &q } else { &q - &p };
        if distance.bits() <= half.saturating_sub(100) {
            continue;
        }
        let key = RsaPrivateKey::from_p_q(p, q, BigUint::from(E)).map_err(|e| e.to_string())?;
        key.validate().map_err(|e| e.to_string())?;
        return Ok(key);
    }
}

/// Two primes for [`rsa_key`], searched for by this thread and one more. Both
/// threads search until two primes are found between them, whichever finds
/// them: the time a prime takes is close to exponentially distributed, so
/// this takes about as long as one prime on average, where one prime per
/// thread would take as long as the slower of two (1.5 times that).
fn two_primes(bits: usize) -> Result<[BigUint; 2], String> {
    let found = std::sync::Mutex::new(Vec::with_capacity(2));
    let stop = AtomicBool::new(false);
    let work = || {
        let result = (|| {
            while let Some(prime) = random_prime(bits, &stop)? {
                let mut primes = found.lock().map_err(|_| "prime search failed")?;
                primes.push(prime);
                if primes.len() >= 2 {
                    break;
                }
            }
            Ok::<_, String>(())
        })();
        stop.store(true, Ordering::Relaxed);
        result
    };
    std::thread::scope(|scope| {
        let helper = std::thread::Builder::new().spawn_scoped(scope, work);
        // Without a second thread this one finds both primes.
        let mine = work();
        let theirs = match helper {
            Ok(handle) => handle
                .join()
                .map_err(|_| "prime search thread panicked".to_string())?,
            Err(_) => Ok(()),
        };
        mine.and(theirs)
    })?;
    let mut primes = found.into_inner().map_err(|_| "prime search failed")?;
    primes.truncate(2);
    primes
        .try_into()
        .map_err(|_| "prime search failed".to_string())
}

/// A random prime of exactly `bits` bits with its top two bits set and
/// `p - 1` coprime with [`E`], in the smallest limb count that holds it;
/// `None` once `stop` is set.
fn random_prime(bits: usize, stop: &AtomicBool) -> Result<Option<BigUint>, String> {
    match bits.div_ceil(64) {
        1..=8 => search::<8>(bits, stop),
        9..=16 => search::<16>(bits, stop),
        17..=32 => search::<32>(bits, stop),
        _ => Err(format!("unsupported prime size {bits}")),
    }
}

/// Miller-Rabin rounds with random bases after the base-2 round. FIPS 186-4
/// Table C.2 asks 4 rounds (error 2^-100) or 5 (2^-112) for the 1024-bit
/// primes of a 2048-bit key, and fewer for larger primes (FIPS 186-5 Table
/// B.1: 4 rounds give 2^-144 for 2048-bit primes); its figures assume
/// random bases, so the 4 random rounds alone meet 2^-100 and base 2 is a
/// fifth. Smaller primes, which Sprig never asks for, get Go's 20 rounds.
fn random_rounds(bits: usize) -> usize {
    if bits >= 1024 { 4 } else { 20 }
}

/// The prime search in `N` limbs; see the module comment.
fn search<const N: usize>(bits: usize, stop: &AtomicBool) -> Result<Option<BigUint>, String> {
    let rounds = random_rounds(bits);
    // Enough candidates that a window without a prime is rare (e^-11 for
    // the ~bits·ln2/2 odd candidates a prime takes on average); then a new
    // start is drawn.
    let window = 4 * bits;
    let mut composite = vec![false; window];
    let sieve = sieve();
    let mut residues = vec![0; sieve.primes.len()];
    loop {
        let mut start = random_limbs::<N>(bits)?;
        set_bit(&mut start, bits - 1);
        set_bit(&mut start, bits - 2);
        start[0] |= 1;
        sieve_residues(&start, sieve, &mut residues);
        composite.fill(false);
        // start + 2k ≡ 0 (mod p) when 2k ≡ -start.
        for (&p, &r) in sieve.primes.iter().zip(&residues) {
            let (p, r) = (p as usize, r as usize);
            mark(&mut composite, p, if r == 0 { 0 } else { p - r });
        }
        // And start + 2k ≡ 1 (mod 65537), where 65537 divides p - 1.
        let e = usize::try_from(E).map_err(|e| e.to_string())?;
        let r = usize::try_from(remainder(&start, u64::from(E))).map_err(|e| e.to_string())?;
        mark(&mut composite, e, (e + 1 - r) % e);
        for k in (0..window).filter(|&k| !composite[k]) {
            let (candidate, carry) = add_small(&start, 2 * k as u64);
            if carry != 0 || bit_len(&candidate) != bits || !bit(&candidate, bits - 2) {
                break;
            }
            if stop.load(Ordering::Relaxed) {
                return Ok(None);
            }
            if probably_prime(&candidate, rounds)? {
                return Ok(Some(to_biguint(&candidate)));
            }
        }
    }
}

/// Marks the `k` below `composite.len()` with `2k ≡ d (mod p)`, for odd
/// `p` and `d < p`.
fn mark(composite: &mut [bool], p: usize, d: usize) {
    // k ≡ d · 2^-1 (mod p): d / 2 or (d + p) / 2, whichever is whole.
    let first = if d.is_multiple_of(2) {
        d / 2
    } else {
        (d + p) / 2
    };
    for flag in composite.iter_mut().skip(first).step_by(p) {
        *flag = true;
    }
}

/// `x mod p` for every sieving prime `p`, into `out`.
fn sieve_residues<const N: usize>(x: &[u64; N], sieve: &Sieve, out: &mut [u32]) {
    // Digit by digit from the top, every modulus at each step: the steps
    // for different moduli do not wait on each other.
    let mut remainders = vec![0u64; sieve.moduli.len()];
    for i in (0..bit_len(x).div_ceil(DIGIT_BITS)).rev() {
        let digit = bits_at(x, i * DIGIT_BITS, DIGIT_BITS);
        for (r, modulus) in remainders.iter_mut().zip(&sieve.moduli) {
            *r = modulus.reduce((*r << DIGIT_BITS) | digit);
        }
    }
    for ((pair, &r), residues) in sieve
        .primes
        .chunks(2)
        .zip(&remainders)
        .zip(out.chunks_mut(2))
    {
        for (&p, residue) in pair.iter().zip(residues) {
            *residue = low32(r % u64::from(p));
        }
    }
}

/// The `width` (< 64) bits of `x` from bit `offset` up.
fn bits_at(x: &[u64], offset: usize, width: usize) -> u64 {
    let (limb, shift) = (offset / 64, offset % 64);
    let low = x.get(limb).map_or(0, |&w| w >> shift);
    let high = match (shift, x.get(limb + 1)) {
        (1.., Some(&w)) => w << (64 - shift),
        _ => 0,
    };
    (low | high) & ((1 << width) - 1)
}

/// `x mod m` for `0 < m < 2^32`.
fn remainder<const N: usize>(x: &[u64; N], m: u64) -> u64 {
    let mut r = 0u64;
    for &limb in x.iter().rev() {
        r = ((r << 32) | (limb >> 32)) % m;
        r = ((r << 32) | (limb & 0xffff_ffff)) % m;
    }
    r
}

#[expect(clippy::cast_possible_truncation, reason = "callers pass x < 2^32")]
#[inline(always)]
fn low32(x: u64) -> u32 {
    x as u32
}

/// Miller-Rabin to base 2, then to `rounds` random bases.
fn probably_prime<const N: usize>(n: &[u64; N], rounds: usize) -> Result<bool, String> {
    if n[0] & 1 == 0 {
        return Ok(is_small(n, 2));
    }
    if bit_len(n) <= 3 {
        return Ok(is_small(n, 3) || is_small(n, 5) || is_small(n, 7));
    }
    let Some(m) = Montgomery::new(n) else {
        return Ok(false);
    };
    // n - 1 = d · 2^s with d odd.
    let mut n_minus_1 = *n;
    n_minus_1[0] -= 1;
    let s = trailing_zeros(&n_minus_1);
    let d = shift_right(&n_minus_1, s);
    if !m.strong_probable_prime(m.pow2(&d), s) {
        return Ok(false);
    }
    let r2 = m.r_squared();
    for _ in 0..rounds {
        let base = random_base(n)?;
        if !m.strong_probable_prime(m.pow(&m.mul(&base, &r2), &d), s) {
            return Ok(false);
        }
    }
    Ok(true)
}

/// A uniformly random base in [2, n - 2], for odd n > 4.
fn random_base<const N: usize>(n: &[u64; N]) -> Result<[u64; N], String> {
    let mut two = [0; N];
    two[0] = 2;
    let (high, _) = sub(n, &two);
    loop {
        let a = random_limbs::<N>(bit_len(n))?;
        if !less_than(&a, &[2]) && !less_than(&high, &a) {
            return Ok(a);
        }
    }
}

/// Random limbs below 2^bits, from the operating system.
fn random_limbs<const N: usize>(bits: usize) -> Result<[u64; N], String> {
    let mut bytes = vec![0u8; 8 * N];
    OsRng
        .try_fill_bytes(&mut bytes)
        .map_err(|e| format!("reading random bytes: {e}"))?;
    let mut limbs = [0u64; N];
    for (limb, chunk) in limbs.iter_mut().zip(bytes.chunks_exact(8)) {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        *limb = u64::from_le_bytes(word);
    }
    for (i, limb) in limbs.iter_mut().enumerate() {
        let low = i * 64;
        if low >= bits {
            *limb = 0;
        } else if bits - low < 64 {
            *limb &= (1u64 << (bits - low)) - 1;
        }
    }
    Ok(limbs)
}

/// Arithmetic modulo an odd n > 1 on values in Montgomery form (x·R mod n
/// with R = 2^(64N)), all kept fully reduced.
struct Montgomery<const N: usize> {
    n: [u64; N],
    /// -n^-1 mod 2^64.
    n_inv: u64,
    /// n's limbs, most significant first.
    n_rev: [u64; N],
    /// R mod n: 1 in Montgomery form.
    one: [u64; N],
}

/// The largest limb count: 2048-bit primes, for 4096-bit keys.
const MAX_LIMBS: usize = 32;

/// Calls `square_column::<N, K>(&mut s)` for K = 0, 1, ... 62, the
/// columns of a square of up to [`MAX_LIMBS`] limbs (those past 2N - 2 do
/// nothing).
macro_rules! square_columns {
    ($s:ident, $n:ident) => {
        square_columns!(@ $s $n 0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24
            25 26 27 28 29 30 31 32 33 34 35 36 37 38 39 40 41 42 43 44 45 46 47 48 49 50 51 52 53
            54 55 56 57 58 59 60 61 62)
    };
    (@ $s:ident $n:ident $($k:literal)*) => {
        $(square_column::<$n, $k>(&mut $s);)*
    };
}

/// The state of [`Montgomery::sqr`] between columns.
struct SquareColumns<'a, const N: usize> {
    a: &'a [u64; N],
    /// `a`, most significant limb first, so that a column's pairs
    /// (i, K - i) are two forward slices.
    a_rev: &'a [u64; N],
    n: &'a Montgomery<N>,
    /// The reduction's multipliers, one per limb.
    m: [u64; N],
    /// The result limbs.
    t: [u64; N],
    acc: SplitAccumulator,
}

/// Column K of a Montgomery square: the products a[i]·a[K - i] and
/// m[i]·n[K - i] added up, then either m[K] chosen to clear the column
/// (K < N) or the column's limb output (K >= N).
#[inline(always)]
fn square_column<const N: usize, const K: usize>(s: &mut SquareColumns<'_, N>) {
    if K >= 2 * N - 1 {
        return;
    }
    let low = if K < N { 0 } else { K + 1 - N };
    let mut cross = SplitAccumulator::default();
    for i in low..K.div_ceil(2) {
        cross.mul_add(s.a[i], s.a_rev[N - 1 + i - K]);
    }
    s.acc.add_double(&cross);
    if K.is_multiple_of(2) {
        s.acc.mul_add(s.a[K / 2], s.a[K / 2]);
    }
    for i in low..K.min(N) {
        s.acc.mul_add(s.m[i], s.n.n_rev[N - 1 + i - K]);
    }
    if K < N {
        let m = s.acc.low_limb().wrapping_mul(s.n.n_inv);
        s.m[K] = m;
        s.acc.mul_add(m, s.n.n[0]);
        s.acc.shift();
    } else {
        s.t[K - N] = s.acc.shift();
    }
}

impl<const N: usize> Montgomery<N> {
    fn new(n: &[u64; N]) -> Option<Self> {
        const { assert!(N > 0 && N <= MAX_LIMBS) };
        if n[0] & 1 == 0 || less_than(n, &[2]) {
            return None;
        }
        // Newton's iteration doubles the correct low bits of n^-1 mod 2^64
        // each step, from the 3 that n·n ≡ 1 (mod 8) gives.
        let mut inv = n[0];
        for _ in 0..5 {
            inv = inv.wrapping_mul(2u64.wrapping_sub(n[0].wrapping_mul(inv)));
        }
        let mut n_rev = *n;
        n_rev.reverse();
        let mut m = Montgomery {
            n: *n,
            n_inv: inv.wrapping_neg(),
            n_rev,
            one: [0; N],
        };
        m.one = if n[N - 1] >> 63 == 1 {
            // R/2 < n < R, so R mod n = R - n.
            let (one, _) = sub(&[0; N], n);
            one
        } else {
            // Otherwise double 1 up to R; only for sizes Sprig never uses.
            let mut x = [0; N];
            x[0] = 1;
            for _ in 0..64 * N {
                x = m.double(&x);
            }
            x
        };
        Some(m)
    }

    /// R^2 mod n, which takes a value into Montgomery form by multiplication.
    fn r_squared(&self) -> [u64; N] {
        let mut x = self.one;
        for _ in 0..64 * N {
            x = self.double(&x);
        }
        x
    }

    /// 2x mod n: in Montgomery form too, as 2·(xR) = (2x)R.
    fn double(&self, x: &[u64; N]) -> [u64; N] {
        let mut out = [0u64; N];
        let mut carry = 0;
        for (o, &w) in out.iter_mut().zip(x) {
            *o = (w << 1) | carry;
            carry = w >> 63;
        }
        self.reduce_once(out, carry)
    }

    /// `t` (plus `carry`·R) less n if that is at least n; `t + carry·R < 2n`.
    fn reduce_once(&self, t: [u64; N], carry: u64) -> [u64; N] {
        let (difference, borrow) = sub(&t, &self.n);
        if carry != 0 || !borrow { difference } else { t }
    }

    /// a·b·R^-1 mod n for `a < R` and `b < n`, by finely integrated
    /// product scanning: column k of a·b + m·n is summed in a three-limb
    /// accumulator, m[k] chosen to clear it, and the column's low limb
    /// dropped. Summing columns keeps carries in the accumulator's top limb
    /// instead of a carry per product; `b` and `n` are read reversed so each
    /// column is one pass over two forward slices, which compiles to a tight
    /// loop.
    fn mul(&self, a: &[u64; N], b: &[u64; N]) -> [u64; N] {
        let mut b_rev = *b;
        b_rev.reverse();
        let n_rev = &self.n_rev;
        let mut m = [0u64; N];
        let mut acc = Accumulator::default();
        for k in 0..N {
            // Pairs (i, k - i): b[k - i] = b_rev[N - 1 - k + i].
            for (&ai, &bj) in a[..=k].iter().zip(&b_rev[N - 1 - k..]) {
                acc.mul_add(ai, bj);
            }
            for (&mi, &nj) in m[..k].iter().zip(&n_rev[N - 1 - k..]) {
                acc.mul_add(mi, nj);
            }
            m[k] = acc.low_limb().wrapping_mul(self.n_inv);
            acc.mul_add(m[k], self.n[0]);
            acc.shift();
        }
        let mut t = [0u64; N];
        for k in N..2 * N - 1 {
            let low = k + 1 - N;
            for (&ai, &bj) in a[low..].iter().zip(&b_rev) {
                acc.mul_add(ai, bj);
            }
            for (&mi, &nj) in m[low..].iter().zip(n_rev) {
                acc.mul_add(mi, nj);
            }
            t[k - N] = acc.shift();
        }
        t[N - 1] = acc.shift();
        self.reduce_once(t, acc.shift())
    }

    /// a^2·R^-1 mod n: [`Self::mul`]'s columns with each column's cross
    /// products a[i]·a[j], i < j, summed once and doubled (~25% fewer
    /// multiplications). Squaring is nearly all of the prime search, and
    /// this one is unrolled: every column is its own copy of
    /// [`square_column`] with constant bounds, which measured ~20% faster
    /// than loops whose lengths change from column to column.
    fn sqr(&self, a: &[u64; N]) -> [u64; N] {
        let mut a_rev = *a;
        a_rev.reverse();
        let mut s = SquareColumns {
            a,
            a_rev: &a_rev,
            n: self,
            m: [0; N],
            t: [0; N],
            acc: SplitAccumulator::default(),
        };
        square_columns!(s, N);
        s.t[N - 1] = s.acc.shift();
        let top = s.acc.shift();
        self.reduce_once(s.t, top)
    }

    /// 2^e in Montgomery form: square and double, no multiplications.
    fn pow2(&self, e: &[u64]) -> [u64; N] {
        let bits = bit_len(e);
        if bits == 0 {
            return self.one;
        }
        let mut x = self.double(&self.one);
        for i in (0..bits - 1).rev() {
            x = self.sqr(&x);
            if bit(e, i) {
                x = self.double(&x);
            }
        }
        x
    }

    /// base^e for `base` in Montgomery form: left-to-right sliding window of
    /// up to 5 bits over a table of the 16 odd powers below 32.
    fn pow(&self, base: &[u64; N], e: &[u64]) -> [u64; N] {
        const WINDOW: usize = 5;
        let bits = bit_len(e);
        if bits == 0 {
            return self.one;
        }
        let mut odd_powers = [[0u64; N]; 1 << (WINDOW - 1)];
        odd_powers[0] = *base;
        let square = self.sqr(base);
        for i in 1..odd_powers.len() {
            odd_powers[i] = self.mul(&odd_powers[i - 1], &square);
        }
        let mut x: Option<[u64; N]> = None;
        let mut i = bits;
        while i > 0 {
            if !bit(e, i - 1) {
                x = x.map(|x| self.sqr(&x));
                i -= 1;
                continue;
            }
            // The longest window of at most WINDOW bits ending in a 1.
            let mut low = i.saturating_sub(WINDOW);
            while !bit(e, low) {
                low += 1;
            }
            let digit = (low..i)
                .rev()
                .fold(0, |d, j| (d << 1) | usize::from(bit(e, j)));
            let power = &odd_powers[digit >> 1];
            x = Some(match x {
                None => *power,
                Some(mut x) => {
                    for _ in low..i {
                        x = self.sqr(&x);
                    }
                    self.mul(&x, power)
                }
            });
            i = low;
        }
        x.unwrap_or(self.one)
    }

    /// The rest of a Miller-Rabin round given x = a^d (Montgomery form),
    /// where n - 1 = d·2^s: whether n is a strong probable prime to base a.
    fn strong_probable_prime(&self, mut x: [u64; N], s: usize) -> bool {
        let (minus_one, _) = sub(&self.n, &self.one);
        if x == self.one || x == minus_one {
            return true;
        }
        for _ in 1..s {
            x = self.sqr(&x);
            if x == minus_one {
                return true;
            }
            if x == self.one {
                return false;
            }
        }
        false
    }
}

/// A column sum kept as the sum of the products' low limbs plus 2^64 times
/// the sum of their high limbs: two carry chains that do not wait on each
/// other, which the unrolled [`Montgomery::sqr`] runs faster with (and
/// looped code slower, so [`Montgomery::mul`] uses [`Accumulator`]).
#[derive(Default)]
struct SplitAccumulator {
    low: u128,
    high: u128,
}

impl SplitAccumulator {
    #[inline(always)]
    fn mul_add(&mut self, a: u64, b: u64) {
        let (low, high) = split(u128::from(a) * u128::from(b));
        self.low += u128::from(low);
        self.high += u128::from(high);
    }

    /// Adds twice `other`.
    #[inline(always)]
    fn add_double(&mut self, other: &SplitAccumulator) {
        self.low += other.low << 1;
        self.high += other.high << 1;
    }

    fn low_limb(&self) -> u64 {
        split(self.low).0
    }

    /// The low limb, removed: the accumulator moves down one limb.
    #[inline(always)]
    fn shift(&mut self) -> u64 {
        let (out, carry) = split(self.low);
        let (high_low, high_high) = split(self.high);
        self.low = u128::from(carry) + u128::from(high_low);
        self.high = u128::from(high_high);
        out
    }
}

/// A sum of up to a few hundred products: three limbs.
#[derive(Default)]
struct Accumulator {
    low: u128,
    top: u64,
}

impl Accumulator {
    #[inline(always)]
    fn mul_add(&mut self, a: u64, b: u64) {
        let (sum, carry) = self.low.overflowing_add(u128::from(a) * u128::from(b));
        self.low = sum;
        self.top += u64::from(carry);
    }

    fn low_limb(&self) -> u64 {
        split(self.low).0
    }

    /// The low limb, removed: the accumulator moves down one limb.
    #[inline(always)]
    fn shift(&mut self) -> u64 {
        let (low, high) = split(self.low);
        self.low = u128::from(high) | (u128::from(self.top) << 64);
        self.top = 0;
        low
    }
}

/// The low and high limbs of a double-limb value.
#[expect(clippy::cast_possible_truncation, reason = "splitting into halves")]
#[inline(always)]
fn split(x: u128) -> (u64, u64) {
    (x as u64, (x >> 64) as u64)
}

/// a - b and whether it borrowed.
fn sub<const N: usize>(a: &[u64; N], b: &[u64; N]) -> ([u64; N], bool) {
    let mut out = [0u64; N];
    let mut borrow = false;
    for ((o, &x), &y) in out.iter_mut().zip(a).zip(b) {
        let (d, b1) = x.overflowing_sub(y);
        let (d, b2) = d.overflowing_sub(u64::from(borrow));
        *o = d;
        borrow = b1 || b2;
    }
    (out, borrow)
}

/// x + y and the carry out.
fn add_small<const N: usize>(x: &[u64; N], y: u64) -> ([u64; N], u64) {
    let mut out = *x;
    let mut carry = y;
    for limb in &mut out {
        if carry == 0 {
            break;
        }
        let (s, c) = limb.overflowing_add(carry);
        *limb = s;
        carry = u64::from(c);
    }
    (out, carry)
}

/// Whether a < b, for little-endian limbs of any lengths.
fn less_than(a: &[u64], b: &[u64]) -> bool {
    let limb = |x: &[u64], i: usize| x.get(i).copied().unwrap_or(0);
    for i in (0..a.len().max(b.len())).rev() {
        let (x, y) = (limb(a, i), limb(b, i));
        if x != y {
            return x < y;
        }
    }
    false
}

fn is_small(x: &[u64], value: u64) -> bool {
    x.first() == Some(&value) && x.iter().skip(1).all(|&w| w == 0)
}

fn bit(x: &[u64], i: usize) -> bool {
    (x[i / 64] >> (i % 64)) & 1 == 1
}

fn set_bit(x: &mut [u64], i: usize) {
    x[i / 64] |= 1 << (i % 64);
}

fn bit_len(x: &[u64]) -> usize {
    x.iter()
        .rposition(|&w| w != 0)
        .map_or(0, |i| 64 * i + 64 - x[i].leading_zeros() as usize)
}

/// Trailing zero bits of a nonzero value.
fn trailing_zeros(x: &[u64]) -> usize {
    x.iter()
        .position(|&w| w != 0)
        .map_or(0, |i| 64 * i + x[i].trailing_zeros() as usize)
}

fn shift_right<const N: usize>(x: &[u64; N], s: usize) -> [u64; N] {
    let (limbs, bits) = (s / 64, s % 64);
    let mut out = [0u64; N];
    for (i, o) in out.iter_mut().enumerate() {
        let low = x.get(i + limbs).copied().unwrap_or(0);
        let high = x.get(i + limbs + 1).copied().unwrap_or(0);
        *o = if bits == 0 {
            low
        } else {
            (low >> bits) | (high << (64 - bits))
        };
    }
    out
}

fn to_biguint(x: &[u64]) -> BigUint {
    let bytes: Vec<u8> = x.iter().flat_map(|w| w.to_le_bytes()).collect();
    BigUint::from_bytes_le(&bytes)
}

#[cfg(test)]
mod tests {
    use rsa::traits::{PrivateKeyParts as _, PublicKeyParts as _};

    use super::*;

    fn limbs<const N: usize>(x: &BigUint) -> [u64; N] {
        let mut out = [0u64; N];
        for (limb, chunk) in out.iter_mut().zip(x.to_bytes_le().chunks(8)) {
            let mut word = [0u8; 8];
            word[..chunk.len()].copy_from_slice(chunk);
            *limb = u64::from_le_bytes(word);
        }
        assert_eq!(&to_biguint(&out), x, "{x} fits in {N} limbs");
        out
    }

    fn big(text: &str) -> BigUint {
        text.parse().unwrap()
    }

    fn mersenne(p: usize) -> BigUint {
        (BigUint::from(1u32) << p) - 1u32
    }

    fn random(bits: usize) -> BigUint {
        to_biguint(&random_limbs::<MAX_LIMBS>(bits).unwrap())
    }

    fn random_odd(bits: usize) -> BigUint {
        random(bits) | BigUint::from(1u32) | (BigUint::from(1u32) << (bits - 1))
    }

    /// x^e mod n through Montgomery form.
    fn pow<const N: usize>(x: &BigUint, e: &BigUint, n: &BigUint) -> BigUint {
        let m = Montgomery::<N>::new(&limbs(n)).unwrap();
        let x = m.mul(&limbs(x), &m.r_squared());
        let mut one = [0; N];
        one[0] = 1;
        to_biguint(&m.mul(&m.pow(&x, &limbs::<MAX_LIMBS>(e)), &one))
    }

    /// 2^e mod n by [`Montgomery::pow2`].
    fn pow2<const N: usize>(e: &BigUint, n: &BigUint) -> BigUint {
        let m = Montgomery::<N>::new(&limbs(n)).unwrap();
        let mut one = [0; N];
        one[0] = 1;
        to_biguint(&m.mul(&m.pow2(&limbs::<MAX_LIMBS>(e)), &one))
    }

    /// Montgomery exponentiation against num-bigint-dig's for `moduli` in
    /// `N` limbs: random bases below and above the modulus, exponents of
    /// every size class, and the edge cases.
    fn check_pow<const N: usize>(moduli: &[BigUint], full_exponents: usize) {
        for n in moduli {
            let bits = 64 * N;
            let mut cases = vec![
                (BigUint::from(0u32), BigUint::from(0u32)),
                (BigUint::from(0u32), BigUint::from(5u32)),
                (random(bits), BigUint::from(0u32)),
                (random(bits), BigUint::from(1u32)),
                (random(bits), BigUint::from(2u32)),
                (n - 1u32, n - 1u32),
                (n.clone(), random(64)),
                (n + 1u32, random(64)),
                (random(bits), random(31)),
                (random(bits), random(64)),
                (random(bits), random(65)),
                (random(bits), random(200)),
            ];
            for _ in 0..full_exponents {
                cases.push((random(bits), random(n.bits())));
            }
            for (x, e) in &cases {
                assert_eq!(pow::<N>(x, e, n), x.modpow(e, n), "{x}^{e} mod {n}");
            }
            for e in [random(3), random(70), random(n.bits())] {
                assert_eq!(pow2::<N>(&e, n), BigUint::from(2u32).modpow(&e, n));
            }
            let m = Montgomery::<N>::new(&limbs(n)).unwrap();
            for x in [random(n.bits() - 1), n - 1u32, BigUint::from(0u32)] {
                let x = limbs(&x);
                assert_eq!(m.sqr(&x), m.mul(&x, &x));
                assert_eq!(to_biguint(&m.double(&x)), (to_biguint(&x) << 1) % n);
            }
        }
    }

    #[test]
    fn montgomery_arithmetic_matches_num_bigint() {
        // 1024-bit moduli (the top limb full, as prime candidates have it),
        // and smaller ones, whose R mod n is found the slow way.
        let mut moduli: Vec<BigUint> = (0..6).map(|_| random_odd(1024)).collect();
        moduli.extend([random_odd(1000), random_odd(700), big("3"), big("65537")]);
        moduli.push(mersenne(1024) - 188u32); // R - n small
        check_pow::<16>(&moduli, 6);
        let moduli = [
            random_odd(2048),
            random_odd(2048),
            random_odd(1500),
            mersenne(2048) - 188u32,
        ];
        check_pow::<32>(&moduli, 2);
        check_pow::<8>(&[random_odd(512), random_odd(80)], 4);
    }

    #[test]
    fn montgomery_needs_an_odd_modulus_above_one() {
        for n in [0u64, 1, 2, 10] {
            assert!(
                Montgomery::<8>::new(&limbs(&BigUint::from(n))).is_none(),
                "{n}"
            );
        }
    }

    fn is_prime(n: &BigUint, rounds: usize) -> bool {
        match n.bits().div_ceil(64) {
            0..=8 => probably_prime(&limbs::<8>(n), rounds),
            9..=16 => probably_prime(&limbs::<16>(n), rounds),
            _ => probably_prime(&limbs::<32>(n), rounds),
        }
        .unwrap()
    }

    /// Whether `n` passes the base-2 round alone.
    fn strong_base_2<const N: usize>(n: &BigUint) -> bool {
        let m = Montgomery::<N>::new(&limbs(n)).unwrap();
        let n_minus_1 = limbs::<N>(&(n - 1u32));
        let s = trailing_zeros(&n_minus_1);
        m.strong_probable_prime(m.pow2(&shift_right(&n_minus_1, s)), s)
    }

    #[test]
    fn primes_pass() {
        let mut primes: Vec<BigUint> = [2u64, 3, 5, 7, 11, 13, 65521, 65537, 4_294_967_291]
            .into_iter()
            .map(BigUint::from)
            .collect();
        primes.extend([61, 89, 107, 127, 521, 607, 1279].map(mersenne));
        // The first prime above 2^64, whose low limb is small.
        primes.push(big("18446744073709551629"));
        primes.push(big("170141183460469231731687303715884105727")); // 2^127 - 1
        for p in &primes {
            assert!(is_prime(p, 4), "{p}");
        }
    }

    #[test]
    fn composites_fail() {
        // Strong pseudoprimes to base 2 (the last five to bases 2-7, 2-11,
        // 2-13, 2-17 and 2-37: OEIS A014233): the random rounds must catch
        // them.
        let pseudoprimes = [
            // Fermat numbers F5 and F6 (2^32 + 1, 2^64 + 1).
            big("4294967297"),
            big("18446744073709551617"),
            big("2047"),
            big("3215031751"),
            big("2152302898747"),
            big("3474749660383"),
            big("341550071728321"),
            big("318665857834031151167461"),
        ];
        for n in &pseudoprimes {
            assert!(
                strong_base_2::<8>(n),
                "{n} is a strong pseudoprime to base 2"
            );
            assert!(!is_prime(n, 40), "{n}");
        }
        // Carmichael numbers, squares of primes, products of large primes,
        // and the small cases.
        let mut composites: Vec<BigUint> = [
            0u64,
            1,
            4,
            9,
            15,
            21,
            25,
            49,
            561,
            1105,
            1729,
            41041,
            825_265,
            65537 * 65537,
        ]
        .into_iter()
        .map(BigUint::from)
        .collect();
        composites.push(mersenne(89) * mersenne(127));
        composites.push(mersenne(521) * mersenne(607));
        composites.push(mersenne(521) * mersenne(521));
        composites.push(mersenne(1279) * 3u32);
        for n in &composites {
            assert!(!is_prime(n, 40), "{n}");
        }
        // Large composites fail on base 2 already.
        assert!(!strong_base_2::<32>(&(mersenne(521) * mersenne(607))));
    }

    #[test]
    fn the_sieve_marks_exactly_the_excluded_candidates() {
        let sieve = sieve();
        // π(2^18) = 23000, less the prime 2.
        assert_eq!(sieve.primes.len(), 22999);
        assert_eq!(sieve.primes[..6], [3, 5, 7, 11, 13, 17]);
        assert_eq!(sieve.primes.last(), Some(&262_139));
        for (i, &p) in sieve.primes.iter().enumerate().step_by(211) {
            assert!((2..p).take_while(|d| d * d <= p).all(|d| p % d != 0), "{p}");
            assert!(
                (sieve.primes.get(i.wrapping_sub(1)).map_or(2, |&q| q) + 1..p)
                    .all(|c| (2..c).take_while(|d| d * d <= c).any(|d| c % d == 0)),
                "no prime skipped before {p}"
            );
        }
        for bits in [100, 512] {
            let start = limbs::<8>(&random_odd(bits));
            let start_big = to_biguint(&start);
            let mut residues = vec![0; sieve.primes.len()];
            sieve_residues(&start, sieve, &mut residues);
            for (&p, &r) in sieve.primes.iter().zip(&residues).step_by(7) {
                assert_eq!(BigUint::from(r), &start_big % p, "mod {p}");
            }
        }
        let start = limbs::<8>(&random_odd(512));
        let start_big = to_biguint(&start);
        let window = 300;
        let mut composite = vec![false; window];
        for p in [3, 5, 7, 11, 251, 257, 65521] {
            let r = usize::try_from(remainder(&start, u64::try_from(p).unwrap())).unwrap();
            mark(&mut composite, p, (p - r) % p);
        }
        let r = usize::try_from(remainder(&start, 65537)).unwrap();
        mark(&mut composite, 65537, (65537 + 1 - r) % 65537);
        for (k, &marked) in composite.iter().enumerate() {
            let candidate = &start_big + 2 * k;
            let divisible = [3u32, 5, 7, 11, 251, 257, 65521]
                .iter()
                .any(|&p| (&candidate % p) == BigUint::from(0u32));
            let one_mod_e = &candidate % E == BigUint::from(1u32);
            assert_eq!(marked, divisible || one_mod_e, "offset {k}");
        }
    }

    fn check_key(key: &RsaPrivateKey, bits: usize) {
        assert_eq!(key.n().bits(), bits);
        assert_eq!(key.e(), &BigUint::from(65537u32));
        key.validate().unwrap();
        let [p, q] = key.primes() else {
            panic!("two primes")
        };
        for prime in [p, q] {
            assert_eq!(prime.bits(), bits / 2);
            assert!(
                (prime >> (bits / 2 - 2)) == BigUint::from(3u32),
                "top two bits"
            );
            assert!(((prime - 1u32) % E) != BigUint::from(0u32));
            assert!(is_prime(prime, 20));
        }
    }

    #[test]
    fn keys_are_valid_and_new() {
        let (a, b) = (rsa_key(1024).unwrap(), rsa_key(1024).unwrap());
        check_key(&a, 1024);
        check_key(&b, 1024);
        assert_ne!(a.n(), b.n());
        check_key(&rsa_key(2048).unwrap(), 2048);
        check_key(&rsa_key(266).unwrap(), 266);
        for bits in [0, 127, 1023, 4098] {
            assert!(rsa_key(bits).is_err(), "{bits}");
        }
    }
}
