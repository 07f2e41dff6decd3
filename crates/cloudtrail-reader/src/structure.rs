//! A fast structural scanner: finds where a JSON object ends by looking only at quotes,
//! backslashes, braces and brackets, 64 bytes at a time, without checking the grammar in
//! between.
//!
//! This is stage one of the simdjson design: per 64-byte block, one bit mask per interesting
//! byte (AVX-512BW compares when the CPU has them, SSE2 otherwise on x86-64, byte by byte
//! elsewhere), escaped quotes found with carry arithmetic, the in-string region as the prefix XOR
//! of the unescaped quotes (one carry-less multiplication where available), and the braces and
//! brackets outside strings counted bit by bit. It is several times faster than the validating
//! scanner and is used when a later stage parses the records it cares about anyway.

use crate::scan::{ScanError, Scanned};

const EVEN_BITS: u64 = 0x5555_5555_5555_5555;

/// One bit per byte of a 64-byte block, for each byte class the scanner looks at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Masks {
    quotes: u64,
    backslashes: u64,
    opens: u64,
    closes: u64,
    whitespace: u64,
    /// Bytes 0x80 and above (not ASCII).
    high: u64,
}

/// Classifies a block (at most 64 bytes; a short one is padded with spaces) with SSE2 (part of
/// every x86-64 CPU): 16 bytes per compare.
#[cfg(target_arch = "x86_64")]
#[inline(always)]
fn classify_sse2(block: &[u8]) -> Masks {
    let block: [u8; 64] = match block.try_into() {
        Ok(whole) => whole,
        Err(_) => padded(block),
    };
    use std::arch::x86_64::{
        __m128i, _mm_cmpeq_epi8, _mm_loadu_si128, _mm_movemask_epi8, _mm_or_si128, _mm_set1_epi8,
    };
    let mut masks = Masks {
        quotes: 0,
        backslashes: 0,
        opens: 0,
        closes: 0,
        whitespace: 0,
        high: 0,
    };
    for (i, chunk) in block.chunks_exact(16).enumerate() {
        // SAFETY: SSE2 is part of the x86-64 baseline, so these instructions always exist; the
        // load reads exactly the 16 bytes of `chunk` and allows any alignment.
        unsafe {
            let bytes = _mm_loadu_si128(chunk.as_ptr().cast::<__m128i>());
            let bits = |byte: u8| {
                let equal = _mm_cmpeq_epi8(bytes, _mm_set1_epi8(byte as i8));
                u64::from(_mm_movemask_epi8(equal) as u16) << (16 * i)
            };
            masks.quotes |= bits(b'"');
            masks.backslashes |= bits(b'\\');
            masks.opens |= bits(b'{') | bits(b'[');
            masks.closes |= bits(b'}') | bits(b']');
            let space = _mm_or_si128(
                _mm_or_si128(
                    _mm_cmpeq_epi8(bytes, _mm_set1_epi8(b' ' as i8)),
                    _mm_cmpeq_epi8(bytes, _mm_set1_epi8(b'\n' as i8)),
                ),
                _mm_or_si128(
                    _mm_cmpeq_epi8(bytes, _mm_set1_epi8(b'\t' as i8)),
                    _mm_cmpeq_epi8(bytes, _mm_set1_epi8(b'\r' as i8)),
                ),
            );
            masks.whitespace |= u64::from(_mm_movemask_epi8(space) as u16) << (16 * i);
            masks.high |= u64::from(_mm_movemask_epi8(bytes) as u16) << (16 * i);
        }
    }
    masks
}

/// Classifies a block byte by byte (targets without SSE2; and the reference in tests).
#[cfg_attr(target_arch = "x86_64", allow(dead_code))]
fn classify_bytes(block: &[u8]) -> Masks {
    let block = padded(block);
    let mut masks = Masks {
        quotes: 0,
        backslashes: 0,
        opens: 0,
        closes: 0,
        whitespace: 0,
        high: 0,
    };
    for (i, &b) in block.iter().enumerate() {
        let bit = 1u64 << i;
        if !b.is_ascii() {
            masks.high |= bit;
        }
        match b {
            b'"' => masks.quotes |= bit,
            b'\\' => masks.backslashes |= bit,
            b'{' | b'[' => masks.opens |= bit,
            b'}' | b']' => masks.closes |= bit,
            b' ' | b'\t' | b'\n' | b'\r' => masks.whitespace |= bit,
            _ => {}
        }
    }
    masks
}

