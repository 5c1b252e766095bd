//! Typed parsing of cell text: numbers with configurable separators, amounts with a currency,
//! dates with explicit formats, booleans. Pure functions; errors quote the value.

use chrono::format::{self, Item, Numeric, Pad, Parsed};
use chrono::{NaiveDate, NaiveDateTime};

/// How numbers are written in a source.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NumberFormat {
    pub decimal: char,
    pub thousands: Option<char>,
}

impl Default for NumberFormat {
    fn default() -> Self {
        NumberFormat {
            decimal: '.',
            thousands: Some(','),
        }
    }
}

/// Parses `1,234.56` / `1.234,56` / `-12` strictly: thousands separators only between digit
/// groups of three, one decimal separator, nothing else.
///
/// ```
/// use leadsync::mapping::parse::{NumberFormat, number};
///
/// let european = NumberFormat { decimal: ',', thousands: Some('.') };
/// assert_eq!(number("1.234,56", european), Ok(1234.56));
/// assert!(number("12,34", NumberFormat::default()).is_err(), "not a thousands group");
/// ```
pub fn number(raw: &str, format: NumberFormat) -> Result<f64, String> {
    let text = raw.trim();
    let bad = || format!("`{raw}` is not a number");
    let (negative, body) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text.strip_prefix('+').unwrap_or(text)),
    };
    let (int_part, frac_part) = match body.split_once(format.decimal) {
        Some((int_part, frac)) => (int_part, Some(frac)),
        None => (body, None),
    };
    let mut digits = String::with_capacity(body.len() + 1);
    if negative {
        digits.push('-');
    }
    push_integer_digits(int_part, format.thousands, &mut digits).ok_or_else(bad)?;
    if let Some(frac) = frac_part {
        if frac.is_empty() || !frac.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad());
        }
        digits.push('.');
        digits.push_str(frac);
    }
    let parsed: f64 = digits.parse().map_err(|_| bad())?;
    if parsed.is_finite() {
        Ok(parsed)
    } else {
        Err(bad())
    }
}

fn push_integer_digits(int_part: &str, thousands: Option<char>, out: &mut String) -> Option<()> {
    if int_part.is_empty() {
        return None;
    }
    let groups: Vec<&str> = match thousands {
        Some(sep) if int_part.contains(sep) => int_part.split(sep).collect(),
        _ => vec![int_part],
    };
    for (i, group) in groups.iter().enumerate() {
        let grouped = groups.len() > 1;
        let size_ok = !grouped
            || if i == 0 {
                (1..=3).contains(&group.len())
            } else {
                group.len() == 3
            };
        if !size_ok || group.is_empty() || !group.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        out.push_str(group);
    }
    Some(())
}

/// Parses an integer (no decimal part) with the same separators as [`number`].
pub fn integer(raw: &str, format: NumberFormat) -> Result<i64, String> {
    let value = number(raw, format)?;
    if value.fract() != 0.0 || value.abs() > 9.0e15 {
        return Err(format!("`{raw}` is not a whole number"));
    }
    Ok(value as i64)
}

/// Currency symbols people type in amounts, and the ISO 4217 code they stand for.
const CURRENCY_SYMBOLS: &[(&str, &str)] = &[
    ("US$", "USD"),
    ("$", "USD"),
    ("€", "EUR"),
    ("£", "GBP"),
    ("¥", "JPY"),
    ("₹", "INR"),
    ("Rp", "IDR"),
    ("R$", "BRL"),
    ("CHF", "CHF"),
];

/// Reads a currency written as an ISO code (`eur`) or a common symbol (`€`).
pub fn currency(raw: &str) -> Result<String, String> {
    let text = raw.trim();
    if let Some((_, code)) = CURRENCY_SYMBOLS.iter().find(|(symbol, _)| *symbol == text) {
        return Ok((*code).to_string());
    }
    if text.len() == 3 && text.bytes().all(|b| b.is_ascii_alphabetic()) {
        return Ok(text.to_ascii_uppercase());
    }
    Err(format!(
        "`{raw}` is not a currency code (like `USD`) or symbol"
    ))
}

