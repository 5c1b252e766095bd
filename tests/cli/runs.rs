//! Runs that can be trusted: the journal, dry runs, reverting, and resuming a run that was
//! killed (SIGKILL at several points) or interrupted, on SQLite and PostgreSQL.

use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use crate::workdir::{Backend, Workdir, on_both_backends, repo, source_toml, stderr, stdout};

/// Generated leads with near-duplicates and broken rows, written into the folder.
fn generated(wd: &Workdir, name: &str, rows: u32) -> PathBuf {
    let path = wd.wd_path(name);
    let status = Command::new(env!("CARGO_BIN_EXE_leadsync-gen"))
        .args([
            "--rows",
            &rows.to_string(),
            "--duplicates",
            "0.2",
            "--bad",
            "0.02",
            "--seed",
            "7",
        ])
        .arg("--output")
        .arg(&path)
        .status()
        .expect("the generator runs");
    assert!(status.success());
    path
}

/// A job over one CSV with the generic mapping, `batch_size` rows per transaction.
fn job(wd: &Workdir, name: &str, csv: &Path, batch_size: u32, extra: &str) -> PathBuf {
    let source = source_toml(
        "gen",
        csv,
        &repo().join("mappings/generic.toml"),
        Some("lead_id"),
    );
    wd.write(
        name,
        &format!(
            "name = \"{name}\"\nmax_errors = \"50%\"\nbatch_size = {batch_size}\n{extra}\n\
             [dedup]\ndefault_region = \"US\"\n\n{source}"
        ),
    )
}

/// The header of the generic mapping's columns.
const HEADER: &str = "lead_id,title,first_name,last_name,email,phone,company,website,value,currency,expected_close_date,labels,owner\n";

/// A job over a small file of `rows` under the generic header, written as `NAME.csv`.
fn rows_job(wd: &Workdir, name: &str, rows: &str, extra: &str) -> PathBuf {
    let csv = wd.write(&format!("{name}.csv"), &format!("{HEADER}{rows}"));
    job(wd, name, &csv, 100, extra)
}

/// Imports the job and returns its run's id.
fn import_run(wd: &Workdir, job: &Path) -> String {
    let summary = wd.import_json(job);
    summary["run_id"].as_str().expect("a run id").to_string()
}

fn path(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
}

fn json(text: &str) -> serde_json::Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
}

/// The store's content, row by row, without ids and times (which differ between runs).
fn dump(wd: &Workdir) -> Vec<String> {
    let mut rows = Vec::new();
    for (table, sql) in [
        (
            "lead",
            "SELECT l.source_key, l.title, CAST(l.value AS TEXT), l.currency, CAST(l.expected_close_date AS TEXT), \
             CAST(l.labels AS TEXT), l.owner, CAST(l.custom_fields AS TEXT), p.name, o.name FROM leads l \
             LEFT JOIN persons p ON p.id = l.person_id LEFT JOIN organizations o ON o.id = l.organization_id",
        ),
        (
            "person",
            "SELECT p.name, o.name, (SELECT COUNT(*) FROM leads l WHERE l.person_id = p.id) FROM persons p \
             LEFT JOIN organizations o ON o.id = p.organization_id",
        ),
        (
            "email",
            "SELECT p.name, e.email, e.label, CAST(e.is_primary AS TEXT) FROM person_emails e JOIN persons p ON p.id = e.person_id",
        ),
        (
            "phone",
            "SELECT p.name, f.phone, f.label, CAST(f.is_primary AS TEXT) FROM person_phones f JOIN persons p ON p.id = f.person_id",
        ),
        (
            "organization",
            "SELECT name, domain, website, address, name_key FROM organizations",
        ),
    ] {
        let sql = sql.replace("COUNT(*)", "CAST(COUNT(*) AS TEXT)");
        rows.extend(wd.rows(&sql).into_iter().map(|r| format!("{table}: {r}")));
    }
    rows.sort();
    rows
}