/// Bit `i` set where byte `i` is escaped by an odd run of backslashes before it;
/// `carry` says whether the previous block ended with an unfinished escape.
#[inline]
fn escaped(backslashes: u64, carry: &mut u64) -> u64 {
    let backslashes = backslashes & !*carry;
    let follows_escape = (backslashes << 1) | *carry;
    let odd_starts = backslashes & !EVEN_BITS & !follows_escape;
    let (even_sequences, overflow) = odd_starts.overflowing_add(backslashes);
    *carry = u64::from(overflow);
    let invert = even_sequences << 1;
    (EVEN_BITS ^ invert) & follows_escape
}

/// Bit `i` set where an odd number of bits at or below `i` are set.
#[inline]
fn prefix_xor(mut bits: u64) -> u64 {
    bits ^= bits << 1;
    bits ^= bits << 2;
    bits ^= bits << 4;
    bits ^= bits << 8;
    bits ^= bits << 16;
    bits ^= bits << 32;
    bits
}

/// Finds the end of the object starting at `buf[start]` (which must be `{`) by structure only:
/// strings are skipped (escapes honoured) and braces and brackets outside strings counted
/// alike, as [`crate::scan::skip_value`] counts them, so that on a damaged record both end in
/// the same place and the records after it are the same whichever validation cut them.
/// `Incomplete` when the buffer ends first. Which kind of bracket closes which, and the grammar
/// between tokens, are not checked.
pub(crate) fn object_end(buf: &[u8], start: usize) -> Result<Scanned, ScanError> {
    debug_assert_eq!(buf.get(start), Some(&b'{'));
    #[cfg(target_arch = "x86_64")]
    {
        if std::is_x86_feature_detected!("avx512bw") && std::is_x86_feature_detected!("pclmulqdq") {
            // SAFETY: the CPU has just been checked for both features.
            return unsafe { object_end_avx512(buf, start) };
        }
        object_end_with(buf, start, classify_sse2, prefix_xor)
    }
    #[cfg(not(target_arch = "x86_64"))]
    object_end_with(buf, start, classify_bytes, prefix_xor)
}

/// [`object_end_with`] compiled for AVX-512BW and PCLMULQDQ.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512bw,pclmulqdq")]
unsafe fn object_end_avx512(buf: &[u8], start: usize) -> Result<Scanned, ScanError> {
    object_end_with(
        buf,
        start,
        // SAFETY: this function only runs on CPUs with both features (see `object_end`).
        |block| unsafe { classify_avx512(block) },
        |bits| unsafe { prefix_xor_clmul(bits) },
    )
}

/// The scan, with the block classifier `classify` and the prefix XOR `xor`.
#[inline(always)]
fn object_end_with(
    buf: &[u8],
    start: usize,
    classify: impl Fn(&[u8]) -> Masks,
    xor: impl Fn(u64) -> u64,
) -> Result<Scanned, ScanError> {
    let mut depth = 0u32;
    let mut in_string_carry = 0u64;
    let mut escape_carry = 0u64;
    let mut has_whitespace = false;
    let mut high = 0u64;
    let mut pos = start;
    while pos < buf.len() {
        let available = (buf.len() - pos).min(64);
        let masks = classify(&buf[pos..pos + available]);
        let escapes = if masks.backslashes | escape_carry != 0 {
            escaped(masks.backslashes, &mut escape_carry)
        } else {
            0
        };
        let quotes = masks.quotes & !escapes;
        let in_string = xor(quotes) ^ in_string_carry;
        in_string_carry = 0u64.wrapping_sub(in_string >> 63);
        // An escaped bracket outside a string (only in damaged text) does not count, as in
        // `crate::scan::skip_value`.
        let opens = masks.opens & !in_string & !escapes;
        let closes = masks.closes & !in_string & !escapes;
        let outside = !in_string & !quotes;
        let valid = if available == 64 {
            u64::MAX
        } else {
            (1u64 << available) - 1
        };
        let mut braces = (opens | closes) & valid;
        while braces != 0 {
            let bit = braces.trailing_zeros();
            braces &= braces - 1;
            // Without a branch on the kind of brace (which would be mispredicted often):
            // +1 for an opening one, -1 for a closing one.
            depth = depth
                .wrapping_add(2 * ((opens >> bit) as u32 & 1))
                .wrapping_sub(1);
            if depth == 0 {
                let upto = if bit == 63 {
                    u64::MAX
                } else {
                    (1u64 << (bit + 1)) - 1
                };
                has_whitespace |= masks.whitespace & outside & upto != 0;
                return Ok(Scanned {
                    end: pos + bit as usize + 1,
                    has_whitespace,
                    ascii: high | (masks.high & upto) == 0,
                });
            }
        }
        has_whitespace |= masks.whitespace & outside & valid != 0;
        high |= masks.high & valid;
        pos += 64;
    }
    Err(ScanError::Incomplete)
}

