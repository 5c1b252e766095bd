//! Pipelines, rule-based and by-hand conversion of leads into deals, and what happens to
//! deals after: on SQLite and PostgreSQL.

use std::path::PathBuf;

use crate::workdir::{Backend, Workdir, on_both_backends, repo, source_toml, stderr, stdout};

const PIPELINES: &str = r#"
[[pipelines]]
name = "Sales"
default = true
stages = [
  { name = "Qualified", probability = 20 },
  { name = "Proposal", probability = 60 },
]

[[pipelines]]
name = "Enterprise"
stages = [
  { name = "Discovery", probability = 10 },
  { name = "Contract", probability = 70 },
]

[[formulas]]
name = "weighted_value"
expression = "deal.value * double(deal.probability) / 100.0"
"#;

/// One rule per placement case: a given stage, the first stage of a given pipeline, the
/// first stage of the default pipeline.
const RULES: &str = r#"
[[rules]]
name = "enterprise-emea"
when = '"enterprise" in lead.labels && lead.custom.region == "EMEA"'
pipeline = "Enterprise"
stage = "Contract"

[[rules]]
name = "enterprise"
when = '"enterprise" in lead.labels'
pipeline = "Enterprise"

[[rules]]
name = "hot"
when = '"hot" in lead.labels'
owner = "sales-team"
labels = ["auto"]
"#;

/// A job over `fixtures/convert/leads.csv` with the given extra TOML.
fn job(wd: &Workdir, name: &str, extra: &str) -> PathBuf {
    let source = source_toml(
        "crm",
        &repo().join("fixtures/convert/leads.csv"),
        &repo().join("fixtures/convert/mapping.toml"),
        Some("lead_id"),
    );
    wd.write(name, &format!("name = \"convert-test\"\n{extra}\n{source}"))
}

fn path(job: &std::path::Path) -> &str {
    job.to_str().expect("utf-8 path")
}

fn json(text: &str) -> serde_json::Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
}

/// Where each converted lead's deal landed: `title | pipeline | stage | probability`.
fn placements(wd: &Workdir) -> Vec<String> {
    wd.rows(
        "SELECT d.title, p.name, s.name, CAST(d.probability AS TEXT) FROM deals d \
         JOIN pipelines p ON p.id = d.pipeline_id JOIN stages s ON s.id = d.stage_id ORDER BY d.title",
    )
}