/// The counts of a summary that an interrupted and resumed run must share with an
/// uninterrupted one.
fn counts(summary: &serde_json::Value) -> Vec<(String, serde_json::Value)> {
    let skip = [
        "elapsed_seconds",
        "rows_per_second",
        "run_id",
        "resumed",
        "rejects_file",
        "dry_run",
    ];
    let mut counts: Vec<(String, serde_json::Value)> = summary
        .as_object()
        .expect("an object")
        .iter()
        .filter(|(k, v)| !skip.contains(&k.as_str()) && (v.is_number() || v.is_string()))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    counts.sort_by(|a, b| a.0.cmp(&b.0));
    counts
}

on_both_backends!(runs_are_listed_and_shown, |wd: &Workdir| {
    let csv = generated(wd, "leads.csv", 300);
    let job = job(wd, "journal", &csv, 100, "");
    let summary = wd.import_json(&job);
    let runs = json(&wd.ok(&["runs", "list", "--json"]));
    assert_eq!(runs.as_array().map(Vec::len), Some(1));
    let run = &runs[0];
    assert_eq!(run["id"], summary["run_id"]);
    assert_eq!(
        (run["kind"].as_str(), run["status"].as_str()),
        (Some("import"), Some("succeeded"))
    );
    assert_eq!(run["counts"]["rows_read"], 300);
    assert_eq!(run["progress"]["sources"][0]["records"], 300);
    let id = run["id"].as_str().expect("id");
    let shown = wd.ok(&["runs", "show", id]);
    assert!(shown.contains("status        succeeded"), "{shown}");
    assert!(
        shown.contains("source gen read to line 301 (300 records)"),
        "{shown}"
    );
    assert!(wd.ok(&["runs", "list"]).contains("300 rows"));
});

on_both_backends!(
    a_dry_run_reports_what_the_real_run_does_and_writes_nothing,
    |wd: &Workdir| {
        let csv = generated(wd, "leads.csv", 400);
        let rules = r#"
[[pipelines]]
name = "Sales"
stages = [{ name = "Qualified", probability = 20 }]
[[rules]]
name = "big"
when = 'lead.value != null && lead.value >= 50000.0'
"#;
        let job = job(wd, "dry", &csv, 50, rules);
        let dry = json(&wd.ok(&[
            "import",
            path(&job),
            "--dry-run",
            "--json",
            "--rejects",
            "dry.csv",
        ]));
        assert_eq!(dry["dry_run"], true);
        for table in [
            "leads",
            "persons",
            "organizations",
            "deals",
            "import_runs",
            "pipelines",
        ] {
            assert_eq!(
                wd.count(&format!("SELECT COUNT(*) FROM {table}")),
                0,
                "{table} after a dry run"
            );
        }
        let real = json(&wd.ok(&["import", path(&job), "--json", "--rejects", "real.csv"]));
        assert!(real["leads_converted"].as_u64().expect("n") > 0, "{real}");
        assert_eq!(counts(&dry), counts(&real));
        assert_eq!(dry["conversion"]["by_rule"], real["conversion"]["by_rule"]);
        assert_eq!(
            wd.read("dry.csv"),
            wd.read("real.csv"),
            "the same rejects file"
        );
    }
);

