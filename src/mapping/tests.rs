use super::*;

fn header(columns: &[&str]) -> Vec<String> {
    columns.iter().map(|c| c.to_string()).collect()
}

fn mapping(toml_text: &str, columns: &[&str]) -> Result<Mapping, Vec<String>> {
    let config: config::MappingConfig = toml::from_str(toml_text).expect("mapping toml parses");
    let context = MapContext {
        default_region: Some("US".into()),
    };
    compile("test", &config, &header(columns), &context)
}

fn row(cells: &[&str]) -> StringRecord {
    StringRecord::from(cells.to_vec())
}

const BASIC: &str = r#"
[[fields]]
target = "lead.title"
template = "{company} deal"
[[fields]]
target = "person.name"
template = "{first} {last}"
[[fields]]
target = "person.email"
column = "email"
[[fields]]
target = "person.phone"
column = "phone"
label = "mobile"
[[fields]]
target = "organization.name"
column = "company"
[[fields]]
target = "lead.value"
column = "value"
[[fields]]
target = "lead.labels"
column = "tags"
transforms = [{ split = "," }, "lower"]
"#;
const BASIC_COLUMNS: &[&str] = &[
    "first", "last", "email", "phone", "company", "value", "tags",
];

#[test]
fn maps_a_full_row() {
    let mapping = mapping(BASIC, BASIC_COLUMNS).expect("compiles");
    let lead = mapping
        .apply(&row(&[
            "Ada",
            "Lovelace",
            " Ada@Example.COM ",
            "(415) 293-3313",
            "Acme",
            "$1,200.50",
            "VIP, Hot",
        ]))
        .expect("maps");
    assert_eq!(lead.title, "Acme deal");
    let person = lead.person.expect("person");
    assert_eq!(person.name, "Ada Lovelace");
    assert_eq!(person.emails[0].value, "ada@example.com");
    assert_eq!(person.phones[0].value, "+14152933313");
    assert_eq!(person.phones[0].label, ContactLabel::Mobile);
    assert_eq!(lead.organization.expect("org").name, "Acme");
    assert_eq!(
        lead.value,
        Some(Money {
            amount: 1200.5,
            currency: "USD".into()
        })
    );
    assert_eq!(lead.labels, ["vip", "hot"]);
}

#[test]
fn a_value_without_currency_is_rejected_by_default() {
    let mapping = mapping(BASIC, BASIC_COLUMNS).expect("compiles");
    let err = mapping
        .apply(&row(&["Ada", "L", "", "", "Acme", "1200", ""]))
        .expect_err("no currency");
    assert_eq!(err.field, "lead.value");
    assert!(err.reason.contains("no currency"), "{}", err.reason);
}

#[test]
fn a_value_without_currency_follows_the_mapping_rule() {
    let drop = format!("[options]\nvalue_without_currency = \"drop_value\"\n{BASIC}");
    let lead = mapping(&drop, BASIC_COLUMNS)
        .expect("compiles")
        .apply(&row(&["Ada", "L", "", "", "Acme", "1200", ""]))
        .expect("maps");
    assert_eq!(lead.value, None);
    let default = format!("[options]\ndefault_currency = \"eur\"\n{BASIC}");
    let lead = mapping(&default, BASIC_COLUMNS)
        .expect("compiles")
        .apply(&row(&["Ada", "L", "", "", "Acme", "1200", ""]))
        .expect("maps");
    assert_eq!(
        lead.value,
        Some(Money {
            amount: 1200.0,
            currency: "EUR".into()
        })
    );
}

#[test]
fn a_lead_with_neither_person_nor_organization_is_rejected() {
    let mapping = mapping(BASIC, BASIC_COLUMNS).expect("compiles");
    let err = mapping
        .apply(&row(&["", "", "", "", "", "", ""]))
        .expect_err("nothing to link");
    assert_eq!(err.field, "lead");
    assert!(err.reason.contains("neither"), "{}", err.reason);
}

#[test]
fn bad_email_names_the_field_and_value() {
    let mapping = mapping(BASIC, BASIC_COLUMNS).expect("compiles");
    let err = mapping
        .apply(&row(&["Ada", "L", "ada@", "", "Acme", "", ""]))
        .expect_err("bad email");
    assert_eq!(err.field, "person.email");
    assert!(
        err.reason.contains("`ada@`") && err.reason.contains("column `email`"),
        "{}",
        err.reason
    );
}

#[test]
fn invalid_contacts_can_be_skipped() {
    let lenient = format!("[options]\ninvalid_contact = \"skip\"\n{BASIC}");
    let lead = mapping(&lenient, BASIC_COLUMNS)
        .expect("compiles")
        .apply(&row(&["Ada", "L", "ada@", "12", "Acme", "", ""]))
        .expect("maps");
    let person = lead.person.expect("person");
    assert!(person.emails.is_empty() && person.phones.is_empty());
}