on_both_backends!(
    import_with_rules_converts_into_the_right_stages,
    |wd: &Workdir| {
        let job = job(wd, "job.toml", &format!("{PIPELINES}{RULES}"));
        let summary = wd.import_json(&job);
        assert_eq!(summary["leads_created"], 5, "{summary}");
        assert_eq!(summary["leads_converted"], 3, "{summary}");
        let by_rule: Vec<(String, u64)> = summary["conversion"]["by_rule"]
            .as_array()
            .expect("by_rule")
            .iter()
            .map(|r| {
                (
                    r["rule"].as_str().expect("rule").to_string(),
                    r["converted"].as_u64().expect("n"),
                )
            })
            .collect();
        assert_eq!(
            by_rule,
            [
                ("enterprise-emea".into(), 1),
                ("enterprise".into(), 1),
                ("hot".into(), 1)
            ]
        );
        assert_eq!(
            placements(wd),
            [
                "Acme - Platform deal | Enterprise | Contract | 70",
                "Globex - Security review | Enterprise | Discovery | 10",
                "Initech - Team plan | Sales | Qualified | 20",
            ]
        );
        // Carried over: title, person, organization, value, currency, close date, labels,
        // owner and custom fields; the rule's owner and labels apply.
        assert_eq!(
        wd.rows(
            "SELECT d.title, pe.name, o.name, CAST(CAST(d.value AS INTEGER) AS TEXT), d.currency, \
             CAST(d.expected_close_date AS TEXT), d.owner FROM deals d \
             JOIN persons pe ON pe.id = d.person_id JOIN organizations o ON o.id = d.organization_id \
             WHERE d.title LIKE 'Acme%' OR d.title LIKE 'Initech%' ORDER BY d.title"
        ),
        [
            "Acme - Platform deal | Ada Lovelace | Acme GmbH | 250000 | EUR | 2027-03-31 | olga",
            "Initech - Team plan | Peter Gibbons | Initech | 9000 | USD |  | sales-team",
        ]
    );
        let initech = wd.rows("SELECT CAST(labels AS TEXT), CAST(custom_fields AS TEXT) FROM deals WHERE title LIKE 'Initech%'");
        assert!(
            initech[0].contains("hot") && initech[0].contains("auto"),
            "{initech:?}"
        );
        assert!(initech[0].contains("AMER"), "{initech:?}");
        // The change log says where the deal came from, and the lead left the inbox.
        let log = wd.rows(
            "SELECT c.new_value, c.changed_by FROM deal_changes c JOIN deals d ON d.id = c.deal_id \
         WHERE d.title LIKE 'Globex%'",
        );
        assert_eq!(log.len(), 1, "{log:?}");
        assert!(
            log[0].contains("created from lead") && log[0].contains("by rule `enterprise`"),
            "{log:?}"
        );
        assert!(log[0].contains("rule:enterprise run:"), "{log:?}");
        assert_eq!(wd.count("SELECT COUNT(*) FROM leads"), 2);
        assert_eq!(wd.count("SELECT COUNT(*) FROM conversions"), 3);
        assert_eq!(
        wd.count("SELECT COUNT(*) FROM conversions c JOIN deals d ON d.id = c.deal_id AND d.origin_lead_id = c.lead_id"),
        3
    );
        // The weighted value follows the stage's probability.
        let weighted =
            wd.rows("SELECT CAST(formula_fields AS TEXT) FROM deals WHERE title LIKE 'Acme%'");
        assert!(weighted[0].contains("175000"), "{weighted:?}");

        // A re-run of the same source brings no converted lead back and converts nothing twice.
        let again = wd.import_json(&job);
        assert_eq!(again["leads_skipped_converted"], 3, "{again}");
        assert_eq!(again["leads_created"], 0, "{again}");
        assert_eq!(again["leads_converted"], 0, "{again}");
        assert_eq!(wd.count("SELECT COUNT(*) FROM deals"), 3);
        assert_eq!(wd.count("SELECT COUNT(*) FROM leads"), 2);

        let listed = wd.ok(&["pipelines", "list"]);
        assert!(listed.contains("Sales (default)"), "{listed}");
        assert!(
            listed.contains("Contract") && listed.contains("70 %  1 open deals"),
            "{listed}"
        );
    }
);

on_both_backends!(
    dry_run_changes_nothing_and_matches_the_real_run,
    |wd: &Workdir| {
        let plain = job(wd, "load.toml", PIPELINES);
        wd.import_json(&plain);
        let rules = job(wd, "rules.toml", &format!("{PIPELINES}{RULES}"));
        let leads_before = wd.rows(&format!(
            "SELECT {} || CAST(updated_at AS TEXT) FROM leads ORDER BY id",
            wd.id_text("id")
        ));
        let dry = json(&wd.ok(&["convert", path(&rules), "--dry-run", "--json"]));
        assert_eq!(dry["leads_converted"], 3, "{dry}");
        assert_eq!(
            wd.count("SELECT COUNT(*) FROM deals"),
            0,
            "a dry run writes no deal"
        );
        assert_eq!(
            leads_before,
            wd.rows(&format!(
                "SELECT {} || CAST(updated_at AS TEXT) FROM leads ORDER BY id",
                wd.id_text("id")
            ))
        );
        assert_eq!(
            wd.count("SELECT COUNT(*) FROM import_runs WHERE kind = 'convert'"),
            0
        );
        let mut planned: Vec<String> = dry["planned"]
            .as_array()
            .expect("planned")
            .iter()
            .map(|p| {
                format!(
                    "{} | {} | {} | {}",
                    p["lead_id"], p["rule"], p["pipeline"], p["stage"]
                )
                .replace('"', "")
            })
            .collect();
        planned.sort();

        let real = json(&wd.ok(&["convert", path(&rules), "--json"]));
        assert_eq!(real["by_rule"], dry["by_rule"]);
        // `converted_by` reads `rule:NAME run:ID`.
        let mut done: Vec<String> = wd
            .rows(&format!(
                "SELECT {}, c.converted_by, p.name, s.name FROM conversions c \
                 JOIN deals d ON d.id = c.deal_id JOIN pipelines p ON p.id = d.pipeline_id \
                 JOIN stages s ON s.id = d.stage_id",
                wd.id_text("c.lead_id")
            ))
            .into_iter()
            .map(|row| {
                let rule = row
                    .split(" | rule:")
                    .nth(1)
                    .and_then(|r| r.split(" run:").next());
                let parts: Vec<&str> = row.split(" | ").collect();
                format!(
                    "{} | {} | {} | {}",
                    parts[0],
                    rule.expect("by a rule"),
                    parts[2],
                    parts[3]
                )
            })
            .collect();
        done.sort();
        assert_eq!(planned, done);
        assert_eq!(
            wd.count(
                "SELECT COUNT(*) FROM import_runs WHERE kind = 'convert' AND status = 'succeeded'"
            ),
            1
        );
    }
);

