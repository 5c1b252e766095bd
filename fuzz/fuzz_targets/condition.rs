//! Arbitrary text -> `Condition::compile` (CEL parse and name check), and a compiled
//! condition evaluated on a lead with every kind of fact; and the same text as a deal
//! formula.

#![no_main]

use std::sync::OnceLock;

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use leadsync::rules::{
    Condition, DealFacts, Formula, LeadFacts, OrganizationFacts, PersonFacts, ProductFacts,
};
use libfuzzer_sys::fuzz_target;

struct Facts {
    lead: LeadFacts,
    bare: LeadFacts,
    deal: DealFacts,
    now: DateTime<Utc>,
}

fn facts() -> &'static Facts {
    static FACTS: OnceLock<Facts> = OnceLock::new();
    FACTS.get_or_init(|| {
        let created = Utc
            .with_ymd_and_hms(2025, 1, 2, 3, 4, 5)
            .single()
            .expect("valid");
        let mut custom = serde_json::Map::new();
        custom.insert("region".into(), "emea".into());
        custom.insert("seats".into(), 12.into());
        custom.insert("score".into(), 0.5.into());
        custom.insert("tags".into(), serde_json::json!(["a", "b"]));
        let lead = LeadFacts {
            id: "01a21d42-5bd8-7007-92a5-307b743ec182".into(),
            title: "Acme rollout".into(),
            value: Some(1500.5),
            currency: Some("USD".into()),
            labels: vec!["hot".into(), "web".into()],
            owner: Some("ada".into()),
            origin: "import".into(),
            source: Some("web-form".into()),
            expected_close_date: NaiveDate::from_ymd_opt(2025, 7, 1),
            custom: custom.clone(),
            created_at: created,
            archived: false,
            person: Some(PersonFacts {
                name: "Ada Lovelace".into(),
                emails: vec!["ada@acme.example".into()],
                phones: vec!["+14152933313".into()],
            }),
            organization: Some(OrganizationFacts {
                name: "Acme".into(),
                domain: Some("acme.example".into()),
                website: Some("https://acme.example".into()),
            }),
        };
        let bare = LeadFacts {
            created_at: created,
            ..LeadFacts::default()
        };
        let deal = DealFacts {
            title: "Acme rollout".into(),
            value: Some(1500.5),
            currency: Some("USD".into()),
            probability: Some(40),
            status: "open".into(),
            pipeline: "Sales".into(),
            stage: "New".into(),
            labels: vec!["hot".into()],
            owner: None,
            custom,
            products: vec![ProductFacts {
                name: "Seat".into(),
                quantity: 3.0,
                unit_price: 99.9,
                discount: 10.0,
            }],
            expected_close_date: NaiveDate::from_ymd_opt(2025, 7, 1),
        };
        let now = Utc
            .with_ymd_and_hms(2026, 1, 1, 0, 0, 0)
            .single()
            .expect("valid");
        Facts {
            lead,
            bare,
            deal,
            now,
        }
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let facts = facts();
    if let Ok(condition) = Condition::compile(text) {
        assert_eq!(condition.text(), text);
        let _ = condition.matches(&facts.lead, facts.now);
        let _ = condition.matches(&facts.bare, facts.now);
    }
    if let Ok(formula) = Formula::compile(text) {
        let _ = formula.evaluate(&facts.deal);
        let _ = formula.evaluate(&DealFacts::default());
    }
});