on_both_backends!(
    revert_undoes_an_import_and_restores_what_it_changed,
    |wd: &Workdir| {
        let a = rows_job(
            wd,
            "first",
            "A1,Acme deal,Ada,Byron,ada@acme.example,,Acme,,100,EUR,,,\n\
             A2,Globex deal,Hank,Scorpio,hank@globex.example,,Globex,,200,EUR,,,\n",
            "",
        );
        // The second file edits A1, adds a phone to Ada and a website to Acme, and adds A3.
        let b = rows_job(
            wd,
            "second",
            "A1,Acme bigger deal,Ada,Byron,ada@acme.example,+1 415 555 0100,Acme,https://acme.example,150,EUR,,,\n\
             A3,Initech deal,Peter,Gibbons,peter@initech.example,,Initech,,300,EUR,,,\n",
            "",
        );
        let run_a = import_run(wd, &a);
        let after_a = dump(wd);
        let run_b = import_run(wd, &b);
        assert_ne!(dump(wd), after_a);

        let dry = json(&wd.ok(&["runs", "revert", &run_b, "--dry-run", "--json"]));
        assert_eq!(
            (dry["applied"].as_bool(), dry["leads_deleted"].as_u64()),
            (Some(false), Some(1))
        );
        let reverted = json(&wd.ok(&["runs", "revert", &run_b, "--json"]));
        assert_eq!(reverted["applied"], true, "{reverted}");
        assert_eq!(reverted["leads_restored"], 1);
        assert_eq!(reverted["organizations_restored"], 1);
        // Ada's new phone, and the email of the person the run created.
        assert_eq!(reverted["contacts_deleted"], 2);
        assert_eq!(dump(wd), after_a, "the store is as the first run left it");
        assert!(
            wd.ok(&["runs", "revert", &run_b])
                .contains("was reverted before: nothing to do")
        );
        assert_eq!(dump(wd), after_a);

        wd.ok(&["runs", "revert", &run_a]);
        assert!(dump(wd).is_empty(), "{:?}", dump(wd));
        let statuses = wd.rows("SELECT status FROM import_runs ORDER BY started_at");
        assert_eq!(statuses, ["reverted", "reverted"]);
    }
);

on_both_backends!(
    revert_leaves_records_changed_since_unless_forced,
    |wd: &Workdir| {
        let a = rows_job(
            wd,
            "first",
            "A1,Acme deal,Ada,Byron,ada@acme.example,,Acme,,100,EUR,,,\n",
            "",
        );
        let b = rows_job(
            wd,
            "second",
            "A1,Acme changed,Ada,Byron,ada@acme.example,,Acme,,100,EUR,,,\n",
            "",
        );
        let run_a = import_run(wd, &a);
        wd.import_json(&b);
        let before = dump(wd);
        let output = wd.run(&["runs", "revert", &run_a]);
        assert_eq!(output.status.code(), Some(1));
        let text = crate::workdir::stdout(&output);
        assert!(
            text.contains("left alone: lead") && text.contains("changed since the run"),
            "{text}"
        );
        assert!(stderr(&output).contains("--force"), "{}", stderr(&output));
        assert_eq!(dump(wd), before, "nothing changed");
        let forced = json(&wd.ok(&["runs", "revert", &run_a, "--force", "--json"]));
        assert_eq!(forced["applied"], true);
        assert_eq!(wd.count("SELECT COUNT(*) FROM leads"), 0);
    }
);

on_both_backends!(
    reverting_a_conversion_puts_the_leads_back,
    |wd: &Workdir| {
        let csv = generated(wd, "leads.csv", 200);
        let pipelines = "[[pipelines]]\nname = \"Sales\"\nstages = [{ name = \"Qualified\", probability = 20 }]\n";
        wd.import_json(&job(wd, "load", &csv, 100, pipelines));
        let inbox = wd.rows(&format!(
            "SELECT {} || title FROM leads ORDER BY id",
            wd.id_text("id")
        ));
        let rules = format!("{pipelines}[[rules]]\nname = \"all\"\nwhen = 'true'\n");
        let convert = json(&wd.ok(&[
            "convert",
            path(&job(wd, "rules", &csv, 100, &rules)),
            "--json",
        ]));
        assert_eq!(
            convert["leads_converted"].as_u64(),
            Some(inbox.len() as u64)
        );
        assert_eq!(wd.count("SELECT COUNT(*) FROM leads"), 0);
        let run = wd
            .rows(&format!(
                "SELECT {} FROM import_runs WHERE kind = 'convert'",
                wd.id_text("id")
            ))
            .remove(0);
        let reverted = json(&wd.ok(&["runs", "revert", &run, "--json"]));
        assert_eq!(
            reverted["leads_returned"].as_u64(),
            Some(inbox.len() as u64)
        );
        assert_eq!(wd.count("SELECT COUNT(*) FROM deals"), 0);
        assert_eq!(wd.count("SELECT COUNT(*) FROM conversions"), 0);
        assert_eq!(
            wd.rows(&format!(
                "SELECT {} || title FROM leads ORDER BY id",
                wd.id_text("id")
            )),
            inbox
        );
    }
);