on_both_backends!(
    archived_leads_are_never_converted_by_rules,
    |wd: &Workdir| {
        wd.import_json(&job(wd, "load.toml", PIPELINES));
        let acme = wd
            .rows(&format!(
                "SELECT {} FROM leads WHERE title LIKE 'Acme%'",
                wd.id_text("id")
            ))
            .remove(0);
        let archived = wd.ok(&["leads", "archive", &acme, "--reason", "duplicate of a deal"]);
        assert!(archived.contains("archived 1 of 1"), "{archived}");
        assert!(wd.ok(&["leads", "list", "--archived"]).contains("Acme"));
        assert!(!wd.ok(&["leads", "list"]).contains("Acme"));
        let rules = job(wd, "rules.toml", &format!("{PIPELINES}{RULES}"));
        let summary = json(&wd.ok(&["convert", path(&rules), "--json"]));
        assert_eq!(summary["leads_converted"], 2, "{summary}");
        assert_eq!(
            wd.count("SELECT COUNT(*) FROM leads WHERE title LIKE 'Acme%'"),
            1
        );
        // By hand, an archived lead is refused until it is unarchived.
        let refused = wd.ok(&["leads", "convert", &acme, "--pipeline", "Sales"]);
        assert!(refused.contains("archived"), "{refused}");
        assert!(wd.ok(&["leads", "unarchive", &acme]).contains("1 of 1"));
        let converted = wd.ok(&[
            "leads",
            "convert",
            &acme,
            "--pipeline",
            "Sales",
            "--stage",
            "Proposal",
        ]);
        assert!(
            converted.contains("converted 1 of 1 leads into Sales / Proposal"),
            "{converted}"
        );
        let log = wd.rows("SELECT c.new_value, c.changed_by FROM deal_changes c JOIN deals d ON d.id = c.deal_id WHERE d.title LIKE 'Acme%'");
        assert!(
            log[0].contains("by hand") && log[0].contains("command line"),
            "{log:?}"
        );
    }
);

