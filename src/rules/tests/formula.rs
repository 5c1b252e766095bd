//! Formulas over deals, their static check, and the products total.

use serde_json::json;

use crate::rules::{DealFacts, ExprError, Formula, ProductFacts, products_total};

fn deal() -> DealFacts {
    DealFacts {
        title: "Acme rollout".to_string(),
        value: Some(10_000.0),
        currency: Some("EUR".to_string()),
        probability: Some(40),
        status: "open".to_string(),
        pipeline: "Sales".to_string(),
        stage: "Qualified".to_string(),
        labels: vec!["hot".to_string()],
        products: vec![
            product("Seats", 10.0, 90.0, 0.0),
            product("Setup", 1.0, 1_000.0, 10.0),
        ],
        ..DealFacts::default()
    }
}

fn product(name: &str, quantity: f64, unit_price: f64, discount: f64) -> ProductFacts {
    ProductFacts {
        name: name.to_string(),
        quantity,
        unit_price,
        discount,
    }
}

fn evaluate(text: &str, deal: &DealFacts) -> Result<serde_json::Value, ExprError> {
    let formula = Formula::compile(text).unwrap_or_else(|err| panic!("{text}: {err}"));
    formula.evaluate(deal)
}

fn value(text: &str, deal: &DealFacts) -> serde_json::Value {
    evaluate(text, deal).unwrap_or_else(|err| panic!("{text}: {err}"))
}

fn error(text: &str, deal: &DealFacts) -> String {
    match evaluate(text, deal) {
        Ok(value) => panic!("{text}: expected an error, got {value}"),
        Err(err) => err.to_string(),
    }
}

#[test]
fn weighted_value() {
    let text = "deal.value * double(deal.probability) / 100.0";
    assert_eq!(value(text, &deal()), json!(4000.0));
    let likely = DealFacts {
        probability: Some(90),
        ..deal()
    };
    assert_eq!(value(text, &likely), json!(9000.0));
}

#[test]
fn formulas_yield_numbers_strings_bools_and_null() {
    let cases = [
        ("size(deal.products)", json!(2)),
        (
            r#"deal.pipeline + " / " + deal.stage"#,
            json!("Sales / Qualified"),
        ),
        (r#"deal.status == "open""#, json!(true)),
        ("deal.owner", json!(null)),
        ("deal.probability != null ? deal.probability : 0", json!(40)),
        (
            "deal.products.map(p, p.quantity * p.unit_price * (1.0 - p.discount / 100.0))[1]",
            json!(900.0),
        ),
    ];
    for (text, expected) in cases {
        assert_eq!(value(text, &deal()), expected, "{text}");
    }
}

#[test]
fn a_list_result_is_refused() {
    let err = error("deal.labels", &deal());
    assert_eq!(
        err,
        "the formula yields a `list`; a formula yields a number, a string, a bool or null"
    );
}

#[test]
fn a_division_by_zero_is_refused_rather_than_stored() {
    let err = error("deal.value / 0.0", &deal());
    assert_eq!(
        err,
        "evaluation failed: the formula yields `inf`, not a number"
    );
}

#[test]
fn a_null_probability_is_an_error_saying_so() {
    let unknown = DealFacts {
        probability: None,
        ..deal()
    };
    let err = error("deal.value * double(deal.probability) / 100.0", &unknown);
    assert!(err.contains("a value is null"), "{err}");
}

#[test]
fn formulas_are_checked_against_deal_fields() {
    let Err(ExprError::Unknown(names)) = Formula::compile("deal.valeu * 2.0") else {
        panic!("expected an unknown field");
    };
    assert_eq!(names[0].name, "valeu");
    assert_eq!(names[0].suggestion, Some("value"));
    let Err(ExprError::Unknown(names)) = Formula::compile("lead.value") else {
        panic!("expected an unknown variable");
    };
    assert_eq!(names[0].known, ["deal"]);
    let text = "deal.products.exists(p, p.quanity > 1.0)";
    let Err(ExprError::Unknown(names)) = Formula::compile(text) else {
        panic!("expected an unknown product field");
    };
    assert_eq!(names[0].of.as_deref(), Some("p"));
    assert_eq!(names[0].suggestion, Some("quantity"));
    assert!(Formula::compile("deal.custom.tier == \"gold\" ? 1 : 0").is_ok());
    assert!(Formula::compile("deal.products[0].unit_price").is_ok());
    assert!(Formula::compile("deal.products[0].price").is_err());
}

#[test]
fn products_total_discounts_each_line_and_rounds_to_cents() {
    let products = [
        product("Seats", 3.0, 19.99, 10.0),
        product("Setup", 1.0, 0.125, 0.0),
    ];
    // 3 * 19.99 * 0.9 = 53.973, + 0.125 = 54.098
    assert_eq!(products_total(&products), 54.1);
    assert_eq!(products_total(&deal().products), 1_800.0);
    assert_eq!(products_total(&[]), 0.0);
    assert_eq!(products_total(&[product("Free", 2.0, 50.0, 100.0)]), 0.0);
}
