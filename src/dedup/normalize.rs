//! Normalization of dedup match keys: emails, phones, person and organization names, web domains.
//!
//! These run on every imported row, so they are pure, allocate little more than the returned
//! `String`, and never build a regex per call.

use std::borrow::Cow;
use std::sync::OnceLock;

use phonenumber::metadata::{DATABASE, Descriptor, Metadata};
use regex::{Regex, RegexBuilder, RegexSet, RegexSetBuilder};

/// Why an email or phone (or a region code) was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NormalizeError {
    #[error("email `{value}` {problem}")]
    Email {
        value: String,
        problem: EmailProblem,
    },
    /// No digits, or characters that have nothing to do in a phone number.
    #[error("phone `{value}` is not a phone number")]
    PhoneSyntax { value: String },
    #[error("phone `{value}` has no country code and no default region")]
    PhoneNoRegion { value: String },
    /// `region` is the default region used to read it, `None` when the number had a country code.
    #[error("phone `{value}` is not a valid number{}", for_region(.region))]
    PhoneInvalid {
        value: String,
        region: Option<String>,
    },
    #[error("region `{value}` is not a supported ISO 3166 alpha-2 code")]
    Region { value: String },
}

fn for_region(region: &Option<String>) -> String {
    region
        .as_ref()
        .map_or_else(String::new, |r| format!(" for region {r}"))
}

/// What is wrong with an email; its Display completes "email `x` ...".
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum EmailProblem {
    #[error("is empty")]
    Empty,
    #[error("has no `@`")]
    NoAt,
    #[error("has more than one `@`")]
    SeveralAt,
    #[error("has an empty local part")]
    EmptyLocal,
    #[error("has a space or control character in its local part")]
    BadLocal,
    #[error("has no domain")]
    NoDomain,
    #[error("has an invalid domain")]
    BadDomain,
}

/// Trim, lowercase, strip a leading "mailto:" and surrounding `<>` (repeatedly, so the result is a
/// fixed point), then check a plausible shape: one `@`, a local part without whitespace, and a
/// domain of at least two non-empty labels of `[a-z0-9-]` or non-ASCII letters (IDN).
pub fn email(raw: &str) -> Result<String, NormalizeError> {
    let err = |problem| NormalizeError::Email {
        value: raw.trim().to_owned(),
        problem,
    };
    let mut s = raw.trim();
    loop {
        let before = s.len();
        if s.get(..7)
            .is_some_and(|p| p.eq_ignore_ascii_case("mailto:"))
        {
            s = s[7..].trim_start();
        }
        if let Some(inner) = s.strip_prefix('<').and_then(|t| t.strip_suffix('>')) {
            s = inner.trim();
        }
        if s.len() == before {
            break;
        }
    }
    if s.is_empty() {
        return Err(err(EmailProblem::Empty));
    }
    let out = lowercase(s);
    let (local, domain) = out.split_once('@').ok_or_else(|| err(EmailProblem::NoAt))?;
    if domain.contains('@') {
        Err(err(EmailProblem::SeveralAt))
    } else if local.is_empty() {
        Err(err(EmailProblem::EmptyLocal))
    } else if local.chars().any(|c| c.is_whitespace() || c.is_control()) {
        Err(err(EmailProblem::BadLocal))
    } else if domain.is_empty() {
        Err(err(EmailProblem::NoDomain))
    } else if !is_hostname(domain) {
        Err(err(EmailProblem::BadDomain))
    } else {
        Ok(out)
    }
}

fn lowercase(s: &str) -> String {
    if s.is_ascii() {
        s.to_ascii_lowercase()
    } else {
        s.to_lowercase()
    }
}

/// At least two labels, none empty, each of `[a-z0-9-]` or non-ASCII letters and digits.
fn is_hostname(host: &str) -> bool {
    host.contains('.')
        && host.split('.').all(|label| {
            !label.is_empty()
                && label.chars().all(|c| {
                    c.is_ascii_lowercase()
                        || c.is_ascii_digit()
                        || c == '-'
                        || (!c.is_ascii() && c.is_alphanumeric())
                })
        })
}

/// Parse a phone as E.164 ("+14152933313"). `default_region` (ISO 3166 alpha-2, any case) is used
/// when the number has no country prefix; an unknown region is an error even if unused.
///
/// Accepted: a leading label ("Tel:"), one leading `+`, digits (also fullwidth), the separators
/// `space - . ( ) /`. From a letter, `#`, `;`, `,` or `*` after the digits on, the rest is an
/// extension or a note and is dropped ("x371", "ext. 371", "#371"). A leading `00` is read as `+`
/// without a default region or with a NANP one (whose IDD is 011); other regions' IDDs, `00`
/// included, come from their metadata.
///
/// Parsing and validity are libphonenumber's (`parse`, then `isValidNumber`), over the metadata of
/// the phonenumber crate compiled once into our own regexes. The crate's own `parse`/`is_valid` are
/// not used: they take ≈15 µs per number, mostly in a global mutex-guarded LRU regex cache that
/// recompiles on eviction and serializes threads, and they stray from libphonenumber: patterns
/// matched as prefixes accept too-long numbers (rust-phonenumber#31), and its empty general lengths
/// make it strip calling-code-like digits (Indian mobile "9123456789" becomes invalid +91 23456789).
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