on_both_backends!(bulk_conversion_by_condition, |wd: &Workdir| {
    wd.import_json(&job(wd, "load.toml", PIPELINES));
    // Without a terminal to ask on, a bulk conversion wants --yes.
    let output = wd.run(&[
        "leads",
        "convert",
        "--where",
        "lead.value >= 100000.0",
        "--pipeline",
        "Enterprise",
    ]);
    assert_eq!(output.status.code(), Some(2), "{}", stdout(&output));
    assert!(
        stderr(&output).contains("2 leads match; pass --yes"),
        "{}",
        stderr(&output)
    );
    assert_eq!(wd.count("SELECT COUNT(*) FROM deals"), 0);
    let done = wd.ok(&[
        "leads",
        "convert",
        "--where",
        "lead.value >= 100000.0",
        "--pipeline",
        "Enterprise",
        "--yes",
    ]);
    assert!(
        done.contains("converted 2 of 2 leads into Enterprise / Discovery"),
        "{done}"
    );
    let bad = wd.run(&["leads", "convert", "--where", "lead.valu > 1.0", "--yes"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(stderr(&bad).contains("valu"), "{}", stderr(&bad));
    let missing = wd.run(&[
        "leads",
        "convert",
        "--where",
        "true",
        "--pipeline",
        "Nope",
        "--yes",
    ]);
    assert_eq!(missing.status.code(), Some(1));
    assert!(
        stderr(&missing).contains("pipeline `Nope` does not exist"),
        "{}",
        stderr(&missing)
    );
});

on_both_backends!(
    products_set_the_value_and_formulas_follow_the_deal,
    |wd: &Workdir| {
        let rules = r#"
[[rules]]
name = "bundle"
when = 'lead.title.startsWith("Umbrella")'
pipeline = "Sales"
[[rules.products]]
name = "Licence"
quantity = 10
unit_price = 120.0
discount = 25
[[rules.products]]
name = "Onboarding"
unit_price = 1500.0
"#;
        wd.import_json(&job(wd, "job.toml", &format!("{PIPELINES}{rules}")));
        let deal = wd
            .rows(&format!("SELECT {} FROM deals", wd.id_text("id")))
            .remove(0);
        // 10 x 120 less 25 % = 900, plus 1500: the products, not the lead's 4000, give the value.
        let shown = json(&wd.ok(&["deals", "show", &deal, "--json"]));
        assert_eq!(shown["value"], 2400.0, "{shown}");
        assert_eq!(shown["currency"], "EUR");
        assert_eq!(shown["products"].as_array().map(Vec::len), Some(2));
        assert_eq!(shown["formula_fields"]["weighted_value"], 480.0, "{shown}");

        wd.ok(&["deals", "move", &deal, "--stage", "Proposal"]);
        let moved = json(&wd.ok(&["deals", "show", &deal, "--json"]));
        assert_eq!(moved["stage"], "Proposal");
        assert_eq!(moved["probability"], 60);
        assert_eq!(moved["formula_fields"]["weighted_value"], 1440.0, "{moved}");
        let fields: Vec<&str> = moved["changes"]
            .as_array()
            .expect("changes")
            .iter()
            .map(|c| c["field"].as_str().expect("field"))
            .collect();
        assert_eq!(fields, ["deal", "stage", "probability"]);
        assert_eq!(moved["changes"][1]["old_value"], "Qualified");
        assert_eq!(moved["changes"][1]["changed_by"], "command line");

        let bad_stage = wd.run(&["deals", "move", &deal, "--stage", "Contract"]);
        assert!(
            stderr(&bad_stage).contains("stage `Contract` is not in pipeline `Sales`"),
            "{}",
            stderr(&bad_stage)
        );
        wd.ok(&["deals", "lost", &deal, "--reason", "budget cut"]);
        let lost = json(&wd.ok(&["deals", "show", &deal, "--json"]));
        assert_eq!(
            (lost["status"].as_str(), lost["lost_reason"].as_str()),
            (Some("lost"), Some("budget cut"))
        );
        let again = wd.run(&["deals", "won", &deal]);
        assert_eq!(again.status.code(), Some(1));
        assert!(
            stderr(&again).contains("already lost"),
            "{}",
            stderr(&again)
        );
        let listed = json(&wd.ok(&["deals", "list", "--status", "lost", "--json"]));
        assert_eq!(listed.as_array().map(Vec::len), Some(1));
        assert_eq!(
            json(&wd.ok(&["deals", "list", "--status", "open", "--json"]))
                .as_array()
                .map(Vec::len),
            Some(0)
        );
    }
);

on_both_backends!(
    concurrent_conversions_of_one_lead_make_one_deal,
    |wd: &Workdir| {
        wd.import_json(&job(wd, "load.toml", PIPELINES));
        let leads = wd.rows(&format!(
            "SELECT {} FROM leads ORDER BY id",
            wd.id_text("id")
        ));
        for _ in 0..3 {
            let mut args = vec!["leads", "convert", "--pipeline", "Sales"];
            args.extend(leads.iter().map(String::as_str));
            let children: Vec<_> = (0..2).map(|_| wd.spawn(&args)).collect();
            for child in children {
                let output = child.wait_with_output().expect("waits");
                assert!(output.status.success(), "{}", stderr(&output));
            }
        }
        assert_eq!(wd.count("SELECT COUNT(*) FROM deals"), 5);
        assert_eq!(wd.count("SELECT COUNT(*) FROM conversions"), 5);
        assert_eq!(wd.count("SELECT COUNT(*) FROM leads"), 0);
    }
);

#[test]
fn broken_rules_are_reported_by_validate_with_name_and_position() {
    let wd = Workdir::new(Backend::Sqlite).expect("sqlite");
    let rules = r#"
[[rules]]
name = "typo"
when = 'lead.valeu > 10.0'
pipeline = "Sales"

[[rules]]
name = "syntax"
when = 'lead.value >'

[[rules]]
name = "nowhere"
when = 'true'
pipeline = "Marketing"
"#;
    let job = job(&wd, "job.toml", &format!("{PIPELINES}{rules}"));
    let output = wd.run(&["validate", path(&job)]);
    assert_eq!(output.status.code(), Some(2));
    let text = stderr(&output);
    assert!(
        text.contains("rules[0] `typo`") && text.contains("valeu"),
        "{text}"
    );
    assert!(
        text.contains("rules[1] `syntax`") && text.contains("1:"),
        "{text}"
    );
    assert!(
        text.contains("rules[2] `nowhere`: pipeline `Marketing` is not declared"),
        "{text}"
    );
}