/// Waits until `ready` holds or the child ends; `true` when it held.
fn wait_for(child: &mut std::process::Child, ready: impl Fn() -> bool) -> bool {
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline {
        if ready() {
            return true;
        }
        if child.try_wait().expect("child status").is_some() {
            return false;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    panic!("the import neither got there nor ended within a minute");
}

/// Starts an import of `job` and kills it (SIGKILL) once `leads` leads are committed.
fn kill_after(wd: &Workdir, job: &Path, leads: i64) {
    let mut child = wd.spawn(&["import", path(job)]);
    assert!(
        wait_for(&mut child, || committed(wd) >= leads),
        "the import ended before {leads} leads"
    );
    child.kill().expect("SIGKILL");
    child.wait().expect("reaped");
}

/// Leads committed so far.
fn committed(wd: &Workdir) -> i64 {
    wd.try_count("SELECT COUNT(*) FROM leads").unwrap_or(0)
}

on_both_backends!(
    a_run_killed_at_any_point_resumes_to_the_same_store,
    |wd: &Workdir| {
        const ROWS: u32 = 3000;
        let reference = Workdir::new(if wd.database_url.starts_with("sqlite") {
            Backend::Sqlite
        } else {
            Backend::Postgres
        })
        .expect("a second store");
        let csv = generated(&reference, "leads.csv", ROWS);
        let uninterrupted = reference.import_json(&job(&reference, "victim", &csv, 100, ""));
        let expected = dump(&reference);

        let job = job(wd, "victim", &csv, 100, "");
        // Kill points: before anything is committed, after the first batch, and at a quarter,
        // half and three quarters of the leads. A run may end on its own before its kill
        // point (a loaded machine): then the job is done.
        let created = uninterrupted["leads_created"].as_i64().expect("n");
        let mut kills = 0;
        let mut done = false;
        for threshold in [0, 1, created / 4, created / 2, created * 3 / 4] {
            let mut child = wd.spawn(&["import", path(&job), "--json"]);
            if wait_for(&mut child, || threshold == 0 || committed(wd) >= threshold) {
                child.kill().expect("SIGKILL");
            }
            let status = child.wait().expect("reaped");
            if status.signal() == Some(9) {
                kills += 1;
            } else if status.success() {
                done = true;
                break;
            }
        }
        assert!(
            kills >= 3,
            "the import ended before most kill points ({kills} kills)"
        );
        if !done {
            let last = json(&wd.ok(&["import", path(&job), "--json"]));
            assert_eq!(last["status"], "succeeded");
            assert_eq!(last["resumed"], true, "{last}");
        }
        let runs = json(&wd.ok(&["runs", "list", "--json"]));
        let succeeded: Vec<&serde_json::Value> = runs
            .as_array()
            .expect("runs")
            .iter()
            .filter(|r| r["status"] == "succeeded")
            .collect();
        assert_eq!(succeeded.len(), 1, "one run, resumed: {runs}");
        assert_eq!(
            counts(&succeeded[0]["counts"]),
            counts(&uninterrupted),
            "the same counts as one run"
        );
        assert_eq!(dump(wd), expected, "the same store as one run");
    }
);

#[test]
fn an_input_changed_in_the_part_already_read_starts_the_run_over() {
    let wd = Workdir::new(Backend::Sqlite).expect("sqlite");
    let csv = generated(&wd, "leads.csv", 2000);
    let job = job(&wd, "changing", &csv, 50, "");
    kill_after(&wd, &job, 200);
    // Same size, other content: a title early in the file changes one letter.
    let text = std::fs::read_to_string(&csv).expect("csv");
    let line = text.lines().nth(3).expect("a row").to_string();
    let new_line = {
        let mut cells: Vec<String> = line.split(',').map(str::to_string).collect();
        let title = cells[1].clone();
        let first = title.chars().next().expect("a title");
        let swapped = if first == 'Z' { 'Y' } else { 'Z' };
        cells[1] = format!("{swapped}{}", &title[first.len_utf8()..]);
        cells.join(",")
    };
    std::fs::write(&csv, text.replacen(&line, &new_line, 1)).expect("edit");
    let output = wd.run(&["import", path(&job), "--json"]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("changed in the part already imported"),
        "{}",
        stderr(&output)
    );
    let title = new_line.split(',').nth(1).expect("title").to_string();
    assert_eq!(
        wd.count(&format!(
            "SELECT COUNT(*) FROM leads WHERE title = '{}'",
            title.replace('\'', "''")
        )),
        1
    );
}

#[test]
fn ctrl_c_stops_at_a_batch_and_the_next_run_goes_on() {
    let wd = Workdir::new(Backend::Sqlite).expect("sqlite");
    let csv = generated(&wd, "leads.csv", 3000);
    let reference = Workdir::new(Backend::Sqlite).expect("sqlite");
    let uninterrupted = reference.import_json(&job(&reference, "ctrlc", &csv, 50, ""));
    let job = job(&wd, "ctrlc", &csv, 50, "");
    let mut child = wd.spawn(&["import", path(&job)]);
    assert!(
        wait_for(&mut child, || committed(&wd) >= 300),
        "interrupted mid-run"
    );
    let status = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(status.success());
    let output = child.wait_with_output().expect("ends");
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).contains("run the same job again to go on"),
        "{}",
        stderr(&output)
    );
    assert_eq!(wd.rows("SELECT status FROM import_runs"), ["interrupted"]);
    let resumed = json(&wd.ok(&["import", path(&job), "--json"]));
    assert_eq!(resumed["resumed"], true);
    assert_eq!(counts(&resumed), counts(&uninterrupted));
    assert_eq!(dump(&wd), dump(&reference));
}

