//! Sprig's arithmetic. The integer functions (`add`, `sub`, `div`, `mod`,
//! `mul`, `max`, `min`...) convert through cast's `ToInt64` and return
//! int64, wrapping on overflow as Go does. The float functions `addf`,
//! `subf`, `mulf`, `divf` and `add1f` compute in shopspring/decimal (exact
//! decimals from each float's shortest form, division rounded to 16 places)
//! and return float64, so `addf 0.1 0.2` is 0.3; `maxf`, `minf`, `floor`,
//! `ceil` and `round` use Go's `math`.

use num_bigint::BigInt;

use super::conv::{arg, arg_int, to_float64, to_int64};
use crate::funcs::{Call, Function, Signature, Type};
use crate::value::{Value, format_float};

pub(super) fn functions() -> Vec<Function> {
    use Type::{Any, Float64, Int};
    let two = Signature::fixed(&[Any, Any]);
    let at_least_one = Signature::variadic(&[Any], Any);
    let table: Vec<(&'static str, Signature, Call)> = vec![
        ("add", Signature::variadic(&[], Any), |a| {
            Ok(int(a
                .iter()
                .fold(0, |sum, v| sum.wrapping_add(to_int64(v)))))
        }),
        ("add1", Signature::fixed(&[Any]), |a| {
            Ok(int(to_int64(&arg(a, 0)).wrapping_add(1)))
        }),
        ("sub", two, |a| {
            Ok(int(to_int64(&arg(a, 0)).wrapping_sub(to_int64(&arg(a, 1)))))
        }),
        ("div", two, |a| {
            let (x, y) = (to_int64(&arg(a, 0)), to_int64(&arg(a, 1)));
            checked_divisor(y).map(|y| int(x.wrapping_div(y)))
        }),
        ("mod", two, |a| {
            let (x, y) = (to_int64(&arg(a, 0)), to_int64(&arg(a, 1)));
            checked_divisor(y).map(|y| int(x.wrapping_rem(y)))
        }),
        ("mul", at_least_one, |a| {
            Ok(int(a.iter().skip(1).fold(to_int64(&arg(a, 0)), |p, v| {
                p.wrapping_mul(to_int64(v))
            })))
        }),
        ("max", at_least_one, |a| Ok(int(ints(a).max().unwrap_or(0)))),
        ("biggest", at_least_one, |a| {
            Ok(int(ints(a).max().unwrap_or(0)))
        }),
        ("min", at_least_one, |a| Ok(int(ints(a).min().unwrap_or(0)))),
        ("maxf", at_least_one, |a| {
            Ok(Value::Float(floats(a).fold(f64::NEG_INFINITY, go_max)))
        }),
        ("minf", at_least_one, |a| {
            Ok(Value::Float(floats(a).fold(f64::INFINITY, go_min)))
        }),
        ("floor", Signature::fixed(&[Any]), |a| {
            Ok(Value::Float(to_float64(&arg(a, 0)).floor()))
        }),
        ("ceil", Signature::fixed(&[Any]), |a| {
            Ok(Value::Float(to_float64(&arg(a, 0)).ceil()))
        }),
        ("round", Signature::variadic(&[Any, Int], Float64), round),
        ("addf", Signature::variadic(&[], Any), |a| {
            decimal_fold(&Value::Float(0.0), a, |x, y| Ok(x.add(&y)))
        }),
        ("add1f", Signature::fixed(&[Any]), |a| {
            decimal_fold(&arg(a, 0), &[Value::Int(1)], |x, y| Ok(x.add(&y)))
        }),
        ("subf", at_least_one, |a| {
            decimal_fold(&arg(a, 0), rest(a), |x, y| Ok(x.add(&y.neg())))
        }),
        ("mulf", at_least_one, |a| {
            decimal_fold(&arg(a, 0), rest(a), |x, y| Ok(x.mul(&y)))
        }),
        ("divf", at_least_one, |a| {
            decimal_fold(&arg(a, 0), rest(a), |x, y| x.div(&y))
        }),
    ];
    table
        .into_iter()
        .map(|(name, sig, call)| Function { name, sig, call })
        .collect()
}

