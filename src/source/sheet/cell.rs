//! Cell values to text, the way a person reading the sheet in Excel would type them in.

use calamine::{Data, ExcelDateTime, ExcelDateTimeType};

const SECONDS_PER_DAY: f64 = 86_400.0;

/// The text of a cell; an error cell becomes its error code (`#DIV/0!`).
pub fn text(value: &Data) -> String {
    match value {
        Data::Empty => String::new(),
        Data::String(text) | Data::DateTimeIso(text) | Data::DurationIso(text) => text.clone(),
        Data::Int(number) => number.to_string(),
        Data::Float(number) => number_text(*number),
        Data::Bool(flag) => flag.to_string(),
        Data::DateTime(datetime) if datetime.is_duration() => duration_text(datetime),
        Data::DateTime(datetime) => datetime_text(datetime),
        Data::Error(error) => error.to_string(),
    }
}

/// A number as Excel shows it: 15 significant digits, so that binary float noise
/// (0.1 + 0.2 stored as 0.30000000000000004) disappears, with no trailing zeros and no
/// exponent (`0.0000001`, not `1E-07`) so that the mapping can parse it as a number.
pub fn number_text(number: f64) -> String {
    if number == 0.0 {
        // Also turns -0 into 0.
        return "0".to_string();
    }
    let rounded: f64 = format!("{number:.14e}")
        .parse()
        .expect("a formatted f64 parses back");
    // `Display` for f64 prints the shortest text that reads back as the same value.
    rounded.to_string()
}

/// A date as `YYYY-MM-DD`, a date with a time as `YYYY-MM-DDTHH:MM:SS`, a bare time (a
/// serial below one day, which no lead date is) as `HH:MM:SS`.
///
/// calamine keeps the workbook's date system (1900 or 1904) inside each value, so the
/// same serial number gives the right date in both. Seconds are rounded as Excel rounds
/// them for display, since a time typed as 12:30 is often stored a hair below it.
fn datetime_text(datetime: &ExcelDateTime) -> String {
    let serial = (datetime.as_f64() * SECONDS_PER_DAY).round() / SECONDS_PER_DAY;
    let rounded = ExcelDateTime::new(serial, ExcelDateTimeType::DateTime, uses_1904(datetime));
    let (year, month, day, hour, minute, second, _) = rounded.to_ymd_hms_milli();
    let time = format!("{hour:02}:{minute:02}:{second:02}");
    if serial.floor() == 0.0 {
        time
    } else if (hour, minute, second) == (0, 0, 0) {
        format!("{year:04}-{month:02}-{day:02}")
    } else {
        format!("{year:04}-{month:02}-{day:02}T{time}")
    }
}

/// Whether a value counts its days from 1904-01-01. calamine sets the flag from the
/// workbook but offers no getter, so compare with the same value built in the 1904 system.
fn uses_1904(datetime: &ExcelDateTime) -> bool {
    *datetime == ExcelDateTime::new(datetime.as_f64(), ExcelDateTimeType::DateTime, true)
}

/// An elapsed time (`[h]:mm:ss` format) as Excel shows it: hours past 24 are not days.
fn duration_text(datetime: &ExcelDateTime) -> String {
    let seconds = (datetime.as_f64() * SECONDS_PER_DAY).round();
    let sign = if seconds < 0.0 { "-" } else { "" };
    // Saturates on absurd values; no real duration comes near it.
    let seconds = seconds.abs() as u64;
    let (hours, minutes, seconds) = (seconds / 3600, seconds / 60 % 60, seconds % 60);
    format!("{sign}{hours}:{minutes:02}:{seconds:02}")
}

/// The letters of a 0-based column index, as in A1 notation: 0 is `A`, 26 is `AA`.
pub fn column_name(column: u32) -> String {
    let mut letters = Vec::new();
    let mut rest = u64::from(column) + 1;
    while rest > 0 {
        let digit = u8::try_from((rest - 1) % 26).expect("a remainder of 26 fits in u8");
        letters.push(char::from(b'A' + digit));
        rest = (rest - 1) / 26;
    }
    letters.iter().rev().collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use calamine::CellErrorType;

    #[test]
    fn numbers_lose_float_noise_and_trailing_zeros() {
        assert_eq!(number_text(42.0), "42");
        assert_eq!(number_text(0.1), "0.1");
        assert_eq!(number_text(0.1 + 0.2), "0.3");
        assert_eq!(number_text(1e-7), "0.0000001");
        assert_eq!(number_text(1.5e-7), "0.00000015");
        assert_eq!(number_text(-2.50), "-2.5");
        assert_eq!(number_text(-0.0), "0");
        assert_eq!(number_text(4_915_112_345_678.0), "4915112345678");
        assert_eq!(
            number_text(123_456_789.0 + 0.123_456_789),
            "123456789.123457"
        );
    }

    #[test]
    fn dates_and_times_in_both_date_systems() {
        let date = |serial, is_1904| {
            text(&Data::DateTime(ExcelDateTime::new(
                serial,
                ExcelDateTimeType::DateTime,
                is_1904,
            )))
        };
        assert_eq!(date(45_292.0, false), "2024-01-01");
        assert_eq!(date(45_292.5, false), "2024-01-01T12:00:00");
        assert_eq!(date(43_830.0, true), "2024-01-01");
        assert_eq!(date(45_292.0, true), "2028-01-02");
        // 12:30 stored a hair below, and 23:59:59.7 which rounds into the next day.
        assert_eq!(date(45_292.0 + 0.5208333333, false), "2024-01-01T12:30:00");
        assert_eq!(date(45_292.0 + 86_399.7 / 86_400.0, false), "2024-01-02");
        assert_eq!(date(0.75, false), "18:00:00");
    }

    #[test]
    fn durations_count_hours_past_a_day() {
        let duration = ExcelDateTime::new(1.5, ExcelDateTimeType::TimeDelta, false);
        assert_eq!(text(&Data::DateTime(duration)), "36:00:00");
    }

    #[test]
    fn other_values() {
        assert_eq!(text(&Data::Int(-7)), "-7");
        assert_eq!(text(&Data::Bool(true)), "true");
        assert_eq!(text(&Data::Empty), "");
        assert_eq!(text(&Data::String(" kept ".into())), " kept ");
        assert_eq!(text(&Data::DateTimeIso("2024-01-01".into())), "2024-01-01");
        assert_eq!(text(&Data::Error(CellErrorType::Div0)), "#DIV/0!");
    }

    #[test]
    fn column_names() {
        let names: Vec<String> = [0, 5, 25, 26, 27, 51, 52, 701, 702, 16_383]
            .into_iter()
            .map(column_name)
            .collect();
        assert_eq!(
            names,
            ["A", "F", "Z", "AA", "AB", "AZ", "BA", "ZZ", "AAA", "XFD"]
        );
    }
}