/// Classifies a block (at most 64 bytes) with one AVX-512BW compare per class. The masked load
/// reads only the block's bytes (masked-out lanes are never accessed, so they cannot fault)
/// and fills the rest with spaces.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512bw")]
#[inline]
unsafe fn classify_avx512(block: &[u8]) -> Masks {
    use std::arch::x86_64::*;
    let valid = u64::MAX >> (64 - block.len());
    let bytes = _mm512_mask_loadu_epi8(_mm512_set1_epi8(b' ' as i8), valid, block.as_ptr().cast());
    let eq = |byte: u8| _mm512_cmpeq_epi8_mask(bytes, _mm512_set1_epi8(byte as i8));
    Masks {
        quotes: eq(b'"'),
        backslashes: eq(b'\\'),
        opens: eq(b'{') | eq(b'['),
        closes: eq(b'}') | eq(b']'),
        whitespace: eq(b' ') | eq(b'\n') | eq(b'\t') | eq(b'\r'),
        high: _mm512_movepi8_mask(bytes),
    }
}

/// Prefix XOR as one carry-less multiplication by all ones.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "pclmulqdq")]
#[inline]
unsafe fn prefix_xor_clmul(bits: u64) -> u64 {
    use std::arch::x86_64::*;
    let product = _mm_clmulepi64_si128(_mm_set_epi64x(0, bits as i64), _mm_set1_epi8(-1), 0);
    _mm_cvtsi128_si64(product) as u64
}

