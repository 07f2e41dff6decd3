//! Space-delimited events: splitting a line into fields (spec §6.2) and binding pattern slots
//! to them (spec §6.3).

use std::ops::Range;

/// One field of an event line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Field {
    /// The value, without surrounding `"..."` or `[...]`.
    pub value: Range<usize>,
    /// The field as written, delimiters included.
    pub raw: Range<usize>,
}

fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r' | b'\x0b' | b'\x0c')
}

/// Splits `line` into fields: runs of whitespace separate fields; a field starting with `"`
/// extends to the next `"` and one starting with `[` to the next `]` (the closing delimiter
/// ends the field even when text follows it directly); an unclosed quote or bracket is an
/// ordinary character.
pub(crate) fn split(line: &[u8], out: &mut Vec<Field>) {
    out.clear();
    let mut i = 0;
    while i < line.len() {
        if is_space(line[i]) {
            i += 1;
            continue;
        }
        let start = i;
        let close = match line[i] {
            b'"' => Some(b'"'),
            b'[' => Some(b']'),
            _ => None,
        };
        if let Some(close) = close {
            if let Some(n) = memchr::memchr(close, &line[i + 1..]) {
                let end = i + 1 + n;
                out.push(Field {
                    value: i + 1..end,
                    raw: start..end + 1,
                });
                i = end + 1;
                continue;
            }
        }
        while i < line.len() && !is_space(line[i]) {
            i += 1;
        }
        out.push(Field {
            value: start..i,
            raw: start..i,
        });
    }
}

/// Binds `slots` pattern slots (with the ellipsis at `ellipsis`, if any) to `fields` of `line`.
/// Returns, per slot, the byte range of its value, or `None` when the line has too few fields.
///
/// Without an ellipsis the last slot takes the raw remainder of the line from its field on
/// (unwrapped when it is a single quoted/bracketed field); with one, slots before it bind from
/// the first field and slots after it from the last field, and the ellipsis takes the rest.
/// The ellipsis slot itself gets an empty range.
pub(crate) fn bind(
    line: &[u8],
    fields: &[Field],
    slots: usize,
    ellipsis: Option<usize>,
    out: &mut Vec<Range<usize>>,
) -> bool {
    out.clear();
    match ellipsis {
        None => {
            if slots == 0 {
                return true;
            }
            if fields.len() < slots {
                return false;
            }
            out.extend(fields[..slots - 1].iter().map(|f| f.value.clone()));
            let last = &fields[slots - 1];
            if fields.len() == slots {
                out.push(last.value.clone());
            } else {
                out.push(last.raw.start..line.len());
            }
            true
        }
        Some(e) => {
            let before = e;
            let after = slots - e - 1;
            if fields.len() < before + after {
                return false;
            }
            out.extend(fields[..before].iter().map(|f| f.value.clone()));
            out.push(0..0);
            out.extend(
                fields[fields.len() - after..]
                    .iter()
                    .map(|f| f.value.clone()),
            );
            true
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(line: &str) -> Vec<&str> {
        let mut fields = Vec::new();
        split(line.as_bytes(), &mut fields);
        fields.iter().map(|f| &line[f.value.clone()]).collect()
    }

    #[test]
    fn splits_like_the_service() {
        assert_eq!(values("a  b\tc"), ["a", "b", "c"]);
        assert_eq!(values("a \"b\"c d"), ["a", "b", "c", "d"]);
        assert_eq!(values("a \"unclosed"), ["a", "\"unclosed"]);
        assert_eq!(values("\"\" []"), ["", ""]);
        assert_eq!(
            values("1.2.3.4 [10/Oct/2000:13:25:15 -0700] \"GET / HTTP/1.0\""),
            ["1.2.3.4", "10/Oct/2000:13:25:15 -0700", "GET / HTTP/1.0"]
        );
    }

    #[test]
    fn last_slot_takes_the_remainder() {
        let line = "a b   c ";
        let mut fields = Vec::new();
        split(line.as_bytes(), &mut fields);
        let mut out = Vec::new();
        assert!(bind(line.as_bytes(), &fields, 2, None, &mut out));
        assert_eq!(&line[out[1].clone()], "b   c ");
        assert!(!bind(line.as_bytes(), &fields, 4, None, &mut out));
        assert!(bind(line.as_bytes(), &fields, 2, Some(0), &mut out));
        assert_eq!(&line[out[1].clone()], "c");
    }
}