/// Why a length is not possible, as far as parsing cares (libphonenumber's `testNumberLength`).
#[derive(PartialEq, Eq)]
enum Length {
    Possible,
    TooLong,
    Other,
}

/// Validity and parsing rules of one territory, compiled from phonenumber's metadata patterns.
/// libphonenumber's own build derives the general lengths from the number types' lengths, which
/// phonenumber does not (its general lengths are all empty, hence some of its parsing bugs).
struct Territory {
    meta: &'static Metadata,
    code_digits: Box<str>,
    /// Index of its leading-digits pattern in `CallingCode::leading`.
    leading_digits: Option<usize>,
    international_prefix: Option<Regex>,
    national_prefix_for_parsing: Option<Regex>,
    general: Regex,
    general_lengths: Box<[u16]>,
    local_lengths: Box<[u16]>,
    /// Per possible length, all the number-type patterns allowed at that length, as one regex.
    types_by_length: Box<[(u16, Regex)]>,
}

const PATTERNS_COMPILE: &str =
    "phonenumber's metadata patterns compile (tested on every territory)";

/// A regex matching at the start (`whole`: the whole input) when one of `patterns` does.
fn compile<'a>(patterns: impl IntoIterator<Item = &'a str>, whole: bool) -> Regex {
    let alternatives: Vec<String> = patterns.into_iter().map(|p| format!("(?:{p})")).collect();
    let end = if whole { "$" } else { "" };
    RegexBuilder::new(&format!("^(?:{}){end}", alternatives.join("|")))
        .ignore_whitespace(true)
        .unicode(false) // ASCII `\d`: the input is ASCII digits, and the automata get smaller
        .build()
        .expect(PATTERNS_COMPILE)
}

impl Territory {
    fn new(meta: &'static Metadata, leading_digits: Option<usize>) -> Self {
        let d = meta.descriptors();
        // The types that make a number valid, as in libphonenumber's getNumberType.
        let types = [
            d.premium_rate(),
            d.toll_free(),
            d.shared_cost(),
            d.voip(),
            d.personal_number(),
            d.pager(),
            d.uan(),
            d.voicemail(),
            d.fixed_line(),
            d.mobile(),
        ];
        let types: Vec<_> = types.into_iter().flatten().collect();
        let union = |lengths: fn(&Descriptor) -> &[u16]| {
            let mut all: Vec<u16> = types.iter().flat_map(|t| lengths(t)).copied().collect();
            all.sort_unstable();
            all.dedup();
            all
        };
        let general_lengths = union(Descriptor::possible_length);
        let mut local_lengths = union(Descriptor::possible_local_length);
        local_lengths.retain(|l| !general_lengths.contains(l));
        let types_by_length = general_lengths.iter().filter_map(|&len| {
            let mut sources: Vec<&str> = types
                .iter()
                .filter(|t| t.possible_length().is_empty() || t.possible_length().contains(&len))
                .map(|t| t.national_number().as_str())
                .collect();
            sources.sort_unstable();
            sources.dedup();
            (!sources.is_empty()).then(|| (len, compile(sources, true)))
        });
        // Without a specific rule, the national prefix itself is stripped.
        let npfp = meta.national_prefix_for_parsing().map(|re| re.as_str());
        Territory {
            meta,
            code_digits: meta.country_code().to_string().into(),
            leading_digits,
            international_prefix: meta
                .international_prefix()
                .map(|re| compile([re.as_str()], false)),
            national_prefix_for_parsing: npfp
                .or(meta.national_prefix())
                .map(|p| compile([p], false)),
            general: compile([d.general().national_number().as_str()], true),
            types_by_length: types_by_length.collect(),
            general_lengths: general_lengths.into(),
            local_lengths: local_lengths.into(),
        }
    }

    /// libphonenumber's `isValidNumberForRegion` (getNumberType is not Unknown).
    fn is_valid(&self, national: &str) -> bool {
        let len = u16::try_from(national.len()).unwrap_or(u16::MAX);
        self.general_lengths.contains(&len)
            && self.general.is_match(national)
            && self
                .types_by_length
                .iter()
                .any(|(l, re)| *l == len && re.is_match(national))
    }

    fn length(&self, len: usize) -> Length {
        let len = u16::try_from(len).unwrap_or(u16::MAX);
        match self.general_lengths.last() {
            _ if self.local_lengths.contains(&len) => Length::Other,
            Some(&max) if len > max => Length::TooLong,
            _ if self.general_lengths.contains(&len) => Length::Possible,
            _ => Length::Other,
        }
    }

