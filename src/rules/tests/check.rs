//! Compile-time checks: syntax errors with their position, unknown variables and fields.

use crate::rules::{Condition, ExprError, Position, UnknownName};

fn compile_error(text: &str) -> ExprError {
    match Condition::compile(text) {
        Ok(_) => panic!("{text}: compiled, expected an error"),
        Err(err) => err,
    }
}

fn unknown_names(text: &str) -> Vec<UnknownName> {
    match compile_error(text) {
        ExprError::Unknown(names) => names,
        other => panic!("{text}: expected unknown names, got {other}"),
    }
}

fn at(line: usize, column: usize) -> Position {
    Position { line, column }
}

#[test]
fn a_syntax_error_says_where_and_what() {
    let ExprError::Syntax(errors) = compile_error("lead.value >") else {
        panic!("expected a syntax error");
    };
    assert_eq!(errors[0].position, Some(at(1, 13)));
    assert!(errors[0].message.starts_with("mismatched input '<EOF>'"));
    let message = compile_error("lead.value >").to_string();
    assert!(message.starts_with("syntax error at 1:13: mismatched input '<EOF>' expecting"));
}

#[test]
fn a_syntax_error_on_a_later_line_has_that_line() {
    let ExprError::Syntax(errors) = compile_error("lead.value > 1 &&\n  lead.title ==== \"x\"")
    else {
        panic!("expected a syntax error");
    };
    assert_eq!(errors[0].position, Some(at(2, 16)));
}

#[test]
fn an_unknown_variable_is_named_with_the_known_ones() {
    let names = unknown_names("leed.value > 1");
    assert_eq!(names.len(), 1);
    assert_eq!(names[0].name, "leed");
    assert_eq!(names[0].of, None);
    assert_eq!(names[0].position, at(1, 1));
    assert_eq!(
        compile_error("leed.value > 1").to_string(),
        "unknown variable `leed` at 1:1, did you mean `lead`? \
         (variables: `lead`, `person`, `organization`)"
    );
}

#[test]
fn an_unknown_field_is_named_with_a_suggestion_and_the_known_fields() {
    let names = unknown_names("lead.valeu > 1");
    assert_eq!(names.len(), 1);
    assert_eq!(names[0].name, "valeu");
    assert_eq!(names[0].of.as_deref(), Some("lead"));
    assert_eq!(names[0].position, at(1, 6));
    assert_eq!(names[0].suggestion, Some("value"));
    assert_eq!(
        compile_error("lead.valeu > 1").to_string(),
        "unknown field `lead.valeu` at 1:6, did you mean `value`? (fields of `lead`: `id`, \
         `title`, `value`, `currency`, `labels`, `owner`, `origin`, `source`, \
         `expected_close_date`, `custom`, `created_at`, `age_days`, `has_email`, `has_phone`, \
         `archived`)"
    );
}

#[test]
fn a_far_off_name_gets_no_suggestion() {
    let names = unknown_names("lead.pipeline_stage == \"won\"");
    assert_eq!(names[0].suggestion, None);
    let message = compile_error("lead.pipeline_stage == \"won\"").to_string();
    assert!(!message.contains("did you mean"), "{message}");
}

#[test]
fn every_unknown_name_is_reported_at_once() {
    let text = "leed.x || person.nmae == \"x\" ||\n organization.domian == \"\"";
    let names = unknown_names(text);
    let found: Vec<(&str, Position)> = names
        .iter()
        .map(|n| (n.name.as_str(), n.position))
        .collect();
    assert_eq!(
        found,
        [
            ("leed", at(1, 1)),
            ("nmae", at(1, 18)),
            ("domian", at(2, 15))
        ]
    );
    assert_eq!(names[1].suggestion, Some("name"));
    assert_eq!(names[1].known, ["name", "emails", "phones"]);
    assert_eq!(
        compile_error(text).to_string().matches("; unknown").count(),
        2
    );
}

#[test]
fn fields_are_checked_in_has_and_in_index_form() {
    assert_eq!(unknown_names("has(lead.valeu)")[0].position, at(1, 10));
    assert_eq!(unknown_names(r#"lead["valeu"] > 1"#)[0].name, "valeu");
    assert_eq!(
        unknown_names("has(person.emial)")[0].suggestion,
        Some("emails")
    );
}

#[test]
fn anything_under_custom_is_allowed() {
    for text in [
        r#"lead.custom.region == "EMEA""#,
        "has(lead.custom.region)",
        "lead.custom.deeply.nested.field == 1",
        r#"lead.custom["with space"] == 1"#,
    ] {
        assert!(Condition::compile(text).is_ok(), "{text}");
    }
}

#[test]
fn comprehension_variables_type_names_and_namespaces_are_not_variables() {
    for text in [
        r#"lead.labels.exists(label, label.startsWith("hot"))"#,
        "person.emails.all(e, e.endsWith(\".de\"))",
        "type(lead.value) == double",
        "math.round(2.5) == 3.0",
        "[1, 2].exists(lead, lead == 2)",
    ] {
        if let Err(err) = Condition::compile(text) {
            panic!("{text}: {err}");
        }
    }
    assert_eq!(unknown_names("lead.labels.exists(l, m == 1)")[0].name, "m");
}

#[test]
fn a_deal_is_not_a_condition_variable() {
    let names = unknown_names("deal.value > 1");
    assert_eq!(names[0].name, "deal");
    assert_eq!(names[0].known, ["lead", "person", "organization"]);
}
