//! What one evaluation costs. Timing in a debug build means little, so this runs on demand:
//! `cargo test --release --lib rules::tests::bench -- --ignored --nocapture`.

use std::hint::black_box;
use std::time::Instant;

use super::{lead, now};
use crate::rules::{Condition, DealFacts, Formula};

const RUNS: u32 = 100_000;

fn nanos_per_run(mut run: impl FnMut()) -> u128 {
    let start = Instant::now();
    for _ in 0..RUNS {
        run();
    }
    start.elapsed().as_nanos() / u128::from(RUNS)
}

#[test]
#[ignore = "timing; run with --release"]
fn evaluation_cost() {
    let lead = lead();
    for text in [
        "lead.value > 5000",
        r#"lead.value >= 10000.0 && lead.currency == "EUR""#,
        r#""hot" in lead.labels"#,
        r#"lead.has_email && organization.domain.endsWith(".de")"#,
        r#"lead.custom.region == "EMEA""#,
        "lead.age_days > 30",
    ] {
        let condition = Condition::compile(text).expect("compiles");
        let cost = nanos_per_run(|| {
            black_box(
                condition
                    .matches(black_box(&lead), now())
                    .expect("evaluates"),
            );
        });
        println!("{cost:>6} ns  {text}");
    }
    let deal = DealFacts {
        value: Some(10_000.0),
        probability: Some(40),
        ..DealFacts::default()
    };
    let formula = Formula::compile("deal.value * double(deal.probability) / 100.0");
    let formula = formula.expect("compiles");
    let cost = nanos_per_run(|| {
        black_box(formula.evaluate(black_box(&deal)).expect("evaluates"));
    });
    println!("{cost:>6} ns  {}", formula.text());
}
