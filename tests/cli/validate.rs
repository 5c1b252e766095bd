use crate::workdir::{Backend, Workdir, repo, stderr, stdout};

#[test]
fn validate_lists_every_problem_at_once() {
    let wd = Workdir::new(Backend::Sqlite).expect("sqlite");
    wd.write("leads.csv", "id,name,mail\n1,Ada,ada@example.com\n");
    wd.write(
        "broken.toml",
        r#"
[[fields]]
target = "lead.titel"
column = "name"
[[fields]]
target = "person.email"
column = "email"
"#,
    );
    wd.write(
        "job.toml",
        &format!(
            r#"
max_errors = "lots"
retries = 3
[dedup]
default_region = "XX"
fuzzy = true
[[sources]]
name = "a"
type = "csv"
path = "leads.csv"
mapping = "broken.toml"
key = "lead_id"
[[sources]]
name = "b"
type = "csv"
path = "missing.csv"
mapping = "{}"
[[sources]]
name = "c"
type = "xml"
path = "x"
"#,
            repo().join("mappings/generic.toml").display()
        ),
    );
    let output = wd.run(&["validate", "job.toml"]);
    assert_eq!(output.status.code(), Some(2), "{}", stdout(&output));
    let err = stderr(&output);
    for expected in [
        "max_errors: `lots`",
        "unknown key `retries`",
        "unknown key `dedup.fuzzy`",
        "default_region",
        "sources[2]: unknown variant `xml`",
        "source `a`: key column `lead_id` is not in the header",
        "unknown target field `lead.titel`",
        "column `email` is not in the file's header",
        "source `b`: cannot open",
    ] {
        assert!(err.contains(expected), "missing `{expected}` in:\n{err}");
    }
}

#[test]
fn validate_accepts_the_demo_job() {
    let wd = Workdir::new(Backend::Sqlite).expect("sqlite");
    let job = repo().join("fixtures/demo/job.toml");
    let out = wd.ok(&["validate", job.to_str().expect("path")]);
    assert!(out.contains("job `demo` is valid"), "{out}");
}