fn int(n: i64) -> Value {
    Value::Int64(n)
}

fn rest(args: &[Value]) -> &[Value] {
    args.get(1..).unwrap_or_default()
}

fn ints(args: &[Value]) -> impl Iterator<Item = i64> + '_ {
    args.iter().map(to_int64)
}

fn floats(args: &[Value]) -> impl Iterator<Item = f64> + '_ {
    args.iter().map(to_float64)
}

/// Go's integer division panics on a zero divisor.
fn checked_divisor(y: i64) -> Result<i64, String> {
    if y == 0 {
        Err("runtime error: integer divide by zero".into())
    } else {
        Ok(y)
    }
}

/// `math.Max`: NaN and +Inf win, and +0 beats -0.
fn go_max(x: f64, y: f64) -> f64 {
    if x == f64::INFINITY || y == f64::INFINITY {
        f64::INFINITY
    } else if x.is_nan() || y.is_nan() {
        f64::NAN
    } else if x == 0.0 && y == 0.0 {
        if x.is_sign_positive() { x } else { y }
    } else if x > y {
        x
    } else {
        y
    }
}

/// `math.Min`: NaN and -Inf win, and -0 beats +0.
fn go_min(x: f64, y: f64) -> f64 {
    if x == f64::NEG_INFINITY || y == f64::NEG_INFINITY {
        f64::NEG_INFINITY
    } else if x.is_nan() || y.is_nan() {
        f64::NAN
    } else if x == 0.0 && y == 0.0 {
        if x.is_sign_negative() { x } else { y }
    } else if x < y {
        x
    } else {
        y
    }
}

/// `round VALUE PLACES [HALF]`: rounds up when the fraction of
/// `value * 10^places` reaches `half` (0.5 by default), in float64 as
/// Sprig does (so `round 1.005 2` is 1).
fn round(args: &[Value]) -> Result<Value, String> {
    let half = args.get(2).map_or(0.5, to_float64);
    let value = to_float64(&arg(args, 0));
    #[allow(clippy::cast_precision_loss)] // Sprig's `float64(p)`
    let pow = go_pow10(arg_int(args, 1) as f64);
    let digits = pow * value;
    let fraction = digits - digits.trunc();
    let rounded = if fraction >= half {
        digits.ceil()
    } else {
        digits.floor()
    };
    Ok(Value::Float(rounded / pow))
}

/// Go's `math.Pow(10, y)` for an integral `y`, bit for bit: repeated
/// squaring of the mantissa, scaled by `Ldexp` at the end.
fn go_pow10(y: f64) -> f64 {
    if y == 0.0 {
        return 1.0;
    }
    if y == 1.0 {
        return 10.0;
    }
    let yi = y.abs().trunc();
    if yi >= 9_223_372_036_854_775_808.0 {
        return if y > 0.0 { f64::INFINITY } else { 0.0 };
    }
    let (mut x1, mut xe) = frexp(10.0);
    let (mut a1, mut ae) = (1.0, 0i64);
    // `yi` is below 2^63 here, so the conversion is exact.
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let mut i = yi as u64;
    while i != 0 {
        if !(-(1 << 12)..=(1 << 12)).contains(&xe) {
            ae += xe;
            break;
        }
        if i & 1 == 1 {
            a1 *= x1;
            ae += xe;
        }
        x1 *= x1;
        xe <<= 1;
        if x1 < 0.5 {
            x1 += x1;
            xe -= 1;
        }
        i >>= 1;
    }
    if y < 0.0 {
        a1 = 1.0 / a1;
        ae = -ae;
    }
    ldexp(a1, ae)
}

const MANTISSA_BITS: u32 = 52;
const EXPONENT_MASK: u64 = 0x7FF;
const BIAS: i64 = 1023;