on_both_backends!(
    a_forced_revert_keeps_what_other_runs_still_use,
    |wd: &Workdir| {
        // Run A creates Ada at Acme; run B links a lead of its own to A's person. Reverting A
        // with --force keeps Ada and her organization (B's lead needs them) and fails on nothing.
        let a = rows_job(
            wd,
            "first",
            "A1,Acme deal,Ada,Byron,ada@acme.example,,Acme GmbH,,,,,,\n",
            "",
        );
        let b = rows_job(
            wd,
            "second",
            "B1,Second deal,Ada,Byron,ada@acme.example,,,,,,,,\n",
            "",
        );
        let run_a = import_run(wd, &a);
        wd.import_json(&b);
        let held = wd.run(&["runs", "revert", &run_a]);
        assert_eq!(held.status.code(), Some(1));
        let forced = json(&wd.ok(&["runs", "revert", &run_a, "--force", "--json"]));
        assert_eq!(forced["applied"], true, "{forced}");
        assert_eq!(wd.rows("SELECT title FROM leads"), ["Second deal"]);
        assert_eq!(wd.count("SELECT COUNT(*) FROM persons"), 1);
    }
);

on_both_backends!(a_killed_run_can_be_reverted, |wd: &Workdir| {
    let csv = generated(wd, "leads.csv", 200);
    let run = import_run(wd, &job(wd, "killed", &csv, 50, ""));
    // As a kill leaves it: still `running`, its process gone.
    wd.execute(&format!(
        "UPDATE import_runs SET status = 'running', pid = 2147483000 WHERE id = '{run}'"
    ));
    let reverted = json(&wd.ok(&["runs", "revert", &run, "--json"]));
    assert_eq!(reverted["applied"], true, "{reverted}");
    assert_eq!(wd.count("SELECT COUNT(*) FROM leads"), 0);
});

