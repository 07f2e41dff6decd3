//! A validating JSON scanner that finds where one value ends in a byte buffer.
//!
//! It checks the full JSON grammar (RFC 8259) without building anything, so a record can be
//! validated and sliced out of a stream at close to memory speed: string bodies, the bulk of a
//! CloudTrail record, are skipped eight bytes at a time. UTF-8 validity is checked by the caller
//! on the sliced record.

/// Why a value could not be scanned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ScanError {
    /// The buffer ended before the value did; more input may complete it.
    Incomplete,
    /// The bytes are not valid JSON; `at` is the offending byte's index in the buffer.
    Invalid {
        /// Index of the offending byte.
        at: usize,
        /// What was wrong.
        what: &'static str,
    },
}

/// A value that was scanned successfully.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Scanned {
    /// Index just past the value's last byte.
    pub end: usize,
    /// Whether insignificant whitespace occurs inside the value (then it is not compact).
    pub has_whitespace: bool,
    /// Whether every byte of the value is known to be ASCII, and so valid UTF-8: the structure
    /// scan finds out for free; the validating scan leaves it `false` (the caller checks).
    pub ascii: bool,
}

/// Deepest nesting accepted; deeper input is reported as invalid rather than risking the stack
/// of whoever parses the record next.
const MAX_DEPTH: usize = 512;

/// Whether `byte` is JSON insignificant whitespace.
pub(crate) fn is_whitespace(byte: u8) -> bool {
    matches!(byte, b' ' | b'\t' | b'\n' | b'\r')
}

/// Scans one JSON value starting at `start` (which must not be whitespace).
pub(crate) fn scan_value(buf: &[u8], start: usize) -> Result<Scanned, ScanError> {
    let mut scanner = Scanner {
        buf,
        pos: start,
        has_whitespace: false,
        stack: Vec::new(),
    };
    scanner.run()?;
    Ok(Scanned {
        end: scanner.pos,
        has_whitespace: scanner.has_whitespace,
        ascii: false,
    })
}

/// Finds where the value starting at `start` ends by matching brackets and strings only,
/// without checking the grammar. Used to step over a record that failed validation, so the
/// records after it can still be read. Returns `None` when the buffer ends first.
pub(crate) fn skip_value(buf: &[u8], start: usize) -> Option<usize> {
    let mut depth = 0usize;
    let mut pos = start;
    while pos < buf.len() {
        match buf[pos] {
            b'"' => {
                pos += 1;
                loop {
                    let found = memchr::memchr2(b'"', b'\\', buf.get(pos..)?)?;
                    pos += found;
                    if buf[pos] == b'\\' {
                        pos += 2;
                    } else {
                        pos += 1;
                        break;
                    }
                }
                if depth == 0 {
                    return Some(pos);
                }
                continue;
            }
            // Outside a string only in damaged text: escapes the next byte, as the structural
            // scanner (`crate::structure`) counts it, so both step over a damaged record alike.
            b'\\' => {
                pos += 2;
                continue;
            }
            b'{' | b'[' => depth += 1,
            b'}' | b']' => {
                if depth == 0 {
                    // A scalar ended at the enclosing container's close.
                    return Some(pos);
                }
                depth -= 1;
                if depth == 0 {
                    return Some(pos + 1);
                }
            }
            b',' if depth == 0 => return Some(pos),
            _ => {}
        }
        pos += 1;
    }
    None
}

/// Copies the valid JSON value `text` into `out` without its insignificant whitespace.
pub(crate) fn compact_into(text: &str, out: &mut String) {
    out.clear();
    let bytes = text.as_bytes();
    let mut in_string = false;
    let mut escaped = false;
    let mut run_start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        if in_string {
            if escaped {
                escaped = false;
            } else if b == b'\\' {
                escaped = true;
            } else if b == b'"' {
                in_string = false;
            }
        } else if b == b'"' {
            in_string = true;
        } else if is_whitespace(b) {
            out.push_str(&text[run_start..i]);
            run_start = i + 1;
        }
    }
    out.push_str(&text[run_start..]);
}

const ONES: u64 = 0x0101_0101_0101_0101;
const HIGHS: u64 = 0x8080_8080_8080_8080;

/// Flags (high bit of each byte) the bytes of `word` that are a quote, a backslash or a control
/// character (< 0x20). The lowest flag is always exact (a false flag can only appear above a
/// true one, where a borrow propagates), which is all the scanner needs.
#[inline]
fn string_specials(word: u64) -> u64 {
    let has_zero = |v: u64| v.wrapping_sub(ONES) & !v & HIGHS;
    let quote = has_zero(word ^ (ONES * u64::from(b'"')));
    let backslash = has_zero(word ^ (ONES * u64::from(b'\\')));
    let control = word.wrapping_sub(ONES * 0x20) & !word & HIGHS;
    quote | backslash | control
}