/// The IEEE exponent field of `x`.
fn exponent_field(x: f64) -> i64 {
    // Masked to 11 bits, so it fits.
    #[allow(clippy::cast_possible_wrap)]
    let field = ((x.to_bits() >> MANTISSA_BITS) & EXPONENT_MASK) as i64;
    field
}

/// Go's `math.Frexp` for a finite non-zero `x`: `x = frac * 2^exp` with
/// `frac` in [0.5, 1).
fn frexp(x: f64) -> (f64, i64) {
    let (mut x, mut exp) = (x, 0);
    if x.abs() < f64::MIN_POSITIVE {
        x *= (1u64 << 52) as f64;
        exp = -52;
    }
    exp += exponent_field(x) - BIAS + 1;
    // The exponent field of 0.5.
    const HALF: u64 = 1022;
    let bits = (x.to_bits() & !(EXPONENT_MASK << MANTISSA_BITS)) | (HALF << MANTISSA_BITS);
    (f64::from_bits(bits), exp)
}

/// Go's `math.Ldexp`: `frac * 2^exp`, overflowing to infinity and rounding
/// into the subnormals.
fn ldexp(frac: f64, exp: i64) -> f64 {
    if frac == 0.0 || !frac.is_finite() {
        return frac;
    }
    let (mut frac, mut exp) = (frac, exp);
    if frac.abs() < f64::MIN_POSITIVE {
        frac *= (1u64 << 52) as f64;
        exp -= 52;
    }
    exp += exponent_field(frac) - BIAS;
    if exp < -1075 {
        return 0f64.copysign(frac);
    }
    if exp > 1023 {
        return f64::INFINITY.copysign(frac);
    }
    let mut scale = 1.0;
    if exp < -1022 {
        exp += 53;
        scale = 1.0 / (1u64 << 53) as f64;
    }
    // In [-1022, 1023] now, so the biased exponent is a valid field.
    #[allow(clippy::cast_sign_loss)]
    let field = (exp + BIAS) as u64;
    let bits = (frac.to_bits() & !(EXPONENT_MASK << MANTISSA_BITS)) | (field << MANTISSA_BITS);
    scale * f64::from_bits(bits)
}

/// Sprig's `execDecimalOp`: `first`, then each of `rest` through `op`, all as
/// decimals, back to the nearest float64.
fn decimal_fold(
    first: &Value,
    rest: &[Value],
    op: impl Fn(Decimal, Decimal) -> Result<Decimal, String>,
) -> Result<Value, String> {
    let mut acc = Decimal::from_float(to_float64(first))?;
    for value in rest {
        acc = op(acc, Decimal::from_float(to_float64(value))?)?;
    }
    Ok(Value::Float(acc.to_float()))
}

/// shopspring/decimal's value: `mantissa * 10^exponent`, exactly.
#[derive(Debug, Clone)]
struct Decimal {
    mantissa: BigInt,
    exponent: i64,
}

/// `Div`'s precision: 16 decimal places.
const DIVISION_PLACES: i64 = 16;

impl Decimal {
    /// `NewFromFloat`: the shortest decimal that reads back as `x`.
    fn from_float(x: f64) -> Result<Decimal, String> {
        if !x.is_finite() {
            return Err(format!("Cannot create a Decimal from {}", format_float(x)));
        }
        // `{:e}` is the shortest round-trip form: `-1.25e-7`.
        let text = format!("{x:e}");
        let (digits, exponent) = text.split_once('e').unwrap_or((&text, "0"));
        let exponent: i64 = exponent.parse().unwrap_or(0);
        let fraction_len = digits.split_once('.').map_or(0, |(_, f)| f.len());
        let mantissa: BigInt = digits.replace('.', "").parse().unwrap_or_default();
        Ok(Decimal {
            mantissa,
            exponent: exponent - i64::try_from(fraction_len).unwrap_or(0),
        })
    }