    /// libphonenumber's `maybeStripNationalPrefixAndCarrierCode`: strip (or transform) the
    /// national prefix unless that turns a number matching the general pattern into one that
    /// does not.
    fn strip_national_prefix<'a>(&self, number: &'a str) -> Cow<'a, str> {
        let Some(npfp) = &self.national_prefix_for_parsing else {
            return number.into();
        };
        let Some(caps) = npfp.captures(number) else {
            return number.into();
        };
        let stripped: Cow<'a, str> = match self.meta.national_prefix_transform_rule() {
            Some(rule) if !rule.is_empty() && caps.get(caps.len() - 1).is_some() => {
                npfp.replace(number, rule).into_owned().into()
            }
            _ => number[caps.get(0).map_or(0, |m| m.end())..].into(),
        };
        if self.general.is_match(number) && !self.general.is_match(&stripped) {
            number.into()
        } else {
            stripped
        }
    }

    /// libphonenumber's last parsing step: the national prefix is stripped if what remains has a
    /// possible length (or is too long).
    fn national_number<'a>(&self, number: Cow<'a, str>) -> Cow<'a, str> {
        let potential = match &number {
            Cow::Borrowed(s) => self.strip_national_prefix(s),
            Cow::Owned(s) => self.strip_national_prefix(s).into_owned().into(),
        };
        if self.length(potential.len()) == Length::Other {
            number
        } else {
            potential
        }
    }
}

/// The territories of a calling code, main one first, with their leading-digits patterns as one
/// set (rather than one search per territory: 24 for an invalid +1 number).
struct CallingCode {
    territories: Box<[Territory]>,
    leading: RegexSet,
}

/// Compiled on first use of each code.
fn calling_code(code: u16) -> Option<&'static CallingCode> {
    static BY_CODE: [OnceLock<CallingCode>; 1000] = [const { OnceLock::new() }; 1000];
    let cell = BY_CODE.get(usize::from(code))?;
    Some(cell.get_or_init(|| {
        let ids = DATABASE.region(&code).unwrap_or_default();
        let metas = ids.into_iter().filter_map(|id| match id {
            "001" => DATABASE.by_code(&code).and_then(|m| m.into_iter().next()),
            _ => DATABASE.by_id(id),
        });
        let mut leading = Vec::new();
        let territories = metas.map(|meta| {
            let index = meta.leading_digits().map(|re| {
                leading.push(format!("^(?:{})", re.as_str()));
                leading.len() - 1
            });
            Territory::new(meta, index)
        });
        let territories = territories.collect();
        let leading = RegexSetBuilder::new(leading)
            .ignore_whitespace(true)
            .unicode(false)
            .build()
            .expect(PATTERNS_COMPILE);
        CallingCode {
            territories,
            leading,
        }
    }))
}

/// libphonenumber's `isValidNumber`: the number's territory is the first one whose leading
/// digits match, or which has none and where the number is valid.
fn is_valid_number(code: u16, national: &str) -> bool {
    let Some(calling_code) = calling_code(code) else {
        return false;
    };
    if let [only] = &*calling_code.territories {
        return only.is_valid(national);
    }
    let mut leading = None;
    for territory in &calling_code.territories {
        match territory.leading_digits {
            Some(i) => {
                let leading = leading.get_or_insert_with(|| calling_code.leading.matches(national));
                if leading.matched(i) {
                    return territory.is_valid(national);
                }
            }
            None if territory.is_valid(national) => return true,
            None => {}
        }
    }
    false
}

/// Name key for persons: Unicode-lowercase, punctuation removed, whitespace collapsed, trimmed.
/// Apostrophes and dots are deleted ("O'Neil" -> "oneil", "S.A." -> "sa"); other punctuation and
/// symbols separate words ("Jean-Luc" == "Jean Luc", "Acme,Inc" == "Acme, Inc"). Non-ASCII
/// punctuation is recognized by the common Unicode punctuation and symbol blocks.
pub fn person_name_key(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut space = false;
    let mut push = |c: char, out: &mut String| match char_class(c) {
        CharClass::Keep => {
            if space && !out.is_empty() {
                out.push(' ');
            }
            space = false;
            out.push(c);
        }
        CharClass::Delete => {}
        CharClass::Separate => space = true,
    };
    for c in name.chars() {
        if c.is_ascii() {
            push(c.to_ascii_lowercase(), &mut out);
        } else {
            c.to_lowercase().for_each(|l| push(l, &mut out));
        }
    }
    out
}

enum CharClass {
    Keep,
    Delete,
    Separate,
}