struct Scanner<'a> {
    buf: &'a [u8],
    pos: usize,
    has_whitespace: bool,
    /// Open containers, innermost last: `true` for an object, `false` for an array.
    stack: Vec<bool>,
}

impl Scanner<'_> {
    fn peek(&self) -> Result<u8, ScanError> {
        self.buf.get(self.pos).copied().ok_or(ScanError::Incomplete)
    }

    fn invalid(&self, what: &'static str) -> ScanError {
        ScanError::Invalid { at: self.pos, what }
    }

    fn skip_whitespace(&mut self) -> Result<u8, ScanError> {
        loop {
            let b = self.peek()?;
            if !is_whitespace(b) {
                return Ok(b);
            }
            self.has_whitespace = true;
            self.pos += 1;
        }
    }

    fn run(&mut self) -> Result<(), ScanError> {
        'value: loop {
            match self.skip_whitespace()? {
                b'{' => {
                    self.open(true)?;
                    if self.skip_whitespace()? == b'}' {
                        self.pos += 1;
                        self.stack.pop();
                    } else {
                        self.key()?;
                        continue 'value;
                    }
                }
                b'[' => {
                    self.open(false)?;
                    if self.skip_whitespace()? == b']' {
                        self.pos += 1;
                        self.stack.pop();
                    } else {
                        continue 'value;
                    }
                }
                b'"' => self.string()?,
                b't' => self.literal(b"true")?,
                b'f' => self.literal(b"false")?,
                b'n' => self.literal(b"null")?,
                b'-' | b'0'..=b'9' => self.number()?,
                _ => return Err(self.invalid("expected a JSON value")),
            }
            // After a value: close containers or move to the next element.
            loop {
                let Some(&is_object) = self.stack.last() else {
                    return Ok(());
                };
                match self.skip_whitespace()? {
                    b',' => {
                        self.pos += 1;
                        if is_object {
                            self.skip_whitespace()?;
                            self.key()?;
                        }
                        continue 'value;
                    }
                    b'}' if is_object => {
                        self.pos += 1;
                        self.stack.pop();
                    }
                    b']' if !is_object => {
                        self.pos += 1;
                        self.stack.pop();
                    }
                    _ if is_object => return Err(self.invalid("expected ',' or '}'")),
                    _ => return Err(self.invalid("expected ',' or ']'")),
                }
            }
        }
    }

    fn open(&mut self, is_object: bool) -> Result<(), ScanError> {
        if self.stack.len() >= MAX_DEPTH {
            return Err(self.invalid("nesting deeper than 512 levels"));
        }
        self.stack.push(is_object);
        self.pos += 1;
        Ok(())
    }

    /// An object key and its colon; leaves `pos` before the member's value.
    fn key(&mut self) -> Result<(), ScanError> {
        if self.peek()? != b'"' {
            return Err(self.invalid("expected a string key"));
        }
        self.string()?;
        if self.skip_whitespace()? != b':' {
            return Err(self.invalid("expected ':'"));
        }
        self.pos += 1;
        Ok(())
    }

    fn string(&mut self) -> Result<(), ScanError> {
        self.pos += 1;
        loop {
            // Eight bytes at a time to the first byte that needs a look.
            while let Some(chunk) = self.buf.get(self.pos..self.pos + 8) {
                let word = u64::from_le_bytes(chunk.try_into().expect("8-byte chunk"));
                let specials = string_specials(word);
                if specials != 0 {
                    self.pos += (specials.trailing_zeros() / 8) as usize;
                    break;
                }
                self.pos += 8;
            }
            match self.peek()? {
                b'"' => {
                    self.pos += 1;
                    return Ok(());
                }
                b'\\' => {
                    self.pos += 1;
                    match self.peek()? {
                        b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => self.pos += 1,
                        b'u' => {
                            self.pos += 1;
                            for _ in 0..4 {
                                if !self.peek()?.is_ascii_hexdigit() {
                                    return Err(self.invalid("bad \\u escape"));
                                }
                                self.pos += 1;
                            }
                        }
                        _ => return Err(self.invalid("bad escape in string")),
                    }
                }
                0..=0x1f => return Err(self.invalid("control character in string")),
                _ => self.pos += 1,
            }
        }
    }

    fn literal(&mut self, word: &'static [u8]) -> Result<(), ScanError> {
        for &expected in word {
            if self.peek()? != expected {
                return Err(self.invalid("expected a JSON value"));
            }
            self.pos += 1;
        }
        Ok(())
    }

    fn digits(&mut self) -> Result<usize, ScanError> {
        let start = self.pos;
        while self.peek()?.is_ascii_digit() {
            self.pos += 1;
        }
        Ok(self.pos - start)
    }

    fn number(&mut self) -> Result<(), ScanError> {
        if self.peek()? == b'-' {
            self.pos += 1;
        }
        match self.peek()? {
            b'0' => self.pos += 1,
            b'1'..=b'9' => {
                self.digits()?;
            }
            _ => return Err(self.invalid("bad number")),
        }
        if self.peek()? == b'.' {
            self.pos += 1;
            if self.digits()? == 0 {
                return Err(self.invalid("bad number"));
            }
        }
        if matches!(self.peek()?, b'e' | b'E') {
            self.pos += 1;
            if matches!(self.peek()?, b'+' | b'-') {
                self.pos += 1;
            }
            if self.digits()? == 0 {
                return Err(self.invalid("bad number"));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scan(text: &str) -> Result<Scanned, ScanError> {
        scan_value(text.as_bytes(), 0)
    }

    #[test]
    fn accepts_valid_values_and_finds_their_end() {
        for text in [
            r#"{}"#,
            r#"{"a":1,"b":[true,false,null,-0.5e+3,"x\"y\\z\u00e9"],"c":{"d":[]}}"#,
            r#"{"long":"abcdefghijklmnopqrstuvwxyz0123456789 and more text"}"#,
            r#"{"utf8":"žluťoučký kůň"}"#,
        ] {
            let scanned = scan(&format!("{text},{{}}")).unwrap();
            assert_eq!(scanned.end, text.len(), "{text}");
            assert!(!scanned.has_whitespace || text.contains(' '));
        }
    }

    #[test]
    fn notices_whitespace_outside_strings_only() {
        assert!(!scan(r#"{"a":"x y"}"#).unwrap().has_whitespace);
        assert!(scan("{\"a\": 1}").unwrap().has_whitespace);
    }

    #[test]
    fn reports_invalid_json_with_position() {
        let cases = [
            (r#"{"a":tru}"#, 8),
            (r#"{"a" 1}"#, 5),
            (r#"{"a":1,}"#, 7),
            (r#"{"a":01}"#, 6),
            (r#"{"a":"\q"}"#, 7),
            ("{\"a\":\"\x01\"}", 6),
            (r#"{a:1}"#, 1),
            (r#"{"a":1]"#, 6),
        ];
        for (text, at) in cases {
            match scan(text) {
                Err(ScanError::Invalid { at: got, .. }) => assert_eq!(got, at, "{text}"),
                other => panic!("{text}: {other:?}"),
            }
        }
    }

    #[test]
    fn reports_incomplete_input() {
        for text in [
            r#"{"a":"#,
            r#"{"a":"abc"#,
            r#"{"a":[1,2"#,
            r#"{"a":12"#,
            "{",
        ] {
            assert_eq!(scan(text), Err(ScanError::Incomplete), "{text}");
        }
    }

    #[test]
    fn refuses_absurd_nesting() {
        let text = "[".repeat(600);
        assert!(matches!(scan(&text), Err(ScanError::Invalid { .. })));
    }

    #[test]
    fn skips_a_broken_value_by_its_brackets() {
        let text = r#"{"a":tru,"b":"}"},{"next":1}"#;
        let end = skip_value(text.as_bytes(), 0).unwrap();
        assert_eq!(&text[end..], r#",{"next":1}"#);
        assert_eq!(skip_value(br#"{"a":"#, 0), None);
    }

    #[test]
    fn compacts_without_touching_strings() {
        let mut out = String::new();
        compact_into("{ \"a b\" : [ 1 , \"c\\\" d\" ]\n}", &mut out);
        assert_eq!(out, r#"{"a b":[1,"c\" d"]}"#);
    }

    #[test]
    fn swar_finds_the_first_special_byte_in_every_lane() {
        for lane in 0..8 {
            for special in [b'"', b'\\', 0x00, 0x1f] {
                for later in [b'"', b'\\', 0x01, b'a'] {
                    let mut bytes = [b'a'; 8];
                    bytes[lane] = special;
                    if lane < 7 {
                        bytes[lane + 1] = later;
                    }
                    let flags = string_specials(u64::from_le_bytes(bytes));
                    assert_eq!(flags.trailing_zeros() / 8, lane as u32);
                }
            }
        }
        assert_eq!(
            string_specials(u64::from_le_bytes(*b"abc\x7f\xc3\xa9 ~")),
            0
        );
    }
}