    /// The nearest float64 (infinite when out of range).
    fn to_float(&self) -> f64 {
        format!("{}e{}", self.mantissa, self.exponent)
            .parse()
            .unwrap_or(f64::NAN)
    }

    /// Both mantissas at the smaller exponent.
    fn aligned(&self, other: &Decimal) -> (BigInt, BigInt, i64) {
        let exponent = self.exponent.min(other.exponent);
        let scale = |d: &Decimal| &d.mantissa * pow10(d.exponent - exponent);
        (scale(self), scale(other), exponent)
    }

    fn add(&self, other: &Decimal) -> Decimal {
        let (a, b, exponent) = self.aligned(other);
        Decimal {
            mantissa: a + b,
            exponent,
        }
    }

    fn neg(&self) -> Decimal {
        Decimal {
            mantissa: -&self.mantissa,
            exponent: self.exponent,
        }
    }

    fn mul(&self, other: &Decimal) -> Decimal {
        Decimal {
            mantissa: &self.mantissa * &other.mantissa,
            exponent: self.exponent + other.exponent,
        }
    }

    /// `Div`: the quotient to 16 decimal places, the last rounded half away
    /// from zero.
    fn div(&self, other: &Decimal) -> Result<Decimal, String> {
        if other.mantissa == BigInt::ZERO {
            return Err("decimal division by 0".into());
        }
        // quotient * 10^16 = (m1 / m2) * 10^(e1 - e2 + 16)
        let shift = self.exponent - other.exponent + DIVISION_PLACES;
        let (numerator, denominator) = if shift >= 0 {
            (&self.mantissa * pow10(shift), other.mantissa.clone())
        } else {
            (self.mantissa.clone(), &other.mantissa * pow10(-shift))
        };
        let mut quotient = &numerator / &denominator; // toward zero
        let remainder = &numerator - &quotient * &denominator;
        let twice = remainder.magnitude() * 2u32;
        if twice >= *denominator.magnitude() {
            let away = if (numerator < BigInt::ZERO) == (denominator < BigInt::ZERO) {
                1
            } else {
                -1
            };
            quotient += away;
        }
        Ok(Decimal {
            mantissa: quotient,
            exponent: -DIVISION_PLACES,
        })
    }
}

