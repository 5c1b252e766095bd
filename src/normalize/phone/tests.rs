use super::metadata::calling_code;
use super::*;
use proptest::prelude::*;

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

const REGIONS: &[&str] = &[
    "US", "CA", "PR", "AG", "GB", "JE", "IN", "DE", "FR", "IT", "BR", "AR", "MX", "JP", "AU", "RU",
    "KZ", "CN", "ZA", "NG", "ES", "NL", "CH", "ID", "SG", "FI", "AX", "LT", "IL", "CO",
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
}