fn char_class(c: char) -> CharClass {
    match c {
        '\'' | '`' | '.' | '\u{2018}' | '\u{2019}' | '\u{02BC}' | '\u{00B4}' => CharClass::Delete,
        _ if c.is_alphanumeric() => CharClass::Keep,
        _ if c.is_ascii() || c.is_whitespace() || c.is_control() => CharClass::Separate,
        '\u{80}'..='\u{BF}'
        | '\u{D7}'
        | '\u{F7}'
        | '\u{2000}'..='\u{2BFF}'
        | '\u{2E00}'..='\u{2E7F}' => CharClass::Separate,
        '\u{3000}'..='\u{303F}' | '\u{FE10}'..='\u{FE4F}' | '\u{FF00}'..='\u{FF65}' => {
            CharClass::Separate
        }
        '\u{1F000}'..='\u{1FAFF}' => CharClass::Separate,
        _ => CharClass::Keep, // combining marks and other letter-like characters
    }
}

/// Legal-form tokens, after punctuation removal ("L.L.C." -> "llc", "& Co." -> "co"). Sorted.
#[rustfmt::skip]
const LEGAL_FORMS: &[&str] = &[
    "ab", "ag", "as", "bhd", "bv", "co", "company", "corp", "corporation", "cv", "gmbh", "inc",
    "incorporated", "kg", "kk", "limited", "llc", "llp", "lp", "ltd", "ltda", "nv", "oy", "plc",
    "pt", "pte", "pty", "sa", "sarl", "sas", "sdn", "se", "spa", "srl", "sro", "tbk",
];

fn is_legal_form(token: &str) -> bool {
    LEGAL_FORMS.binary_search(&token).is_ok()
}

/// Name key for organizations: `person_name_key`, then Indonesian "PT"/"CV" leading tokens and
/// legal-form tokens at the end removed repeatedly ("Foo Co., Ltd." -> "foo"), including forms
/// spelled as spaced initials ("S. A." -> "s a"). A name made only of such tokens is kept whole
/// ("Co" -> "co"). The result is a fixed point: `org_name_key(&org_name_key(x)) == org_name_key(x)`.
pub fn org_name_key(name: &str) -> String {
    let mut key = person_name_key(name);
    let mut start = 0;
    while let Some((first, _)) = key[start..].split_once(' ')
        && matches!(first, "pt" | "cv")
    {
        start += first.len() + 1;
    }
    let mut end = key.len();
    while let Some(rest) = strip_legal_form(&key[start..end]) {
        if rest.is_empty() {
            return key;
        }
        end = start + rest.len();
    }
    key.truncate(end);
    key.drain(..start);
    key
}

/// The key without its trailing legal form (a token, or 2-3 one-letter tokens), if it has one.
fn strip_legal_form(key: &str) -> Option<&str> {
    let (head, last) = key.rsplit_once(' ').unwrap_or(("", key));
    if is_legal_form(last) {
        return Some(head);
    }
    // letters[3 - n..] holds the last n one-letter tokens, heads[n - 1] what precedes them.
    let (mut letters, mut heads, mut rest, mut n) = ([0u8; 3], [""; 3], key, 0);
    while n < 3 && !rest.is_empty() {
        let (head, last) = rest.rsplit_once(' ').unwrap_or(("", rest));
        let &[letter] = last.as_bytes() else { break };
        if !letter.is_ascii_alphabetic() {
            break;
        }
        letters[2 - n] = letter;
        heads[n] = head;
        rest = head;
        n += 1;
    }
    (2..=n).rev().find_map(|k| {
        let form = std::str::from_utf8(&letters[3 - k..]).expect("ASCII letters are UTF-8");
        is_legal_form(form).then_some(heads[k - 1])
    })
}

/// Registrable domain of a website ("https://www.Acme.co.uk/about?x" -> "acme.co.uk"), `None` for
/// anything that is not a host name under a known public suffix (localhost, IP addresses, text).
pub fn web_domain(website: &str) -> Option<String> {
    let mut s = website.trim();
    if let Some(i) = s.find("//") {
        let scheme = &s[..i];
        let is_scheme = |p: &str| {
            p.starts_with(|c: char| c.is_ascii_alphabetic())
                && p.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.'))
        };
        if scheme.is_empty() || scheme.strip_suffix(':').is_some_and(is_scheme) {
            s = &s[i + 2..];
        }
    }
    let authority = s.find(['/', '?', '#', '\\']).map_or(s, |i| &s[..i]);
    let host = authority
        .rsplit_once('@')
        .map_or(authority, |(_, host)| host);
    let host = host.split_once(':').map_or(host, |(host, _port)| host);
    let mut host = lowercase(host.strip_suffix('.').unwrap_or(host));
    if host.starts_with("www.") {
        host.drain(..4);
    }
    if !is_hostname(&host) {
        return None;
    }
    let domain = psl::domain(host.as_bytes()).filter(|d| d.suffix().is_known())?;
    let offset = host.len() - domain.as_bytes().len();
    host.drain(..offset);
    Some(host)
}