on_both_backends!(
    reverting_an_import_undoes_its_own_conversions_too,
    |wd: &Workdir| {
        let rules = "[[pipelines]]\nname = \"Sales\"\nstages = [{ name = \"Qualified\", probability = 20 }]\n\
                 [[rules]]\nname = \"big\"\nwhen = 'lead.value != null && lead.value >= 1000.0'\n";
        wd.import_json(&rows_job(
            wd,
            "first",
            "A1,Acme deal,Ada,Byron,ada@acme.example,,Acme,,10,EUR,,,\n",
            rules,
        ));
        let after_first = dump(wd);
        // The second run updates A1 (now big) and its rules convert it.
        let second = rows_job(
            wd,
            "second",
            "A1,Acme deal,Ada,Byron,ada@acme.example,,Acme,,5000,EUR,,,\n",
            rules,
        );
        let run = import_run(wd, &second);
        assert_eq!(wd.count("SELECT COUNT(*) FROM deals"), 1);
        let reverted = json(&wd.ok(&["runs", "revert", &run, "--json"]));
        assert_eq!(
            reverted["conflicts"].as_array().map(Vec::len),
            Some(0),
            "{reverted}"
        );
        assert_eq!(wd.count("SELECT COUNT(*) FROM deals"), 0);
        assert_eq!(dump(wd), after_first);
    }
);

#[test]
fn a_stopped_run_whose_rejects_file_is_gone_starts_over() {
    let wd = Workdir::new(Backend::Sqlite).expect("sqlite");
    let csv = generated(&wd, "leads.csv", 2000);
    let job = job(&wd, "lost", &csv, 50, "");
    kill_after(&wd, &job, 300);
    assert!(wd.rows("SELECT status FROM import_runs") == ["running"]);
    std::fs::remove_file(wd.wd_path("lost.rejects.csv")).ok();
    let summary = json(&wd.ok(&["import", path(&job), "--json"]));
    assert_eq!(summary["resumed"], false, "{summary}");
    assert_eq!(summary["rows_read"], 2000);
    let mut statuses = wd.rows("SELECT status FROM import_runs ORDER BY started_at");
    statuses.sort();
    assert_eq!(statuses, ["failed", "succeeded"]);
    // And the next run has nothing to resume and nothing to add.
    let again = json(&wd.ok(&["import", path(&job), "--json"]));
    assert_eq!(again["leads_created"], 0);
}

#[test]
fn restart_starts_over_and_marks_the_stopped_run_failed() {
    let wd = Workdir::new(Backend::Sqlite).expect("sqlite");
    let csv = generated(&wd, "leads.csv", 2000);
    let job = job(&wd, "again", &csv, 50, "");
    kill_after(&wd, &job, 300);
    let summary = json(&wd.ok(&["import", path(&job), "--restart", "--json"]));
    assert_eq!(summary["resumed"], false, "{summary}");
    assert_eq!(summary["rows_read"], 2000);
    assert!(
        summary["leads_unchanged"].as_u64().expect("n") >= 300,
        "{summary}"
    );
    let mut statuses = wd.rows("SELECT status FROM import_runs");
    statuses.sort();
    assert_eq!(statuses, ["failed", "succeeded"]);
}

/// Whether `objects` (rows of `Workdir::indexes_and_foreign_keys`) holds one named `name`.
fn has(objects: &[String], name: &str) -> bool {
    objects.iter().any(|o| o.split(" | ").next() == Some(name))
}

