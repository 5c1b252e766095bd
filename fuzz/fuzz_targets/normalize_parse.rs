//! Arbitrary text -> every normalization (`leadsync::normalize`) and typed parser
//! (`leadsync::mapping::parse`), checking the properties the import relies on: no panic,
//! normalized values are fixed points, parsed numbers are finite and dates plausible.
//!
//! The first byte picks the phone region and the number and date layouts; the rest is the
//! text (lossily decoded, so every input reaches the functions).

#![no_main]

use chrono::Datelike;
use leadsync::mapping::parse::{self, NumberFormat};
use leadsync::normalize;
use libfuzzer_sys::fuzz_target;

const REGIONS: [&str; 8] = ["US", "GB", "DE", "IN", "BR", "JP", "LT", "ID"];

const FORMATS: [NumberFormat; 4] = [
    NumberFormat {
        decimal: '.',
        thousands: Some(','),
    },
    NumberFormat {
        decimal: ',',
        thousands: Some('.'),
    },
    NumberFormat {
        decimal: ',',
        thousands: Some(' '),
    },
    NumberFormat {
        decimal: '.',
        thousands: None,
    },
];

const DATE_LAYOUTS: [&[&str]; 4] = [
    &[],
    &["%d.%m.%Y"],
    &["%m/%d/%Y", "%d/%m/%Y"],
    &["%Y-%m-%d %H:%M", "%b %d, %Y"],
];

fuzz_target!(|data: &[u8]| {
    let Some((&selector, bytes)) = data.split_first() else {
        return;
    };
    let text = String::from_utf8_lossy(bytes);
    let text = text.as_ref();
    let region = REGIONS[usize::from(selector) % REGIONS.len()];
    let format = FORMATS[usize::from(selector >> 3) % FORMATS.len()];
    let layouts: Vec<String> = DATE_LAYOUTS[usize::from(selector >> 5) % DATE_LAYOUTS.len()]
        .iter()
        .map(|f| f.to_string())
        .collect();

    if let Ok(email) = normalize::email(text) {
        assert_eq!(
            normalize::email(&email),
            Ok(email.clone()),
            "email fixed point"
        );
        if let Some(domain) = normalize::email_org_domain(&email) {
            assert!(!normalize::is_freemail(&domain), "{domain}");
        }
    }
    let _ = normalize::email_org_domain(text);
    let _ = normalize::is_freemail(text);

    for default_region in [Some(region), None] {
        if let Ok(phone) = normalize::phone(text, default_region) {
            assert!(
                phone.starts_with('+') && phone[1..].bytes().all(|b| b.is_ascii_digit()),
                "E.164: {phone}"
            );
            assert_eq!(
                normalize::phone(&phone, default_region),
                Ok(phone.clone()),
                "phone fixed point"
            );
        }
    }
    let _ = normalize::region(text);

    // Regression: regressions/normalize_parse/www_registrable_domain.txt (`w.www.ac`).
    if let Some(domain) = normalize::web_domain(text) {
        assert_eq!(
            normalize::web_domain(&domain),
            Some(domain.clone()),
            "domain fixed point"
        );
    }
    let person = normalize::person_name_key(text);
    assert_eq!(
        normalize::person_name_key(&person),
        person,
        "person key fixed point"
    );
    let org = normalize::org_name_key(text);
    assert_eq!(
        normalize::org_name_key(&org),
        org,
        "organization key fixed point"
    );

    if let Ok(number) = parse::number(text, format) {
        assert!(number.is_finite(), "{number}");
    }
    if let Ok(integer) = parse::integer(text, format) {
        assert!(integer.unsigned_abs() <= 9_000_000_000_000_000, "{integer}");
    }
    if let Ok((amount, currency)) = parse::money(text, format) {
        assert!(amount.is_finite(), "{amount}");
        if let Some(code) = currency {
            assert!(
                code.len() == 3 && code.bytes().all(|b| b.is_ascii_uppercase()),
                "{code}"
            );
        }
    }
    if let Ok(code) = parse::currency(text) {
        assert_eq!(
            parse::currency(&code),
            Ok(code.clone()),
            "currency fixed point"
        );
    }
    if let Ok(date) = parse::date(text, &layouts) {
        assert!((1900..=2200).contains(&date.year()), "{date}");
    }
    let _ = parse::boolean(text);
    let _ = parse::check_date_format(text);
    let _ = leadsync::mapping::check_region(text);
});