/// Parses an amount that may carry its currency before or after the number: `$1,200`,
/// `1.200,50 €`, `EUR 1200`. Returns the amount and the currency if one was written.
pub fn money(raw: &str, format: NumberFormat) -> Result<(f64, Option<String>), String> {
    let text = raw.trim();
    let split_at = |i: usize| (text[..i].trim(), text[i..].trim());
    let first_numeric = text.find(|c: char| c.is_ascii_digit() || c == '-' || c == '+');
    let last_numeric = text.rfind(|c: char| c.is_ascii_digit());
    let (prefix, rest) = match first_numeric {
        Some(i) => split_at(i),
        None => return Err(format!("`{raw}` is not an amount")),
    };
    let suffix_start = last_numeric.map_or(text.len(), |i| i + 1);
    let (amount_text, suffix) = if prefix.is_empty() {
        let cut = suffix_start;
        (text[..cut].trim(), text[cut..].trim())
    } else {
        (rest, "")
    };
    let amount = number(amount_text, format).map_err(|_| format!("`{raw}` is not an amount"))?;
    // Beyond this a double no longer holds every cent: the amount would be stored rounded.
    if amount.abs() > 9.0e15 {
        return Err(format!("`{raw}` is too large an amount to keep exactly"));
    }
    let code = match (prefix, suffix) {
        ("", "") => None,
        (symbol, "") | ("", symbol) => {
            Some(currency(symbol).map_err(|_| format!("`{raw}` has an unknown currency"))?)
        }
        _ => return Err(format!("`{raw}` is not an amount")),
    };
    Ok((amount, code))
}

/// Dates outside this range are typing mistakes, not close dates.
const PLAUSIBLE_YEARS: std::ops::RangeInclusive<i32> = 1900..=2200;

/// Parses a date with the given formats. With none, only ISO dates and RFC 3339 timestamps
/// are accepted. When several formats read the same text as different dates (`03/04/2024`
/// as March or April), the value is refused as ambiguous rather than guessed.
pub fn date(raw: &str, formats: &[String]) -> Result<NaiveDate, String> {
    let text = raw.trim();
    let mut found: Option<NaiveDate> = None;
    if formats.is_empty() {
        found = iso_date(text);
    }
    for format in formats {
        let Some(parsed) = date_with_format(text, format) else {
            continue;
        };
        match found {
            Some(earlier) if earlier != parsed => {
                return Err(format!(
                    "date `{raw}` is ambiguous: it reads as {earlier} and as {parsed}"
                ));
            }
            _ => found = Some(parsed),
        }
    }
    let parsed = found.ok_or_else(|| match formats.is_empty() {
        true if looks_iso(text) => {
            format!("date `{raw}` is not a day of the calendar (or its year is out of range)")
        }
        true => format!("date `{raw}` is not YYYY-MM-DD; set `formats` to read other layouts"),
        false => format!("date `{raw}` matches none of the formats {formats:?}"),
    })?;
    if !PLAUSIBLE_YEARS.contains(&chrono::Datelike::year(&parsed)) {
        return Err(format!("date `{raw}` is out of range (years 1900 to 2200)"));
    }
    Ok(parsed)
}

/// `NNNN-NN-NN` (any digits, also a year sign or more year digits): the layout is right, so
/// a failure is the day itself (`2024-02-30`, `0000-00-00`).
fn looks_iso(text: &str) -> bool {
    let text = text.strip_prefix(['-', '+']).unwrap_or(text);
    let parts: Vec<&str> = text.split('-').collect();
    matches!(parts.as_slice(), [year, month, day]
        if year.len() >= 4 && month.len() == 2 && day.len() == 2
            && parts.iter().all(|p| p.chars().all(|c| c.is_ascii_digit())))
}

/// `%Y-%m-%d` read once, not again for every value as `NaiveDate::parse_from_str` would.
const ISO_DATE: [Item<'static>; 5] = [
    Item::Numeric(Numeric::Year, Pad::Zero),
    Item::Literal("-"),
    Item::Numeric(Numeric::Month, Pad::Zero),
    Item::Literal("-"),
    Item::Numeric(Numeric::Day, Pad::Zero),
];

fn iso_date(text: &str) -> Option<NaiveDate> {
    let mut parsed = Parsed::new();
    if let Ok(date) =
        format::parse(&mut parsed, text, ISO_DATE.iter()).and_then(|()| parsed.to_naive_date())
    {
        return Some(date);
    }
    chrono::DateTime::parse_from_rfc3339(text)
        .ok()
        .map(|dt| dt.date_naive())
}

fn date_with_format(text: &str, format: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(text, format).ok().or_else(|| {
        NaiveDateTime::parse_from_str(text, format)
            .ok()
            .map(|dt| dt.date())
    })
}

/// Checks that a date format is valid chrono syntax and names a full date.
pub fn check_date_format(format: &str) -> Result<(), String> {
    let sample = NaiveDate::from_ymd_opt(2024, 9, 2).expect("2024-09-02 is a valid date");
    let rendered = sample
        .and_hms_opt(13, 4, 5)
        .expect("13:04:05 is a valid time");
    let mut text = String::new();
    use std::fmt::Write;
    if write!(text, "{}", rendered.format(format)).is_err() {
        return Err(format!(
            "date format `{format}` is not valid strftime syntax"
        ));
    }
    match date_with_format(&text, format) {
        Some(back) if back == sample => Ok(()),
        _ => Err(format!(
            "date format `{format}` does not name a full date (year, month, day)"
        )),
    }
}