fn pow10(n: i64) -> BigInt {
    BigInt::from(10u32).pow(u32::try_from(n).unwrap_or(0))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sprig::testing::{call, f, i, out};

    // Expectations from tests/cases/sprig_core.expected.json.
    #[test]
    fn integer_arithmetic_wraps_like_go() {
        assert_eq!(call("add", &[i(1), i(2), i(3)]), Ok(Value::Int64(6)));
        assert_eq!(out("add", &[i(1), f(1.5)]), "2");
        assert_eq!(out("add", &[Value::str("3"), i(4)]), "7");
        assert_eq!(out("add", &[]), "0");
        assert_eq!(out("add", &[i(i64::MAX), i(1)]), "-9223372036854775808");
        assert_eq!(out("add", &[Value::Bool(true), i(1)]), "2");
        assert_eq!(out("add", &[Value::str("1.0"), i(1)]), "2");
        assert_eq!(
            out("sub", &[i(-9_223_372_036_854_775_807), i(2)]),
            "9223372036854775807"
        );
        assert_eq!(out("div", &[i(-7), i(2)]), "-3");
        assert_eq!(out("mod", &[i(-7), i(3)]), "-1");
        assert_eq!(out("mul", &[i(4_294_967_296), i(4_294_967_296)]), "0");
        assert_eq!(
            out("div", &[i(-9_223_372_036_854_775_807), i(-1)]),
            "9223372036854775807"
        );
        assert_eq!(out("div", &[i(i64::MIN), i(-1)]), "-9223372036854775808");
        assert_eq!(
            out("div", &[i(1), i(0)]),
            "error: runtime error: integer divide by zero"
        );
        assert_eq!(
            out("mod", &[i(1), Value::str("x")]),
            "error: runtime error: integer divide by zero"
        );
        assert_eq!(out("min", &[i(3), Value::str("1"), i(2)]), "1");
        assert_eq!(out("max", &[Value::str("a"), i(-1)]), "0");
    }

    #[test]
    fn float_functions() {
        assert_eq!(out("floor", &[f(-1.5)]), "-2");
        assert_eq!(out("ceil", &[Value::str("1.2")]), "2");
        assert_eq!(out("floor", &[f(1e6)]), "1e+06");
        assert_eq!(out("maxf", &[i(1), f(2.5), Value::str("3")]), "3");
        assert_eq!(out("minf", &[i(1), f(2.5), i(-1)]), "-1");
        assert_eq!(out("maxf", &[f(f64::NAN), i(1)]), "NaN");
        for (args, want) in [
            (vec![f(2.675), i(2)], "2.68"),
            (vec![f(1.5), i(0)], "2"),
            (vec![f(-2.5), i(0)], "-3"),
            (vec![f(1.2345), i(2), f(0.4)], "1.24"),
            (vec![f(123.456), i(-1)], "120"),
            (vec![Value::str("3.14159"), i(3)], "3.142"),
            (vec![f(2.5), i(0), f(0.6)], "2"),
            (vec![f(1.005), i(2)], "1"),
            (vec![f(0.285), i(2)], "0.28"),
        ] {
            assert_eq!(out("round", &args), want, "round {args:?}");
        }
        for y in -30..=30 {
            assert_eq!(go_pow10(f64::from(y)), 10f64.powi(y), "10^{y}");
        }
        assert_eq!(go_pow10(400.0), f64::INFINITY);
        assert_eq!(go_pow10(-400.0), 0.0);
        assert_eq!(go_pow10(-320.0), 1e-320);
    }

    #[test]
    fn decimal_arithmetic() {
        for (name, args, want) in [
            ("addf", vec![f(1.1), f(2.2)], "3.3"),
            ("addf", vec![], "0"),
            ("addf", vec![i(1), Value::str("2.5"), Value::Nil], "3.5"),
            ("addf", vec![f(0.1), f(0.2)], "0.3"),
            ("addf", vec![f(1e20), i(1)], "1e+20"),
            ("addf", vec![f(1e6), f(1.5)], "1.0000015e+06"),
            ("add1f", vec![f(1.5)], "2.5"),
            ("subf", vec![i(1), f(0.9)], "0.1"),
            ("subf", vec![i(10), i(1), i(2), i(3)], "4"),
            ("mulf", vec![f(1.1), i(3)], "3.3"),
            ("divf", vec![i(1), i(3)], "0.3333333333333333"),
            ("divf", vec![i(2), i(3)], "0.6666666666666667"),
            ("divf", vec![f(1e-20), i(3)], "0"),
            ("divf", vec![i(10), i(4), i(2)], "1.25"),
            ("divf", vec![i(-2), i(3)], "-0.6666666666666667"),
            ("divf", vec![i(1), i(7)], "0.1428571428571429"),
            ("mulf", vec![f(1e200), f(1e200)], "+Inf"),
            ("divf", vec![i(123_456_789), i(1000)], "123456.789"),
            ("subf", vec![i(0), f(0.1)], "-0.1"),
            ("mulf", vec![f(0.1), f(0.1)], "0.01"),
            ("divf", vec![f(5e-17), i(1)], "1e-16"),
            ("divf", vec![f(4.9999e-17), i(1)], "0"),
            ("divf", vec![i(1), i(0)], "error: decimal division by 0"),
            (
                "addf",
                vec![f(f64::NAN), i(1)],
                "error: Cannot create a Decimal from NaN",
            ),
            (
                "addf",
                vec![f(f64::INFINITY)],
                "error: Cannot create a Decimal from +Inf",
            ),
        ] {
            assert_eq!(out(name, &args), want, "{name} {args:?}");
        }
    }
}
