//! Conditions evaluated on small, readable leads; the static check, formulas and the evaluation
//! cost have their own files below.

mod bench;
mod check;
mod formula;

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use serde_json::json;

use super::{Condition, ExprError, LeadFacts, OrganizationFacts, PersonFacts};

/// The moment conditions are evaluated at: 59 days and 12 hours after [`lead`] was created.
fn now() -> DateTime<Utc> {
    utc(2025, 3, 1, 12)
}

fn utc(year: i32, month: u32, day: u32, hour: u32) -> DateTime<Utc> {
    let at = Utc.with_ymd_and_hms(year, month, day, hour, 0, 0).single();
    at.expect("a valid UTC time")
}

/// A qualified lead: EUR 12,000, labelled hot, with a reachable person at a German company.
fn lead() -> LeadFacts {
    LeadFacts {
        id: "0195b2a4-0000-7000-8000-000000000001".to_string(),
        title: "Acme rollout".to_string(),
        value: Some(12_000.0),
        currency: Some("EUR".to_string()),
        labels: vec!["hot".to_string(), "b2b".to_string()],
        owner: Some("dana".to_string()),
        origin: "import".to_string(),
        source: Some("webform".to_string()),
        expected_close_date: NaiveDate::from_ymd_opt(2025, 6, 30),
        custom: json!({"region": "EMEA", "employees": 250, "score": 4.5})
            .as_object()
            .cloned()
            .expect("an object"),
        created_at: utc(2025, 1, 1, 0),
        archived: false,
        person: Some(PersonFacts {
            name: "Jo Weber".to_string(),
            emails: vec!["jo@acme.de".to_string()],
            phones: vec!["+4930123456".to_string()],
        }),
        organization: Some(OrganizationFacts {
            name: "Acme GmbH".to_string(),
            domain: Some("acme.de".to_string()),
            website: Some("https://acme.de".to_string()),
        }),
    }
}

/// A lead with nothing optional filled in.
fn bare_lead() -> LeadFacts {
    LeadFacts {
        title: "Unknown caller".to_string(),
        origin: "manual".to_string(),
        created_at: utc(2025, 2, 28, 0),
        ..LeadFacts::default()
    }
}

fn eval(text: &str, lead: &LeadFacts) -> Result<bool, ExprError> {
    let condition = Condition::compile(text).unwrap_or_else(|err| panic!("{text}: {err}"));
    condition.matches(lead, now())
}

fn holds(text: &str, lead: &LeadFacts) -> bool {
    eval(text, lead).unwrap_or_else(|err| panic!("{text}: {err}"))
}

fn eval_error(text: &str, lead: &LeadFacts) -> String {
    match eval(text, lead) {
        Ok(result) => panic!("{text}: expected an error, got {result}"),
        Err(err) => err.to_string(),
    }
}

#[test]
fn value_and_currency() {
    let text = r#"lead.value >= 10000.0 && lead.currency == "EUR""#;
    assert!(holds(text, &lead()));
    let small = LeadFacts {
        value: Some(9_999.99),
        ..lead()
    };
    assert!(!holds(text, &small));
    let dollars = LeadFacts {
        currency: Some("USD".to_string()),
        ..lead()
    };
    assert!(!holds(text, &dollars));
}

#[test]
fn a_float_value_compares_with_an_int_literal() {
    assert!(holds("lead.value > 5000", &lead()));
    assert!(!holds("lead.value > 50000", &lead()));
    assert!(holds("lead.value == 12000", &lead()));
}

