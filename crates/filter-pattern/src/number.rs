//! Exact decimal numbers (spec §5.4): `1 = 1.0 = 1e0`, `9007199254740993 ≠ 9007199254740992`.
//!
//! A number is kept as sign, significant digits (no leading/trailing zeros) and a decimal
//! exponent, so equality and ordering are exact. Values outside the range of an IEEE double
//! (`1e309`) are not numbers for comparison purposes, and values that underflow a double
//! (`1e-999`) are zero, reproducing the observed service behaviour.

use std::cmp::Ordering;

/// An exact decimal value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Decimal {
    negative: bool,
    /// Significant digits, ASCII, no leading or trailing zeros; empty for zero.
    digits: Vec<u8>,
    /// Value = 0.digits × 10^exponent.
    exponent: i64,
}

/// Whether `text` is a number literal: `[+-]? DIGITS ('.' DIGITS)? ([eE] [+-]? DIGITS)?`.
pub(crate) fn is_number_literal(text: &str) -> bool {
    split(text).is_some()
}

/// Splits a number into (negative, integer digits, fraction digits, exponent text).
fn split(text: &str) -> Option<(bool, &str, &str, &str)> {
    let (negative, rest) = match text.as_bytes().first()? {
        b'-' => (true, &text[1..]),
        b'+' => (false, &text[1..]),
        _ => (false, text),
    };
    let digits_end = rest
        .bytes()
        .position(|c| !c.is_ascii_digit())
        .unwrap_or(rest.len());
    let (int, mut rest) = rest.split_at(digits_end);
    if int.is_empty() {
        return None;
    }
    let mut frac = "";
    if let Some(after) = rest.strip_prefix('.') {
        let end = after
            .bytes()
            .position(|c| !c.is_ascii_digit())
            .unwrap_or(after.len());
        if end == 0 {
            return None;
        }
        frac = &after[..end];
        rest = &after[end..];
    }
    let mut exp = "";
    if let Some(after) = rest.strip_prefix(['e', 'E']) {
        let body = after.strip_prefix(['+', '-']).unwrap_or(after);
        if body.is_empty() || !body.bytes().all(|c| c.is_ascii_digit()) {
            return None;
        }
        exp = after;
        rest = "";
    }
    rest.is_empty().then_some((negative, int, frac, exp))
}

impl Decimal {
    /// Parses a number literal (pattern syntax, which is a superset of JSON's number syntax).
    /// Returns `None` for non-numbers, for exponents that do not fit an `i32` and for
    /// magnitudes beyond the double range.
    pub(crate) fn parse(text: &str) -> Option<Decimal> {
        let (negative, int, frac, exp) = split(text)?;
        let exp: i64 = if exp.is_empty() {
            0
        } else {
            i64::from(exp.parse::<i32>().ok()?)
        };
        let mut digits: Vec<u8> = int.bytes().chain(frac.bytes()).collect();
        let mut exponent = int.len() as i64 + exp;
        let leading = digits.iter().take_while(|&&d| d == b'0').count();
        digits.drain(..leading);
        exponent -= leading as i64;
        while digits.last() == Some(&b'0') {
            digits.pop();
        }
        if digits.is_empty() || exponent < -323 {
            // Zero, or a value that underflows a double.
            return Some(Decimal {
                negative: false,
                digits: Vec::new(),
                exponent: 0,
            });
        }
        if exponent > 309
            || (exponent == 309 && digits.as_slice() > b"17976931348623157".as_slice())
        {
            return None;
        }
        Some(Decimal {
            negative,
            digits,
            exponent,
        })
    }

    fn magnitude_cmp(&self, other: &Decimal) -> Ordering {
        match (self.digits.is_empty(), other.digits.is_empty()) {
            (true, true) => return Ordering::Equal,
            (true, false) => return Ordering::Less,
            (false, true) => return Ordering::Greater,
            _ => {}
        }
        self.exponent
            .cmp(&other.exponent)
            .then_with(|| self.digits.cmp(&other.digits))
    }

    /// Compares two decimals exactly.
    pub(crate) fn cmp_exact(&self, other: &Decimal) -> Ordering {
        let sign = |d: &Decimal| {
            if d.digits.is_empty() {
                0
            } else if d.negative {
                -1
            } else {
                1
            }
        };
        match sign(self).cmp(&sign(other)) {
            Ordering::Equal if self.negative && !self.digits.is_empty() => {
                other.magnitude_cmp(self)
            }
            Ordering::Equal => self.magnitude_cmp(other),
            unequal => unequal,
        }
    }
}

/// The text a JSON number is compared as when the pattern gives a string, a wildcard or a
/// regex (spec §5.4 leaves the canonical form open, §14.5). Our choice: a plain integer
/// (`-?DIGITS`) is its own text (`2` = `"2"`); any other number is rendered as a double in the
/// style of Java's `Double.toString` (`1.0` → `1.0`, `1e3` → `1000.0`, `1e0` → `1.0`,
/// `1e-999` → `0.0`, `1e20` → `1.0E20`), so `1.0 ≠ "1"` and `1e0 ≠ "1e0"` as observed.
pub(crate) fn canonical_text(raw: &str) -> std::borrow::Cow<'_, str> {
    let body = raw.strip_prefix('-').unwrap_or(raw);
    if !body.is_empty() && body.bytes().all(|c| c.is_ascii_digit()) {
        return std::borrow::Cow::Borrowed(raw);
    }
    let Ok(value) = raw.parse::<f64>() else {
        return std::borrow::Cow::Borrowed(raw);
    };
    let magnitude = value.abs();
    let text = if magnitude == 0.0 || (1e-3..1e7).contains(&magnitude) {
        let plain = format!("{value}");
        if plain.contains('.') {
            plain
        } else {
            format!("{plain}.0")
        }
    } else {
        let sci = format!("{value:E}");
        match sci.split_once('E') {
            Some((mantissa, exp)) if !mantissa.contains('.') => format!("{mantissa}.0E{exp}"),
            _ => sci,
        }
    };
    std::borrow::Cow::Owned(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Decimal {
        Decimal::parse(s).unwrap()
    }

    #[test]
    fn exact_equality_and_order() {
        assert_eq!(d("1"), d("1.0"));
        assert_eq!(d("1"), d("1e0"));
        assert_eq!(d("1000"), d("1e3"));
        assert_eq!(d("0"), d("-0.0"));
        assert_eq!(d("0"), d("1e-999"));
        assert_ne!(d("9007199254740993"), d("9007199254740992"));
        assert_eq!(d("-2").cmp_exact(&d("-1")), Ordering::Less);
        assert_eq!(d("0.5").cmp_exact(&d("0.25")), Ordering::Greater);
        assert_eq!(d("10").cmp_exact(&d("9")), Ordering::Greater);
        assert_eq!(d("+1000").cmp_exact(&d("1e3")), Ordering::Equal);
        assert!(Decimal::parse("1e309").is_none());
        assert!(Decimal::parse("1e2147483648").is_none());
        assert!(Decimal::parse("1.").is_none());
        assert!(Decimal::parse("abc").is_none());
    }

    #[test]
    fn canonical_text_choices() {
        assert_eq!(canonical_text("2"), "2");
        assert_eq!(canonical_text("1.0"), "1.0");
        assert_eq!(canonical_text("1e0"), "1.0");
        assert_eq!(canonical_text("1e3"), "1000.0");
        assert_eq!(canonical_text("1e-999"), "0.0");
        assert_eq!(canonical_text("-0.0"), "-0.0");
        assert_eq!(canonical_text("1e20"), "1.0E20");
    }
}
