//! A store written by an earlier leadsync opens with this one: its schema is brought up to
//! date on open, and every command works on the records it held.

use crate::workdir::{Backend, Workdir, fixture, repo};

/// The id columns of the tables the fixture fills.
const ID_COLUMNS: &[(&str, &[&str])] = &[
    ("import_runs", &["id"]),
    ("organizations", &["id", "created_by_run"]),
    ("persons", &["id", "organization_id", "created_by_run"]),
    ("person_emails", &["person_id", "created_by_run"]),
    ("person_phones", &["person_id", "created_by_run"]),
    ("deal_changes", &["deal_id"]),
    (
        "leads",
        &["id", "person_id", "organization_id", "origin_id"],
    ),
    (
        "deals",
        &["id", "person_id", "organization_id", "origin_lead_id"],
    ),
    ("conversions", &["lead_id", "deal_id", "run_id"]),
];

#[test]
fn a_store_with_text_ids_is_converted_and_works_as_before() {
    let wd = Workdir::new(Backend::Sqlite).expect("SQLite is always there");
    // The schema the store had, then its records.
    for migration in ["0001_schema", "0002_deals", "0003_runs", "0004_bulk"] {
        let path = repo().join(format!("migrations/sqlite/{migration}.sql"));
        wd.execute(&std::fs::read_to_string(&path).expect("migration file"));
    }
    wd.execute(&fixture("stores/text-ids.sql"));
    wd.write("leads.csv", &fixture("csv/duplicate_by_email.csv"));
    let job = wd.job("job.toml", "leads.csv", "generic.toml", "");

    // Opening the store converts it; the same file again changes nothing and does not
    // bring back the lead that became a deal.
    let summary = wd.import_json(&job);
    let counts = [
        "leads_created",
        "leads_updated",
        "leads_unchanged",
        "leads_skipped_converted",
    ]
    .map(|key| summary[key].as_u64());
    assert_eq!(counts, [Some(0), Some(0), Some(1), Some(1)], "{summary}");
    assert_eq!(summary["persons_created"].as_u64(), Some(0), "{summary}");

    for (table, columns) in ID_COLUMNS {
        for column in *columns {
            let sql = format!(
                "SELECT COUNT(*) FROM {table} WHERE {column} IS NOT NULL AND typeof({column}) <> 'blob'"
            );
            assert_eq!(wd.count(&sql), 0, "{table}.{column} still holds text");
        }
    }
    assert!(wd.rows("PRAGMA foreign_key_check").is_empty());

    // Ids written as text before are found by the commands.
    let shown = wd.ok(&["leads", "show", "01a21f56-56ee-77ed-b2a3-5c969cca4996"]);
    assert!(
        shown.contains("Acme expansion") && shown.contains("Ada Lovelace"),
        "{shown}"
    );
    let deal = wd.ok(&["deals", "show", "01a21f56-5702-729e-baef-52c9545e43a1"]);
    assert!(deal.contains("Acme rollout"), "{deal}");

    // Reverting the conversion made before the upgrade puts the lead back.
    wd.ok(&["runs", "revert", "01a21f56-5701-7573-be53-422fd8edde8a"]);
    assert_eq!(wd.count("SELECT COUNT(*) FROM deals"), 0);
    assert_eq!(
        wd.rows("SELECT title FROM leads ORDER BY title"),
        ["Acme expansion", "Acme rollout"]
    );
}
