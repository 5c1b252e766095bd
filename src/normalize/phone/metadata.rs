//! phonenumber's metadata compiled once per calling code into our regexes, and validity.

use std::borrow::Cow;
use std::sync::OnceLock;

use phonenumber::metadata::{DATABASE, Descriptor, Metadata};
use regex::{Regex, RegexBuilder, RegexSet, RegexSetBuilder};

/// Why a length is not possible, as far as parsing cares (libphonenumber's `testNumberLength`).
#[derive(PartialEq, Eq)]
pub(super) enum Length {
    Possible,
    TooLong,
    Other,
}

/// Validity and parsing rules of one territory, compiled from phonenumber's metadata patterns.
/// libphonenumber's own build derives the general lengths from the number types' lengths, which
/// phonenumber does not (its general lengths are all empty, hence some of its parsing bugs).
pub(super) struct Territory {
    pub(super) meta: &'static Metadata,
    pub(super) code_digits: Box<str>,
    /// Index of its leading-digits pattern in `CallingCode::leading`.
    leading_digits: Option<usize>,
    pub(super) international_prefix: Option<Regex>,
    national_prefix_for_parsing: Option<Regex>,
    pub(super) general: Regex,
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

    pub(super) fn length(&self, len: usize) -> Length {
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
    pub(super) fn strip_national_prefix<'a>(&self, number: &'a str) -> Cow<'a, str> {
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
    pub(super) fn national_number<'a>(&self, number: Cow<'a, str>) -> Cow<'a, str> {
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
pub(super) struct CallingCode {
    pub(super) territories: Box<[Territory]>,
    leading: RegexSet,
}

/// Compiled on first use of each code.
pub(super) fn calling_code(code: u16) -> Option<&'static CallingCode> {
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
pub(super) fn is_valid_number(code: u16, national: &str) -> bool {
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
