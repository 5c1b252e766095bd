//! Phones to E.164 with libphonenumber's parsing and validity rules (see the `normalize` doc).

mod metadata;

use std::borrow::Cow;

use metadata::{Length, Territory, calling_code, is_valid_number};
use phonenumber::metadata::DATABASE;

use super::NormalizeError;

/// Parse a phone as E.164 ("+14152933313"). `default_region` (ISO 3166 alpha-2, any case) is used
/// when the number has no country prefix; an unknown region is an error even if unused.
///
/// Accepted: a leading label ("Tel:"), one leading `+`, digits (also fullwidth), the separators
/// `space - . ( ) /`. From a letter, `#`, `;`, `,` or `*` after the digits on, the rest is an
/// extension or a note and is dropped ("x371", "ext. 371", "#371"). A leading `00` is read as `+`
/// without a default region or with a NANP one (whose IDD is 011); other regions' IDDs, `00`
/// included, come from their metadata.
///
/// Parsing and validity are libphonenumber's (`parse`, then `isValidNumber`), not the phonenumber
/// crate's: see the `normalize` module doc for why.
pub fn phone(raw: &str, default_region: Option<&str>) -> Result<String, NormalizeError> {
    let value = raw.trim();
    let region = default_region.map(region_territory).transpose()?;
    let scan = scan_phone(value).ok_or_else(|| NormalizeError::PhoneSyntax {
        value: value.to_owned(),
    })?;
    let mut digits = scan.digits();
    let mut international = scan.plus;
    if !international
        && digits.starts_with("00")
        && region.is_none_or(|t| t.meta.country_code() == 1)
    {
        international = true;
        digits = &digits[2..];
    }
    let parsed = match region {
        _ if scan.overflow => None,
        _ if international => parse_international(digits),
        Some(territory) => parse_national(digits, territory),
        None => {
            let value = value.to_owned();
            return Err(NormalizeError::PhoneNoRegion { value });
        }
    };
    match parsed {
        Some((code, national)) if is_valid_number(code, &national) => {
            Ok(format!("+{code}{national}"))
        }
        _ => Err(NormalizeError::PhoneInvalid {
            value: value.to_owned(),
            region: region
                .filter(|_| !international)
                .map(|t| t.meta.id().to_owned()),
        }),
    }
}

/// Check a region code for configuration validation ("US" or "us" ok, "XX" not).
pub fn region(code: &str) -> Result<(), NormalizeError> {
    region_territory(code).map(|_| ())
}

fn region_territory(code: &str) -> Result<&'static Territory, NormalizeError> {
    if let &[a, b] = code.trim().as_bytes()
        && a.is_ascii_alphabetic()
        && b.is_ascii_alphabetic()
    {
        let upper = [a.to_ascii_uppercase(), b.to_ascii_uppercase()];
        let upper = std::str::from_utf8(&upper).expect("ASCII letters are UTF-8");
        let territory = DATABASE.by_id(upper).and_then(|meta| {
            let calling_code = calling_code(meta.country_code())?;
            calling_code
                .territories
                .iter()
                .find(|t| std::ptr::eq(t.meta, meta))
        });
        if let Some(territory) = territory {
            return Ok(territory);
        }
    }
    Err(NormalizeError::Region {
        value: code.to_owned(),
    })
}

const MAX_DIGITS: usize = 20;

#[derive(Default)]
struct PhoneScan {
    buf: [u8; MAX_DIGITS],
    len: usize,
    plus: bool,
    overflow: bool,
}

impl PhoneScan {
    fn digits(&self) -> &str {
        std::str::from_utf8(&self.buf[..self.len]).expect("only ASCII digits are stored")
    }
}

/// Collect the digits (and a leading `+`) of a phone; `None` when it is not a phone at all.
fn scan_phone(s: &str) -> Option<PhoneScan> {
    let s = match s.get(..4) {
        Some(p) if p.eq_ignore_ascii_case("tel:") => &s[4..],
        _ => s,
    };
    let mut scan = PhoneScan::default();
    for c in s.chars() {
        let digit = match c {
            '0'..='9' => Some(c as u8),
            '\u{FF10}'..='\u{FF19}' => u8::try_from(u32::from(c) - 0xFF10 + 0x30).ok(),
            _ => None,
        };
        if let Some(d) = digit {
            match scan.buf.get_mut(scan.len) {
                Some(slot) => *slot = d,
                None => scan.overflow = true,
            }
            scan.len = (scan.len + 1).min(MAX_DIGITS);
            continue;
        }
        let started = scan.len > 0;
        match c {
            '+' | '\u{FF0B}' if !started && !scan.plus => scan.plus = true,
            ' ' | '\t' | '-' | '.' | '(' | ')' | '/' | '\u{A0}' | '\u{2010}'..='\u{2015}' => {}
            _ if started && (c.is_alphabetic() || matches!(c, '#' | ';' | ',' | '*')) => break,
            _ if !started && !scan.plus && (c.is_alphabetic() || c == ':') => {}
            _ => return None,
        }
    }
    (scan.len > 0).then_some(scan)
}

/// A calling code and a national significant number.
type Parsed<'a> = Option<(u16, Cow<'a, str>)>;

/// A NANP national number: 10 digits, area code not starting with 0 or 1.
fn is_nanp_national(n: &str) -> bool {
    n.len() == 10 && matches!(n.as_bytes()[0], b'2'..=b'9')
}

/// Digits after a `+` or an IDD: libphonenumber's country-code split, then the national-prefix
/// rules of the code's main territory.
fn parse_international(digits: &str) -> Parsed<'_> {
    match digits.strip_prefix('1') {
        Some(national) if is_nanp_national(national) => return Some((1, national.into())),
        _ if digits.len() <= 2 || digits.starts_with('0') => return None,
        _ => {}
    }
    (1..=3).find_map(|len| {
        let code = digits[..len].parse().ok()?;
        let main = calling_code(code)?.territories.first()?;
        Some((code, main.national_number(digits[len..].into())))
    })
}

/// Digits without `+`, read with the default region's rules: its IDD, else maybe its calling code
/// written without `+` (kept only if the rest is a better match), then its national prefix.
fn parse_national<'a>(digits: &'a str, t: &Territory) -> Parsed<'a> {
    let code = t.meta.country_code();
    if code == 1 && t.meta.national_prefix_for_parsing().is_none() {
        match digits.strip_prefix('1') {
            // Shortcuts, same result: no IDD (011), calling code or national prefix "1" to strip.
            _ if is_nanp_national(digits) => return Some((1, digits.into())),
            Some(national) if is_nanp_national(national) => return Some((1, national.into())),
            _ => {}
        }
    }
    if let Some(idd) = &t.international_prefix
        && let Some(m) = idd.find(digits)
        && !digits[m.end()..].starts_with('0')
    {
        return parse_international(&digits[m.end()..]);
    }
    if let Some(rest) = digits.strip_prefix(&*t.code_digits) {
        let potential = t.strip_national_prefix(rest);
        if (!t.general.is_match(digits) && t.general.is_match(&potential))
            || t.length(digits.len()) == Length::TooLong
        {
            let main = calling_code(code)?.territories.first()?;
            return Some((code, main.national_number(potential)));
        }
    }
    Some((code, t.national_number(digits.into())))
}

#[cfg(test)]
mod tests;
