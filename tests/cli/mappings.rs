//! Every mapping shipped in `mappings/` imports its fixture, and the result is pinned in
//! `fixtures/mappings/<mapping>.<fixture>.expected`. After an intended change, regenerate
//! with `LEADSYNC_BLESS=1 cargo test --test cli mappings` and review the diff.

use crate::workdir::{Backend, Workdir, repo, source_toml};

/// Imports `fixture` (relative to `fixtures/`) with `mapping` and compares the leads,
/// persons, organizations and rejects with the pinned file.
fn pin(mapping: &str, fixture: &str, key: Option<&str>) {
    let wd = Workdir::new(Backend::Sqlite).expect("sqlite");
    let source = source_toml(
        "file",
        &repo().join("fixtures").join(fixture),
        &repo().join("mappings").join(mapping),
        key,
    );
    let job = wd.write(
        "job.toml",
        &format!(
            "name = \"pin\"\nmax_errors = \"90%\"\n[dedup]\ndefault_region = \"US\"\n{source}"
        ),
    );
    let summary = wd.import_json(&job);
    let mut text = String::new();
    for key in [
        "rows_read",
        "leads_created",
        "rows_rejected",
        "persons_created",
        "persons_matched",
        "organizations_created",
        "organizations_matched",
    ] {
        text.push_str(&format!("{key}: {}\n", summary[key]));
    }
    text.push_str("\n# leads: title | person | organization | domain | value | currency | close date | labels | owner | custom fields\n");
    let leads = wd.rows(
        "SELECT l.title, p.name, o.name, o.domain, CAST(l.value AS TEXT), l.currency, l.expected_close_date, \
         l.labels, l.owner, l.custom_fields FROM leads l LEFT JOIN persons p ON p.id = l.person_id \
         LEFT JOIN organizations o ON o.id = l.organization_id ORDER BY l.source_key",
    );
    text.push_str(&leads.join("\n"));
    text.push_str("\n\n# persons: name | emails | phones\n");
    let persons = wd.rows(
        "SELECT p.name, \
         (SELECT group_concat(email || ' (' || label || CASE is_primary WHEN 1 THEN ', primary' ELSE '' END || ')', ', ') FROM person_emails WHERE person_id = p.id), \
         (SELECT group_concat(phone || ' (' || label || CASE is_primary WHEN 1 THEN ', primary' ELSE '' END || ')', ', ') FROM person_phones WHERE person_id = p.id) \
         FROM persons p ORDER BY p.name, p.id",
    );
    text.push_str(&persons.join("\n"));
    text.push_str("\n\n# rejects\n");
    if summary["rows_rejected"] != 0 {
        text.push_str(&wd.read("pin.rejects.csv"));
    }
    let stem = fixture
        .rsplit('/')
        .next()
        .and_then(|f| f.strip_suffix(".csv"))
        .expect("a csv fixture");
    let expected_path = repo().join("fixtures/mappings").join(format!(
        "{}.{stem}.expected",
        mapping.trim_end_matches(".toml")
    ));
    if std::env::var_os("LEADSYNC_BLESS").is_some() {
        std::fs::write(&expected_path, &text).expect("write expected output");
        return;
    }
    let expected = std::fs::read_to_string(&expected_path).unwrap_or_else(|e| {
        panic!(
            "{}: {e} (run with LEADSYNC_BLESS=1 to create it)",
            expected_path.display()
        )
    });
    assert!(
        expected == text,
        "{} differs from the import:\n{text}",
        expected_path.display()
    );
}

#[test]
fn generic() {
    pin("generic.toml", "csv/bad_rows.csv", Some("lead_id"));
}

#[test]
fn hubspot_contacts() {
    pin(
        "hubspot-contacts.toml",
        "mappings/hubspot-contacts.csv",
        Some("Record ID"),
    );
}

#[test]
fn salesforce_leads() {
    pin(
        "salesforce-leads.toml",
        "mappings/salesforce-leads.csv",
        Some("Lead ID"),
    );
}

#[test]
fn atomic_crm_contacts_export() {
    pin(
        "atomic-crm-contacts.toml",
        "realworld/atomic-crm/contacts_export.csv",
        None,
    );
}

#[test]
fn atomic_crm_contacts() {
    pin(
        "atomic-crm-contacts.toml",
        "realworld/atomic-crm/contacts.csv",
        None,
    );
}

#[test]
fn krayin_persons() {
    pin("krayin-persons.toml", "realworld/krayin/persons.csv", None);
}

#[test]
fn krayin_leads() {
    pin(
        "krayin-leads.toml",
        "realworld/krayin/leads.csv",
        Some("id"),
    );
}