/// Reads yes/no values as exports write them.
pub fn boolean(raw: &str) -> Result<bool, String> {
    match raw.trim().to_ascii_lowercase().as_str() {
        "true" | "yes" | "y" | "1" | "t" | "on" | "x" => Ok(true),
        "false" | "no" | "n" | "0" | "f" | "off" => Ok(false),
        _ => Err(format!("`{raw}` is not a yes/no value")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const EU: NumberFormat = NumberFormat {
        decimal: ',',
        thousands: Some('.'),
    };

    #[test]
    fn numbers_follow_the_configured_separators() {
        assert_eq!(number("1,234.56", NumberFormat::default()), Ok(1234.56));
        assert_eq!(number("1.234,56", EU), Ok(1234.56));
        assert_eq!(number("-12", EU), Ok(-12.0));
        assert_eq!(number(" 1234567 ", NumberFormat::default()), Ok(1234567.0));
        assert!(number("1.2.3", NumberFormat::default()).is_err());
        assert!(
            number("12,34", NumberFormat::default()).is_err(),
            "bad grouping"
        );
        assert!(number("1,234.56", EU).is_err(), "US layout under EU rules");
        assert!(number("", EU).is_err());
        assert!(number("1e400", NumberFormat::default()).is_err());
    }

    #[test]
    fn iso_dates_are_read_as_chrono_reads_their_format() {
        let items: Vec<Item> = format::StrftimeItems::new("%Y-%m-%d").collect();
        assert_eq!(items, ISO_DATE);
        assert_eq!(
            date("2024-02-29", &[]),
            NaiveDate::from_ymd_opt(2024, 2, 29).ok_or_else(String::new)
        );
        assert!(date("2023-02-29", &[]).is_err());
        assert!(date("2024-2-291", &[]).is_err());
    }

    #[test]
    fn amounts_carry_their_currency() {
        let us = NumberFormat::default();
        assert_eq!(money("$1,200", us), Ok((1200.0, Some("USD".into()))));
        assert_eq!(money("1.200,50 €", EU), Ok((1200.5, Some("EUR".into()))));
        assert_eq!(money("EUR 1200", us), Ok((1200.0, Some("EUR".into()))));
        assert_eq!(money("1200", us), Ok((1200.0, None)));
        assert!(money("12 apples", us).is_err());
        assert!(money("$", us).is_err());
    }

    #[test]
    fn dates_are_never_guessed() {
        let iso = date("2024-09-02", &[]).expect("iso date");
        assert_eq!(iso, NaiveDate::from_ymd_opt(2024, 9, 2).expect("valid"));
        assert_eq!(
            date("2024-07-01T11:54:49.95+00:00", &[]).ok(),
            NaiveDate::from_ymd_opt(2024, 7, 1)
        );
        assert!(date("03/04/2024", &[]).is_err(), "no format, no guess");
        let both = ["%m/%d/%Y".to_string(), "%d/%m/%Y".to_string()];
        let err = date("03/04/2024", &both).expect_err("ambiguous");
        assert!(err.contains("ambiguous"), "{err}");
        assert_eq!(
            date("13/04/2024", &both).ok(),
            NaiveDate::from_ymd_opt(2024, 4, 13)
        );
        assert!(date("31/02/2027", &both).is_err());
        assert!(date("0001-01-01", &[]).is_err(), "absurd year");
    }

    #[test]
    fn date_formats_are_checked() {
        assert!(check_date_format("%d.%m.%Y").is_ok());
        assert!(check_date_format("%Y-%m-%d %H:%M").is_ok());
        assert!(check_date_format("%m/%Y").is_err());
    }

    #[test]
    fn currencies_and_booleans() {
        assert_eq!(currency(" eur "), Ok("EUR".into()));
        assert_eq!(currency("£"), Ok("GBP".into()));
        assert!(currency("euro").is_err());
        assert_eq!(boolean("Yes"), Ok(true));
        assert_eq!(boolean("false"), Ok(false));
        assert!(boolean("maybe").is_err());
    }

    proptest! {
        #[test]
        fn parsers_never_panic(text in ".{0,40}") {
            let _ = number(&text, NumberFormat::default());
            let _ = number(&text, EU);
            let _ = money(&text, EU);
            let _ = date(&text, &["%d/%m/%Y".to_string()]);
            let _ = currency(&text);
        }

        #[test]
        fn formatted_numbers_round_trip(cents in -1_000_000_000i64..1_000_000_000) {
            let value = cents as f64 / 100.0;
            let text = format!("{value:.2}");
            prop_assert_eq!(number(&text, NumberFormat::default()), Ok(value));
            prop_assert_eq!(number(&text.replace('.', ","), EU), Ok(value));
        }
    }
}