/// Copies a short block into a 64-byte array padded with spaces (whitespace, no structure).
#[inline(never)]
fn padded(block: &[u8]) -> [u8; 64] {
    let mut padded = [b' '; 64];
    padded[..block.len()].copy_from_slice(block);
    padded
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scan::scan_value;

    /// What [`object_end`] finds on valid JSON: the validating scanner's end and whitespace
    /// verdict, and whether the object's bytes are all ASCII.
    fn expected_end(bytes: &[u8], start: usize) -> Result<Scanned, ScanError> {
        scan_value(bytes, start).map(|scanned| Scanned {
            ascii: bytes[start..scanned.end].is_ascii(),
            ..scanned
        })
    }

    #[test]
    fn finds_the_same_end_as_the_validating_scanner() {
        let objects = [
            r#"{}"#,
            r#"{"a":{"b":{"c":[{"d":"}}}"}]}},"e":"\\","f":"\\\"{"}"#,
            r#"{"policy":"{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\"}]}"}"#,
            r#"{"userAgent":"Mozilla/5.0 (Bureau d'études; ü)","a":"\u00e9"}"#,
            "{ \"a\" : [ 1 , 2 ] ,\n \"b\" : { } }",
        ];
        for object in objects {
            // Shift the object across block boundaries and pad it with a following record.
            for shift in 0..70 {
                let text = format!("{}{object},{{\"next\":1}}", " ".repeat(shift));
                let bytes = text.as_bytes();
                let expected = expected_end(bytes, shift).unwrap();
                let got = object_end(bytes, shift).unwrap();
                assert_eq!(got, expected, "{object} shifted by {shift}");
            }
        }
    }

    /// Objects nested and spread over many blocks (blocks where the depth is only counted,
    /// blocks where the end could be), braces inside strings included.
    #[test]
    fn nested_objects_over_many_blocks() {
        let mut state = 7u32;
        let mut next = |n: u32| {
            state = state.wrapping_mul(1_103_515_245).wrapping_add(12345);
            (state >> 8) % n
        };
        for _ in 0..300 {
            let mut text = String::from("{");
            let mut depth = 1;
            // Braces close only past a length of up to 4,000 bytes: most objects span blocks.
            let length = next(4000) as usize;
            while depth > 0 {
                match next(6) {
                    1 | 2 if text.len() < length => {}
                    0 if depth < 12 => {
                        text.push_str("\"o\":{");
                        depth += 1;
                    }
                    1 | 2 => {
                        text.push('}');
                        depth -= 1;
                        if depth > 0 {
                            text.push(',');
                        }
                    }
                    _ => {
                        let letter = if next(20) == 0 { "é" } else { "x" };
                        let filler = letter.repeat(next(40) as usize);
                        text.push_str(&format!("\"k\":\"{filler}{{\\\"}}\","));
                    }
                }
            }
            let text = text.replace(",}", "}");
            for shift in [0, 1, 31, 63] {
                let padded = format!("{}{text} {{}}", " ".repeat(shift));
                let bytes = padded.as_bytes();
                let expected = expected_end(bytes, shift).expect("valid JSON");
                assert_eq!(expected.end, shift + text.len());
                assert_eq!(object_end(bytes, shift), Ok(expected), "{padded}");
            }
        }
    }

    /// On damaged objects too, the end is where [`crate::scan::skip_value`] (which steps over
    /// a record that failed validation) puts it.
    #[test]
    fn ends_where_skip_value_ends_on_damaged_objects() {
        let clean = concat!(
            r#"{"a":{"b":[1,{"c":"}]\"\\"}],"d":"x"},"e":[[],{}],"#,
            r#""f":"arn:aws:iam::1:user/a","g":{"h":"\u0041"}}"#
        )
        .repeat(3);
        let mut state = 9u32;
        let mut next = |n: usize| {
            state = state.wrapping_mul(1_103_515_245).wrapping_add(12345);
            (state >> 8) as usize % n
        };
        for _ in 0..20_000 {
            let mut bytes = clean.clone().into_bytes();
            for _ in 0..1 + next(3) {
                let at = 1 + next(bytes.len() - 1);
                bytes[at] = b"{}[]\",\\ x\xc3"[next(10)];
            }
            let expected = crate::scan::skip_value(&bytes, 0);
            let got = object_end(&bytes, 0).ok();
            let text = String::from_utf8_lossy(&bytes);
            assert_eq!(got.map(|scanned| scanned.end), expected, "{text}");
            if let Some(scanned) = got {
                assert_eq!(scanned.ascii, bytes[..scanned.end].is_ascii(), "{text}");
            }
        }
    }

    #[test]
    fn long_runs_of_backslashes_across_blocks() {
        for run in 0..140 {
            let value = "\\".repeat(run * 2);
            let text = format!("{{\"k\":\"{value}\\\"}}\"}},{{}}");
            let bytes = text.as_bytes();
            assert_eq!(object_end(bytes, 0), expected_end(bytes, 0), "run {run}");
        }
    }

    #[test]
    fn every_classifier_agrees_with_the_byte_by_byte_one() {
        let mut state = 3u32;
        for round in 0..2000 {
            let mut block = [0u8; 64];
            for b in &mut block {
                state = state.wrapping_mul(1_103_515_245).wrapping_add(12345);
                let special = b"\"\\{}[] \t\n\r\x01\x7b\xfb";
                *b = match (state >> 16) % 3 {
                    0 => special[(state >> 20) as usize % special.len()],
                    _ => (state >> 8) as u8,
                };
            }
            let block = &block[..64 - round % 64];
            let expected = classify_bytes(block);
            #[cfg(target_arch = "x86_64")]
            {
                assert_eq!(classify_sse2(block), expected);
                if std::is_x86_feature_detected!("avx512bw") {
                    // SAFETY: just checked.
                    assert_eq!(unsafe { classify_avx512(block) }, expected);
                }
                if std::is_x86_feature_detected!("pclmulqdq") {
                    let bits = expected.quotes ^ expected.opens.rotate_left(round as u32);
                    // SAFETY: just checked.
                    assert_eq!(unsafe { prefix_xor_clmul(bits) }, prefix_xor(bits));
                }
            }
        }
    }

    #[test]
    fn reports_incomplete_objects() {
        for text in [r#"{"a":"#, r#"{"a":"}"#, r#"{"a":{"b":1}"#, r#"{"a":"\"#] {
            assert_eq!(
                object_end(text.as_bytes(), 0),
                Err(ScanError::Incomplete),
                "{text}"
            );
        }
    }
}