on_both_backends!(
    a_bulk_load_builds_what_it_set_aside_even_when_killed,
    |reference: &Workdir| {
        let sqlite = reference.database_url.starts_with("sqlite");
        let csv = generated(reference, "leads.csv", 3000);
        let bulk_job = job(reference, "bulk", &csv, 100, "");
        let output = reference.run(&["import", path(&bulk_job), "--json", "-v"]);
        assert!(output.status.success(), "{}", stderr(&output));
        let summary: serde_json::Value = serde_json::from_str(&stdout(&output)).expect("JSON");
        assert_eq!(summary["status"], "succeeded");
        assert!(
            summary["persons_matched"].as_u64().expect("count") > 0,
            "{summary}"
        );
        let log = stderr(&output);
        let position = |message: &str| {
            log.find(message)
                .unwrap_or_else(|| panic!("no `{message}` in the log:\n{log}"))
        };
        let built = position("built the indexes");
        assert!(position("loading in bulk") < built, "{log}");
        let all = reference.indexes_and_foreign_keys();
        assert!(has(&all, "person_emails_email"), "{all:?}");
        assert_eq!(reference.count("SELECT COUNT(*) FROM deferred_indexes"), 0);
        if sqlite {
            // The batches were written without SQLite's foreign-key checks, which are back
            // on before the indexes are built (and anything else the run writes); the load
            // trusted its own checks, and nothing dangles.
            let off = position("writing without foreign-key checks");
            let on = position("foreign-key checks are on again");
            assert!(off < on && on < built, "{log}");
            assert_eq!(
                reference.count("SELECT COUNT(*) FROM pragma_foreign_key_check"),
                0
            );
        } else {
            // PostgreSQL checked each foreign key as it was added back.
            assert!(has(&all, "leads_person_id_fkey"), "{all:?}");
            assert!(!log.contains("writing without foreign-key checks"), "{log}");
        }

        // Killed in the middle of a load into an empty store: what the load set aside is
        // still set aside.
        let wd = Workdir::new(if sqlite {
            Backend::Sqlite
        } else {
            Backend::Postgres
        })
        .expect("a second store");
        kill_after(&wd, &job(&wd, "bulk", &csv, 100, ""), 1);
        let deferred = wd.count("SELECT COUNT(*) FROM deferred_indexes");
        assert!(deferred > 0, "the load set nothing aside");
        // Indexes whose keys arrive in order are kept up to date instead.
        let during = wd.indexes_and_foreign_keys();
        for kept in ["person_emails_one_primary", "person_phones_one_primary"] {
            assert!(has(&during, kept), "{during:?}");
        }
        assert!(!has(&during, "person_emails_email"), "{during:?}");
        if !sqlite {
            assert!(!has(&during, "leads_person_id_fkey"), "{during:?}");
        }
        assert_eq!(during.len() + deferred as usize, all.len());

        // Whatever opens the store next builds them.
        wd.ok(&["runs", "list"]);
        assert_eq!(wd.indexes_and_foreign_keys(), all);
        assert_eq!(wd.count("SELECT COUNT(*) FROM deferred_indexes"), 0);
    }
);

#[test]
fn a_store_others_read_is_not_loaded_in_bulk_and_the_run_does_not_wait() {
    let Some(wd) = Workdir::new(Backend::Postgres) else {
        return;
    };
    wd.ok(&["runs", "list"]);
    // A bulk load sets foreign keys aside, which takes locks a reader holds. It does not
    // wait for them (nor deadlock with the reader): it loads as any other run does.
    let reader = wd.reading("organizations").expect("a PostgreSQL store");
    let csv = generated(&wd, "leads.csv", 300);
    let run = wd.spawn(&["import", path(&job(&wd, "bulk", &csv, 100, "")), "-v"]);
    let pid = run.id();
    let (sender, finished) = std::sync::mpsc::channel();
    std::thread::spawn(move || sender.send(run.wait_with_output()));
    let Ok(output) = finished.recv_timeout(Duration::from_secs(60)) else {
        Command::new("kill").arg(pid.to_string()).status().ok();
        panic!("the run waited for the reader's lock");
    };
    let output = output.expect("the run's output");
    drop(reader);
    assert!(output.status.success(), "{}", stderr(&output));
    let log = stderr(&output);
    assert!(log.contains("not loading in bulk"), "{log}");
    assert!(!log.contains("indexes are built at the end"), "{log}");
    assert_eq!(wd.count("SELECT COUNT(*) FROM deferred_indexes"), 0);
    assert!(wd.count("SELECT COUNT(*) FROM leads") > 0);
}