#[test]
fn label_membership() {
    assert!(holds(r#""hot" in lead.labels"#, &lead()));
    assert!(!holds(r#""cold" in lead.labels"#, &lead()));
    assert!(!holds(r#""hot" in lead.labels"#, &bare_lead()));
    assert!(holds(
        r#"lead.labels.exists(l, l.startsWith("b2"))"#,
        &lead()
    ));
}

#[test]
fn email_and_organization_domain() {
    let text = r#"lead.has_email && organization.domain.endsWith(".de")"#;
    assert!(holds(text, &lead()));
    let mut dot_com = lead();
    dot_com
        .organization
        .as_mut()
        .expect("an organization")
        .domain = Some("acme.com".to_string());
    assert!(!holds(text, &dot_com));
    // `&&` stops at a false left side: the null organization is never read.
    assert!(!holds(text, &bare_lead()));
}

#[test]
fn has_email_and_has_phone_follow_the_person() {
    assert!(holds("lead.has_email && lead.has_phone", &lead()));
    let mut no_phone = lead();
    no_phone.person.as_mut().expect("a person").phones.clear();
    assert!(holds("lead.has_email && !lead.has_phone", &no_phone));
    assert!(holds("!lead.has_email && !lead.has_phone", &bare_lead()));
}

#[test]
fn age_days_counts_whole_days_to_now() {
    assert!(holds("lead.age_days == 59", &lead()));
    assert!(holds("lead.age_days > 30", &lead()));
    let recent = LeadFacts {
        created_at: now() - chrono::Duration::hours(30 * 24 + 23),
        ..lead()
    };
    assert!(holds("lead.age_days == 30", &recent));
    assert!(!holds("lead.age_days > 30", &recent));
    let from_the_future = LeadFacts {
        created_at: now() + chrono::Duration::days(2),
        ..lead()
    };
    assert!(holds("lead.age_days == 0", &from_the_future));
}

#[test]
fn custom_fields() {
    assert!(holds(r#"lead.custom.region == "EMEA""#, &lead()));
    assert!(!holds(r#"lead.custom.region == "APAC""#, &lead()));
    assert!(holds("has(lead.custom.region)", &lead()));
    assert!(!holds("has(lead.custom.region)", &bare_lead()));
    assert!(holds(
        "lead.custom.employees > 100 && lead.custom.score < 5",
        &lead()
    ));
}

#[test]
fn custom_fields_behave_as_a_map() {
    let mut nested = lead();
    nested.custom.insert(
        "address".to_string(),
        json!({"city": "Berlin", "zip": "10115"}),
    );
    for text in [
        r#""region" in lead.custom"#,
        r#"!("segment" in lead.custom)"#,
        r#"lead.custom["region"] == "EMEA""#,
        "size(lead.custom) == 4",
        r#"lead.custom.exists(key, key == "employees")"#,
        r#"lead.custom.address.city == "Berlin""#,
        r#"has(lead.custom.address.zip) && !has(lead.custom.address.street)"#,
        "!(1 in lead.custom)",
    ] {
        assert!(holds(text, &nested), "{text}");
    }
    let literal = r#"lead.custom == {"region": "EMEA", "employees": 250, "score": 4.5}"#;
    assert!(holds(literal, &lead()));
    assert!(!holds(literal, &nested));
}

#[test]
fn a_missing_custom_field_is_an_error_that_points_to_has() {
    let message = eval_error(r#"lead.custom.region == "EMEA""#, &bare_lead());
    assert_eq!(
        message,
        "evaluation failed: no such key `region`; test for it first with `has(...)`"
    );
    let guarded = r#"has(lead.custom.region) && lead.custom.region == "EMEA""#;
    assert!(!holds(guarded, &bare_lead()));
}

#[test]
fn source_and_origin() {
    assert!(holds(r#"lead.source == "webform""#, &lead()));
    assert!(!holds(r#"lead.source == "csv""#, &lead()));
    assert!(!holds(r#"lead.source == "webform""#, &bare_lead()));
    assert!(holds(r#"lead.origin == "manual""#, &bare_lead()));
}

#[test]
fn a_null_value_compared_is_an_error_saying_so() {
    let message = eval_error("lead.value > 100", &bare_lead());
    assert!(message.starts_with("evaluation failed: "), "{message}");
    assert!(message.contains("a value is null"), "{message}");
    assert!(!holds(
        "lead.value != null && lead.value > 100",
        &bare_lead()
    ));
    assert!(holds("lead.value == null", &bare_lead()));
}

#[test]
fn null_person_and_organization() {
    let text = r#"organization != null && organization.domain == "acme.com""#;
    assert!(!holds(text, &bare_lead()));
    let mut acme = lead();
    acme.organization.as_mut().expect("an organization").domain = Some("acme.com".to_string());
    assert!(holds(text, &acme));
    assert!(holds(
        "person == null && organization == null",
        &bare_lead()
    ));
    let message = eval_error(r#"organization.domain == "acme.com""#, &bare_lead());
    assert!(message.contains("a value is null"), "{message}");
}

#[test]
fn dates_are_timestamps_at_midnight_utc() {
    assert!(holds(
        r#"lead.expected_close_date < date("2025-07-01")"#,
        &lead()
    ));
    assert!(holds(
        r#"lead.expected_close_date == date("2025-06-30")"#,
        &lead()
    ));
    let text = r#"lead.expected_close_date == timestamp("2025-06-30T00:00:00Z")"#;
    assert!(holds(text, &lead()));
    // CEL counts months from 0.
    assert!(holds("lead.expected_close_date.getMonth() == 5", &lead()));
    assert!(holds("lead.expected_close_date == null", &bare_lead()));
    let message = eval_error(r#"lead.created_at > date("2025-02-30")"#, &lead());
    assert!(message.contains("`2025-02-30` is not a date"), "{message}");
}

#[test]
fn the_strings_lists_and_math_extensions_are_available() {
    for text in [
        r#"organization.name.lowerAscii().contains("gmbh")"#,
        r#"lead.labels.sort() == ["b2b", "hot"]"#,
        "math.greatest(lead.age_days, 10) == 59",
        "math.round(lead.custom.score) == 5.0",
    ] {
        assert!(holds(text, &lead()), "{text}");
    }
}

#[test]
fn has_is_true_for_a_null_field_of_a_record() {
    assert!(holds("has(lead.value) && lead.value == null", &bare_lead()));
}

#[test]
fn a_non_bool_result_is_an_error_saying_so() {
    let message = eval_error("lead.value", &lead());
    assert_eq!(message, "the condition yields a `double`, not a bool");
    let message = eval_error("lead.title", &lead());
    assert_eq!(message, "the condition yields a `string`, not a bool");
    assert!(matches!(
        eval("lead.value", &bare_lead()),
        Err(ExprError::NotBool { got }) if got == "null_type"
    ));
}

/// The check accepts exactly the names the records answer: a field added to one and not the
/// other fails here rather than in a user's rule.
#[test]
fn every_field_the_check_accepts_can_be_read() {
    use super::schema::{DEAL, LEAD, ORGANIZATION, PERSON, PRODUCT};
    use super::view::{DealView, LeadView, OrganizationView, PersonView};
    let lead = lead();
    assert_reads_exactly(&LEAD, LeadView::new(&lead, now()));
    assert_reads_exactly(&PERSON, PersonView(lead.person.as_ref().expect("a person")));
    assert_reads_exactly(
        &ORGANIZATION,
        OrganizationView(lead.organization.as_ref().expect("an organization")),
    );
    let deal = super::DealFacts {
        products: vec![super::ProductFacts::default()],
        ..super::DealFacts::default()
    };
    assert_reads_exactly(&DEAL, DealView(&deal));
    for name in PRODUCT.names() {
        let text = format!("has(deal.products[0].{name})");
        let formula = super::Formula::compile(&text).expect("product fields are known");
        let read = formula.evaluate(&deal).expect("product fields can be read");
        assert_eq!(read, json!(true), "{text}");
    }
}

fn assert_reads_exactly(schema: &super::schema::Schema, view: impl super::view::Fields) {
    assert!(
        view.field("no_such_field").is_none(),
        "{}",
        schema.type_name
    );
    for name in schema.names() {
        assert!(view.field(name).is_some(), "{}.{name}", schema.type_name);
    }
}

#[test]
fn compiled_rules_can_be_shared_between_threads() {
    fn shareable<T: Send + Sync>() {}
    shareable::<Condition>();
    shareable::<super::Formula>();
}