/// Organization domain from a normalized (lowercase) email: the registrable domain of its host,
/// `None` for free-mail providers and hosts without a known public suffix.
pub fn email_org_domain(email: &str) -> Option<String> {
    let host = email.rsplit_once('@')?.1;
    if is_freemail(host) {
        return None;
    }
    let domain = psl::domain(host.as_bytes()).filter(|d| d.suffix().is_known())?;
    std::str::from_utf8(domain.as_bytes())
        .ok()
        .map(str::to_owned)
}

/// Free-mail domains, sorted (binary search). Brands with many country domains are in
/// `FREEMAIL_BRANDS` instead.
#[rustfmt::skip]
const FREEMAIL: &[&str] = &[
    "126.com", "139.com", "163.com", "188.com", "abv.bg", "aim.com", "aol.co.uk", "aol.com",
    "aol.de", "aol.fr", "att.net", "bigpond.com", "bk.ru", "bluewin.ch", "bol.com.br",
    "btinternet.com", "caramail.com", "centrum.cz", "comcast.net", "cox.net", "daum.net",
    "earthlink.net", "email.com", "fastmail.com", "fastmail.fm", "foxmail.com", "free.fr",
    "freenet.de", "gmail.com", "googlemail.com", "hanmail.net", "hey.com", "hushmail.com",
    "icloud.com", "inbox.ru", "interia.pl", "juno.com", "laposte.net", "libero.it", "list.ru",
    "live.ca", "live.co.uk", "live.com", "live.com.au", "live.de", "live.fr", "live.it", "live.nl",
    "mac.com", "mail.com", "mail.ru", "mailbox.org", "me.com", "msn.com", "naver.com", "o2.pl",
    "onet.pl", "optonline.net", "orange.fr", "pm.me", "posteo.de", "proton.me", "protonmail.ch",
    "protonmail.com", "qq.com", "rambler.ru", "rediffmail.com", "rocketmail.com", "sbcglobal.net",
    "seznam.cz", "sfr.fr", "shaw.ca", "sina.com", "sky.com", "sohu.com", "t-online.de",
    "terra.com.br", "tiscali.it", "tuta.io", "tutanota.com", "uol.com.br", "verizon.net",
    "virgilio.it", "wanadoo.fr", "web.de", "wp.pl", "ya.ru", "yeah.net", "ymail.com", "zoho.com",
    "zohomail.com",
];

/// Free-mail brands under any public suffix: gmx.net, hotmail.fr, yahoo.co.uk, yandex.ru...
const FREEMAIL_BRANDS: &[&str] = &["gmx", "hotmail", "outlook", "yahoo", "yandex"];

/// True for free-mail domains, checked on the domain as given and on its registrable domain.
pub fn is_freemail(domain: &str) -> bool {
    let d = domain.trim().trim_end_matches('.');
    if d.bytes().any(|b| b.is_ascii_uppercase()) {
        return is_freemail(&d.to_ascii_lowercase());
    }
    listed_freemail(d)
        || psl::domain_str(d).is_some_and(|r| r.len() < d.len() && listed_freemail(r))
}