#[test]
fn required_and_default_values() {
    let text = r#"
[[fields]]
target = "organization.name"
column = "company"
required = true
[[fields]]
target = "lead.title"
column = "title"
default = "Imported lead"
"#;
    let mapping = mapping(text, &["company", "title"]).expect("compiles");
    assert_eq!(
        mapping.apply(&row(&["Acme", " "])).expect("maps").title,
        "Imported lead"
    );
    let err = mapping.apply(&row(&["", "x"])).expect_err("required");
    assert_eq!(err.field, "organization.name");
}

#[test]
fn typed_custom_fields_and_json_contacts() {
    let text = r#"
[options]
decimal_separator = ","
thousands_separator = "."
date_formats = ["%d.%m.%Y"]
[[fields]]
target = "person.name"
column = "name"
[[fields]]
target = "person.email"
column = "emails"
type = "json_contacts"
[[fields]]
target = "lead.title"
column = "name"
[[fields]]
target = "custom.budget"
column = "budget"
type = "number"
[[fields]]
target = "custom.since"
column = "since"
type = "date"
[[fields]]
target = "custom.newsletter"
column = "newsletter"
type = "bool"
"#;
    let mapping =
        mapping(text, &["name", "emails", "budget", "since", "newsletter"]).expect("compiles");
    let emails =
        r#"[{"label": "home", "value": "A@B.example"}, {"label": "work", "value": "c@d.example"}]"#;
    let lead = mapping
        .apply(&row(&[
            "Wilson Fisk",
            emails,
            "1.234,56",
            "02.09.2024",
            "yes",
        ]))
        .expect("maps");
    let person = lead.person.expect("person");
    assert_eq!(person.emails.len(), 2);
    assert_eq!(
        person.emails[0],
        Contact {
            value: "a@b.example".into(),
            label: ContactLabel::Home
        }
    );
    assert_eq!(lead.custom_fields["budget"], serde_json::json!(1234.56));
    assert_eq!(lead.custom_fields["since"], serde_json::json!("2024-09-02"));
    assert_eq!(lead.custom_fields["newsletter"], serde_json::json!(true));
}

#[test]
fn compile_reports_every_problem_at_once() {
    let text = r#"
[[fields]]
target = "lead.titel"
column = "title"
[[fields]]
target = "person.email"
column = "mail"
[[fields]]
target = "lead.labels"
column = "tags"
transforms = [{ replace = { pattern = "(", with = "" } }, { lookup = "missing" }]
[[fields]]
target = "custom.x"
column = "title"
formats = ["%m/%Y"]
[[fields]]
target = "person.name"
colum = "name"
"#;
    let errors = mapping(text, &["title", "tags", "name"]).expect_err("broken");
    let all = errors.join("\n");
    assert_eq!(errors.len(), 7, "{all}");
    assert!(all.contains("unknown target field `lead.titel`"), "{all}");
    assert!(
        all.contains("column `mail` is not in the file's header"),
        "{all}"
    );
    assert!(all.contains("regex `(` does not compile"), "{all}");
    assert!(all.contains("lookup table `missing`"), "{all}");
    assert!(all.contains("does not name a full date"), "{all}");
    assert!(all.contains("unknown key `colum`"), "{all}");
    assert!(
        all.contains("give exactly one of `column`, `template` or `value`"),
        "{all}"
    );
}

#[test]
fn a_repeated_header_name_is_ambiguous_only_when_read() {
    let text = "[[fields]]\ntarget = \"lead.title\"\ncolumn = \"name\"\n";
    let errors = mapping(text, &["name", "x", "name"]).expect_err("ambiguous");
    assert!(
        errors[0].contains("column `name` appears more than once"),
        "{errors:?}"
    );
    assert!(
        mapping(text, &["name", "x", "x"]).is_ok(),
        "an unread repeated column is fine"
    );
}

#[test]
fn an_amount_and_a_currency_column_that_disagree_are_rejected() {
    let text = r#"
[[fields]]
target = "organization.name"
column = "org"
[[fields]]
target = "lead.title"
column = "org"
[[fields]]
target = "lead.value"
column = "value"
[[fields]]
target = "lead.currency"
column = "currency"
"#;
    let mapping = mapping(text, &["org", "value", "currency"]).expect("compiles");
    let err = mapping
        .apply(&row(&["Acme", "$100", "EUR"]))
        .expect_err("conflict");
    assert_eq!(err.field, "lead.currency");
    let lead = mapping
        .apply(&row(&["Acme", "$100", "usd"]))
        .expect("agree");
    assert_eq!(
        lead.value,
        Some(Money {
            amount: 100.0,
            currency: "USD".into()
        })
    );
}

#[test]
fn lists_keep_the_first_of_each_item_searched_or_hashed() {
    for count in [3, super::SEARCHED_LIST * 2] {
        let mut list: Vec<String> = vec!["a".into()];
        let items: Vec<String> = (0..count)
            .flat_map(|i| [format!("x{i}"), "a".into(), format!("x{i}")])
            .collect();
        super::push_unique(&mut list, items, String::as_str);
        let expected: Vec<String> = std::iter::once("a".to_string())
            .chain((0..count).map(|i| format!("x{i}")))
            .collect();
        assert_eq!(list, expected, "{count} items");
    }
}