fn listed_freemail(d: &str) -> bool {
    FREEMAIL.binary_search(&d).is_ok()
        || d.split_once('.').is_some_and(|(brand, suffix)| {
            FREEMAIL_BRANDS.contains(&brand)
                && psl::suffix(suffix.as_bytes())
                    .is_some_and(|s| s.is_known() && s.as_bytes().len() == suffix.len())
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn email_normalizes_case_whitespace_mailto_and_brackets() {
        let ok = |raw| email(raw).expect("valid email");
        assert_eq!(ok("  John.Doe@Example.COM "), "john.doe@example.com");
        assert_eq!(ok("MAILTO:<a@b.co>"), "a@b.co");
        assert_eq!(ok("< mailto:a+tag@b.co >"), "a+tag@b.co");
        assert_eq!(ok("Jörg@Bücher.DE"), "jörg@bücher.de");
        assert_eq!(
            ok("x@xn--bcher-kva.example.com"),
            "x@xn--bcher-kva.example.com"
        );
    }

    #[test]
    fn email_refusals_name_the_value() {
        let message = |raw| email(raw).expect_err("invalid email").to_string();
        assert_eq!(message("foo@"), "email `foo@` has no domain");
        assert_eq!(message(" "), "email `` is empty");
        assert_eq!(message("foo"), "email `foo` has no `@`");
        assert_eq!(
            message("a@b@c.com"),
            "email `a@b@c.com` has more than one `@`"
        );
        assert_eq!(message("@b.com"), "email `@b.com` has an empty local part");
        let space = "email `a b@c.com` has a space or control character in its local part";
        assert_eq!(message("a b@c.com"), space);
        for bad in [
            "a@localhost",
            "a@b..com",
            "a@.b.com",
            "a@b.com.",
            "a@b_c.com",
            "a@b c.com",
        ] {
            assert_eq!(message(bad), format!("email `{bad}` has an invalid domain"));
        }
    }

    #[test]
    fn phone_samples() {
        let e164 = |raw, region| phone(raw, region).ok();
        let us = Some("US");
        // atomic-crm samples: 955 is not an assigned area code, the others are.
        assert_eq!(e164("1-955-371-0847 x371", us), None);
        assert_eq!(
            e164("(628) 774-3169 x3406", us).as_deref(),
            Some("+16287743169")
        );
        assert_eq!(e164("740.645.3807", us).as_deref(), Some("+17406453807"));
        // krayin samples: a valid Indian mobile, but 545 is not a NANP area code.
        assert_eq!(
            e164("5454445454", Some("IN")).as_deref(),
            Some("+915454445454")
        );
        assert_eq!(e164("15454445454", us), None);
        for (raw, region) in [
            ("(415) 293-3313", us),
            ("415.293.3313", Some("us")),
            ("1 415 293 3313", us),
            ("+1 (415) 293-3313 ext. 371", None),
            ("415-293-3313 #371", us),
            ("tel:+1-415-293-3313;ext=371", None),
            ("Tel: 415 293 3313", us),
            ("００ 1 415 293 3313", us),
            ("00 1 415 293 3313", None),
            ("011 1 415 293 3313", us),
            ("+14152933313", Some("GB")),
        ] {
            assert_eq!(e164(raw, region).as_deref(), Some("+14152933313"), "{raw}");
        }
        for (raw, region) in [
            ("+44 20 7946 0958", None),
            ("+44 20 7946 0958", us),
            ("0044 20 7946 0958", Some("GB")),
            ("020 7946 0958", Some("GB")),
            ("+44 (0)20 7946 0958", None),
        ] {
            assert_eq!(e164(raw, region).as_deref(), Some("+442079460958"), "{raw}");
        }
        assert_eq!(
            e164("030 1234567", Some("DE")).as_deref(),
            Some("+49301234567")
        );
    }

    /// What libphonenumber 9.0.33 (its Python port) answers where the phonenumber crate does not.
    #[test]
    fn phone_follows_libphonenumber_where_phonenumber_strays() {
        for (raw, region, expected) in [
            ("9123456789", Some("IN"), Some("+919123456789")),
            ("7123456789", Some("KZ"), Some("+77123456789")),
            ("590201234", Some("GP"), Some("+590590201234")),
            ("88001234567", Some("RU"), Some("+78001234567")),
            ("+37080012345", None, Some("+37080012345")),
            ("+118682954585", None, Some("+18682954585")),
            ("+97233142764978", None, None),
            ("20841642629", Some("CN"), None),
            ("063992632020", Some("IT"), None),
        ] {
            assert_eq!(
                phone(raw, region).ok().as_deref(),
                expected,
                "{raw} {region:?}"
            );
        }
    }

    #[test]
    fn phone_refusals_name_the_value() {
        let message = |raw, region| phone(raw, region).expect_err("refused").to_string();
        let us = Some("US");
        assert_eq!(
            message("12", us),
            "phone `12` is not a valid number for region US"
        );
        assert_eq!(
            message("+99 123", us),
            "phone `+99 123` is not a valid number"
        );
        assert_eq!(message(" n/a ", us), "phone `n/a` is not a phone number");
        assert_eq!(
            message("415@293", us),
            "phone `415@293` is not a phone number"
        );
        assert_eq!(message("1+415", us), "phone `1+415` is not a phone number");
        let no_region = "phone `415 293 3313` has no country code and no default region";
        assert_eq!(message("415 293 3313", None), no_region);
        let long = "1".repeat(25);
        assert!(matches!(
            phone(&long, us),
            Err(NormalizeError::PhoneInvalid { .. })
        ));
        let bad_region = "region `XX` is not a supported ISO 3166 alpha-2 code";
        assert_eq!(message("+14152933313", Some("XX")), bad_region);
    }

    #[test]
    fn region_codes() {
        for ok in ["US", "us", "Gb", " IN "] {
            assert_eq!(region(ok), Ok(()), "{ok}");
        }
        for bad in ["XX", "USA", "", "U", "001", "ÜS"] {
            let expected = format!("region `{bad}` is not a supported ISO 3166 alpha-2 code");
            assert_eq!(region(bad).map_err(|e| e.to_string()), Err(expected));
        }
    }

    #[test]
    fn every_calling_code_compiles() {
        let total: usize = (0..1000)
            .filter_map(calling_code)
            .map(|c| c.territories.len())
            .sum();
        let expected: usize = (0..1000u16)
            .filter_map(|code| DATABASE.region(&code))
            .map(|r| r.len())
            .sum();
        assert_eq!(total, expected);
        let regions = DATABASE
            .iter()
            .map(|meta| meta.id())
            .filter(|&id| id != "001");
        assert!(regions.map(region).all(|r| r.is_ok()));
    }

    /// Every example number of the metadata is valid with its calling code, and in its region as
    /// is and after the national prefix, except where libphonenumber too reads that prefix as a
    /// carrier or international one (some CO mobiles, IL premium and VoIP numbers).
    #[test]
    fn phone_accepts_every_metadata_example() {
        let (mut checked, mut prefixed_refused) = (0, Vec::new());
        for meta in DATABASE.iter() {
            let d = meta.descriptors();
            let types = [
                d.fixed_line(),
                d.mobile(),
                d.toll_free(),
                d.premium_rate(),
                d.voip(),
            ];
            let types = types
                .into_iter()
                .chain([d.uan(), d.personal_number(), d.pager()]);
            for example in types.flatten().filter_map(|d| d.example()) {
                let expected = Ok(format!("+{}{example}", meta.country_code()));
                let international = format!("+{} {example}", meta.country_code());
                assert_eq!(phone(&international, None), expected);
                checked += 1;
                if meta.id() != "001" {
                    let region = Some(meta.id());
                    assert_eq!(phone(example, region), expected, "{example} {region:?}");
                    let np = meta.national_prefix().unwrap_or("");
                    if phone(&format!("{np}{example}"), region) != expected {
                        prefixed_refused.push(meta.id());
                    }
                }
            }
        }
        assert!(checked > 1000, "{checked}");
        prefixed_refused.sort_unstable();
        prefixed_refused.dedup();
        assert_eq!(prefixed_refused, ["CO", "IL"]);
    }

    /// phonenumber itself: parse then is_valid, formatted as E.164.
    fn phonenumber_e164(input: &str, region: Option<&str>) -> Option<String> {
        let id = region.map(|r| r.parse::<phonenumber::country::Id>().expect("test region"));
        let parsed = phonenumber::parse(id, input).ok()?;
        let national = parsed.national();
        phonenumber::is_valid(&parsed).then(|| format!("+{}{national}", parsed.code().value()))
    }

    #[test]
    fn person_name_keys() {
        assert_eq!(person_name_key("  John  O'Neil "), "john oneil");
        assert_eq!(
            person_name_key("JEAN-LUC  Picard"),
            person_name_key("jean luc picard")
        );
        assert_eq!(person_name_key("Élodie D’Arcy"), "élodie darcy");
        assert_eq!(
            person_name_key("Dr. J.R.R. Tolkien, Jr."),
            "dr jrr tolkien jr"
        );
        assert_eq!(person_name_key("李 小龍"), "李 小龍");
        assert_eq!(person_name_key(" ,;- "), "");
    }

    #[test]
    fn org_name_keys() {
        assert_eq!(org_name_key("Acme, Inc."), "acme");
        assert_eq!(org_name_key("ACME Inc"), "acme");
        assert_eq!(org_name_key("acme"), "acme");
        assert_eq!(
            org_name_key("Brekke, Dietrich and Klein"),
            "brekke dietrich and klein"
        );
        assert_eq!(org_name_key("PT Maju Jaya Tbk"), "maju jaya");
        assert_eq!(org_name_key("CV. Berkah Abadi"), "berkah abadi");
        assert_eq!(org_name_key("Foo Co., Ltd."), "foo");
        assert_eq!(org_name_key("Smith & Co."), "smith");
        assert_eq!(org_name_key("Widgets GmbH & Co. KG"), "widgets");
        assert_eq!(org_name_key("Acme S. A."), "acme");
        assert_eq!(org_name_key("Acme S.A.S."), "acme");
        assert_eq!(org_name_key("Acme L L C"), "acme");
        assert_eq!(org_name_key("Initech Corporation Limited"), "initech");
        assert_eq!(org_name_key("The Company Store"), "the company store");
        assert_eq!(org_name_key("Co"), "co");
        assert_eq!(org_name_key("Inc. Ltd."), "inc ltd");
        assert_eq!(org_name_key("PT"), "pt");
    }

    #[test]
    fn web_domains() {
        let domain = |site| web_domain(site);
        assert_eq!(
            domain("https://www.Acme.co.uk/about?x").as_deref(),
            Some("acme.co.uk")
        );
        assert_eq!(domain("acme.com").as_deref(), Some("acme.com"));
        assert_eq!(
            domain("http://u:p@Shop.Acme.com:8080/x#y").as_deref(),
            Some("acme.com")
        );
        assert_eq!(domain("//cdn.acme.io/x").as_deref(), Some("acme.io"));
        assert_eq!(domain("acme.com./").as_deref(), Some("acme.com"));
        assert_eq!(
            domain("https://www.Bücher.de").as_deref(),
            Some("bücher.de")
        );
        assert_eq!(
            domain("acme.com/r?u=http://evil.com").as_deref(),
            Some("acme.com")
        );
        for none in [
            "http://localhost",
            "",
            "not a url",
            "192.168.1.10",
            "acme.internal",
            "co.uk",
        ] {
            assert_eq!(domain(none), None, "{none}");
        }
    }

    #[test]
    fn freemail_and_email_org_domains() {
        assert_eq!(
            email_org_domain("jo@mail.acme.co.uk").as_deref(),
            Some("acme.co.uk")
        );
        assert_eq!(email_org_domain("jo@acme.com").as_deref(), Some("acme.com"));
        for free in [
            "gmail.com",
            "googlemail.com",
            "yahoo.co.uk",
            "gmx.de",
            "web.de",
            "mail.ru",
        ] {
            assert!(is_freemail(free), "{free}");
            assert_eq!(email_org_domain(&format!("jo@{free}")), None, "{free}");
        }
        assert!(is_freemail("Hotmail.FR"));
        assert!(is_freemail("mail.yandex.ru"));
        assert!(!is_freemail("acme.com"));
        assert!(!is_freemail("yahoo.acme.com"));
        assert_eq!(email_org_domain("jo@localhost.localdomain"), None);
    }

    #[test]
    fn const_lists_are_sorted_for_binary_search() {
        assert!(LEGAL_FORMS.windows(2).all(|w| w[0] < w[1]));
        assert!(FREEMAIL.windows(2).all(|w| w[0] < w[1]));
    }

    const REGIONS: &[&str] = &[
        "US", "CA", "PR", "AG", "GB", "JE", "IN", "DE", "FR", "IT", "BR", "AR", "MX", "JP", "AU",
        "RU", "KZ", "CN", "ZA", "NG", "ES", "NL", "CH", "ID", "SG", "FI", "AX", "LT", "IL", "CO",
    ];

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(1000))]

        /// NANP numbers, where the phonenumber crate has none of its divergences.
        #[test]
        fn phone_matches_phonenumber_on_nanp_numbers(
            number in "[2-9][0-9]{9}",
            region in prop::sample::select(&["US", "CA", "PR", "JM", "DO"][..]),
            form in 0..4,
        ) {
            let (area, rest) = number.split_at(3);
            let input = match form {
                0 => number.clone(),
                1 => format!("1-{area}-{}-{}", &rest[..3], &rest[3..]),
                2 => format!("({area}) {}.{} x12", &rest[..3], &rest[3..]),
                _ => format!("+1 {number}"),
            };
            let expected = phonenumber_e164(&format!("1{number}"), Some(region));
            prop_assert_eq!(phone(&input, Some(region)).ok(), expected);
        }

        #[test]
        fn phone_never_panics_and_is_idempotent(
            raw in "[+0-9 ().x#/-]{0,24}|\\PC{0,24}",
            region in prop::sample::select(REGIONS),
        ) {
            if let Ok(e164) = phone(&raw, Some(region)) {
                prop_assert_eq!(phone(&e164, Some(region)), Ok(e164.clone()));
                prop_assert_eq!(phone(&e164, None), Ok(e164));
            }
        }

        #[test]
        fn email_never_panics_and_is_idempotent(raw in "\\PC{0,30}|[a-zA-Z<>: .@-]{0,30}") {
            if let Ok(normalized) = email(&raw) {
                prop_assert_eq!(email(&normalized), Ok(normalized.clone()));
            }
        }

        #[test]
        fn name_keys_are_idempotent(raw in "\\PC{0,40}") {
            let person = person_name_key(&raw);
            prop_assert_eq!(person_name_key(&person), person.clone());
            let org = org_name_key(&raw);
            prop_assert_eq!(org_name_key(&org), org.clone());
            prop_assert_eq!(org.is_empty(), person.is_empty());
        }

        #[test]
        fn org_name_key_is_idempotent_on_legal_forms(
            words in prop::collection::vec(prop::sample::select(&[
                "Acme", "PT", "cv", "Co.", "&", "Inc", "ltd", "S.", "A.", "s", "l", "c", "and",
                "GmbH", "KG", ",", "O'Neil", "a", "b",
            ][..]), 0..7),
        ) {
            let org = org_name_key(&words.join(" "));
            prop_assert_eq!(org_name_key(&org), org);
        }

        #[test]
        fn domains_never_panic_and_are_idempotent(raw in "\\PC{0,30}|[a-z.:/@-]{0,30}") {
            if let Some(domain) = web_domain(&raw) {
                prop_assert_eq!(web_domain(&domain), Some(domain.clone()));
            }
            if let Ok(normalized) = email(&raw) {
                let _ = email_org_domain(&normalized);
            }
            let _ = (email_org_domain(&raw), is_freemail(&raw), region(&raw));
        }
    }
}
