use super::*;
use crate::model::{Contact, ContactLabel, Id, LeadDraft, OrganizationDraft, PersonDraft};

fn lead(name: &str, email: Option<&str>, phone: Option<&str>, org: Option<&str>) -> LeadDraft {
    let contact = |v: &str| Contact {
        value: v.to_string(),
        label: ContactLabel::Work,
    };
    LeadDraft {
        title: format!("{name} lead"),
        person: Some(PersonDraft {
            name: name.to_string(),
            emails: email.map(contact).into_iter().collect(),
            phones: phone.map(contact).into_iter().collect(),
        }),
        organization: org.map(|o| OrganizationDraft {
            name: o.to_string(),
            ..Default::default()
        }),
        ..Default::default()
    }
}

fn resolve(
    drafts: &[LeadDraft],
    orgs: &[ExistingOrganization],
    persons: PersonMatches,
) -> (OrganizationPlan, PersonPlan, DedupCounts) {
    let refs: Vec<&LeadDraft> = drafts.iter().collect();
    let keys: Vec<RowKeys> = drafts.iter().map(RowKeys::of).collect();
    let keys: Vec<&RowKeys> = keys.iter().collect();
    let mut counts = DedupCounts::default();
    let none = vec![None; refs.len()];
    let org_plan = resolve_organizations(&refs, &keys, orgs, &none, &mut counts);
    let person_plan = resolve_persons(&refs, &keys, &org_plan.per_row, persons, &none, &mut counts);
    (org_plan, person_plan, counts)
}

#[test]
fn rows_of_one_batch_match_each_other() {
    let drafts = [
        lead("Ada Lovelace", Some("ada@acme.com"), None, Some("Acme Inc")),
        lead(
            "Ada L.",
            Some("ada@acme.com"),
            Some("+14152933313"),
            Some("ACME, LLC"),
        ),
        lead("Someone Else", None, Some("+14152933313"), None),
        lead("ada lovelace", None, None, Some("acme")),
    ];
    let (orgs, persons, counts) = resolve(&drafts, &[], PersonMatches::default());
    assert_eq!(orgs.created.len(), 1);
    assert_eq!(
        orgs.created[0].domain.as_deref(),
        Some("acme.com"),
        "domain from a work email"
    );
    assert_eq!(persons.created.len(), 1);
    assert!(
        persons
            .per_row
            .iter()
            .all(|p| *p == Some(persons.created[0].id))
    );
    assert_eq!(counts.persons_matched_by_email, 1);
    assert_eq!(counts.persons_matched_by_phone, 1);
    assert_eq!(counts.persons_matched_by_name_and_organization, 1);
    assert_eq!(counts.organizations_matched(), 2);
    assert_eq!(persons.emails.len(), 1);
    assert_eq!(persons.phones.len(), 1, "the phone is added once");
    assert!(
        persons.emails[0].primary && persons.phones[0].primary,
        "a new person's first of each"
    );
}

#[test]
fn stored_records_are_linked_and_filled_not_overwritten() {
    let stored_org =
        ExistingOrganization::stored(Id::new(), "acme", None, Some("https://old.example"), None);
    let stored_person = ExistingPerson {
        id: Id::new(),
        organization_id: None,
        holds: None,
    };
    let matches = PersonMatches {
        by_phone: HashedMap::from_iter([(key_hash("+14152933313"), stored_person)]),
        ..Default::default()
    };
    let mut draft = lead(
        "Ada",
        Some("new@gmail.com"),
        Some("+14152933313"),
        Some("Acme GmbH"),
    );
    draft.organization.as_mut().expect("org").website = Some("https://www.acme.com".into());
    draft.organization.as_mut().expect("org").address = Some("1 Main St".into());
    let (orgs, persons, counts) = resolve(&[draft], std::slice::from_ref(&stored_org), matches);
    assert!(orgs.created.is_empty());
    assert_eq!(orgs.per_row, [Some(stored_org.id)]);
    let fill = &orgs.filled[0];
    assert_eq!(fill.website, None, "a stored website is never overwritten");
    assert_eq!(fill.address.as_deref(), Some("1 Main St"));
    assert_eq!(fill.domain.as_deref(), Some("acme.com"));
    assert_eq!(persons.per_row, [Some(stored_person.id)]);
    assert_eq!(
        persons.organization_set,
        [(stored_person.id, stored_org.id)]
    );
    assert_eq!(persons.emails.len(), 1);
    assert!(
        persons.emails[0].primary,
        "offered; the store keeps it only where there is none"
    );
    assert_eq!(
        (
            counts.persons_matched_by_phone,
            counts.organizations_matched_by_name
        ),
        (1, 1)
    );
}

#[test]
fn a_name_alone_does_not_match_across_organizations() {
    let drafts = [
        lead("Ada Lovelace", None, None, Some("Acme")),
        lead("Ada Lovelace", None, None, Some("Globex")),
        lead("Ada Lovelace", None, None, None),
    ];
    let (_, persons, counts) = resolve(&drafts, &[], PersonMatches::default());
    assert_eq!(persons.created.len(), 3);
    assert_eq!(counts.persons_matched(), 0);
}

#[test]
fn freemail_domains_never_join_organizations() {
    let drafts = [
        lead("A", Some("a@gmail.com"), None, Some("Gottlieb and Sons")),
        lead("B", Some("b@gmail.com"), None, Some("Schmitt and Sons")),
    ];
    let (orgs, _, _) = resolve(&drafts, &[], PersonMatches::default());
    assert_eq!(orgs.created.len(), 2);
    assert!(orgs.created.iter().all(|o| o.domain.is_none()));
}

#[test]
fn same_name_with_different_domains_is_two_organizations() {
    let stored = ExistingOrganization::stored(Id::new(), "acme", Some("acme.de"), None, None);
    let mut draft = lead("Ada", None, None, Some("Acme"));
    draft.organization.as_mut().expect("org").website = Some("https://acme.com".into());
    let (orgs, _, counts) = resolve(
        &[draft],
        std::slice::from_ref(&stored),
        PersonMatches::default(),
    );
    assert_eq!(orgs.created.len(), 1, "acme.com is not acme.de");
    assert_eq!(counts.organizations_matched(), 0);
}

#[test]
fn empty_name_keys_never_match() {
    let drafts = [
        lead("!!!", None, None, Some("???")),
        lead("—", None, None, Some("....")),
    ];
    let (orgs, persons, counts) = resolve(&drafts, &[], PersonMatches::default());
    assert_eq!((orgs.created.len(), persons.created.len()), (2, 2));
    assert_eq!(counts.persons_matched() + counts.organizations_matched(), 0);
}

#[test]
fn an_updated_lead_keeps_its_person_when_nothing_else_matches() {
    let draft = lead("Ada Lovelace", Some("new-address@gmail.com"), None, None);
    let refs = vec![&draft];
    let keys = RowKeys::of(&draft);
    let mut counts = DedupCounts::default();
    let current = Id::new();
    let plan = resolve_persons(
        &refs,
        &[&keys],
        &[None],
        PersonMatches::default(),
        &[Some(current)],
        &mut counts,
    );
    assert_eq!(plan.per_row, [Some(current)]);
    assert!(plan.created.is_empty());
    assert_eq!(
        plan.emails[0].person_id, current,
        "the new email joins the same person"
    );
    assert_eq!(counts.persons_matched_by_lead, 1);
}

#[test]
fn the_run_index_answers_like_the_store() {
    let drafts = [
        lead(
            "Ada Lovelace",
            Some("ada@acme.com"),
            Some("+14152933313"),
            Some("Acme Inc"),
        ),
        lead("Grace Hopper", None, None, Some("Globex")),
    ];
    let (orgs, persons, _) = resolve(&drafts, &[], PersonMatches::default());
    let mut index = RunIndex::default();
    index.absorb(&orgs, &persons);
    // A later batch with the same people written differently finds them in the index.
    let later = [
        lead("A. Lovelace", Some("ada@acme.com"), None, Some("ACME")),
        lead("Someone", None, Some("+14152933313"), None),
        lead("grace hopper", None, None, Some("Globex LLC")),
    ];
    let refs: Vec<&LeadDraft> = later.iter().collect();
    let keys: Vec<RowKeys> = later.iter().map(RowKeys::of).collect();
    let keys: Vec<&RowKeys> = keys.iter().collect();
    let found = index.find_organizations(&keys);
    assert_eq!(found.len(), 2);
    let mut counts = DedupCounts::default();
    let none = vec![None; refs.len()];
    let org_plan = resolve_organizations(&refs, &keys, &found, &none, &mut counts);
    assert!(org_plan.created.is_empty());
    let matches = index.find_persons(&keys, &org_plan.per_row);
    let holds = |found: &HashedMap<ExistingPerson>| found.values().next().and_then(|p| p.holds);
    let both = Holds {
        email: true,
        phone: true,
    };
    assert_eq!(holds(&matches.by_email), Some(both), "Ada, by her email");
    assert_eq!(holds(&matches.by_phone), Some(both), "Ada, by her phone");
    assert_eq!(
        holds(&matches.by_name_in_organization),
        Some(Holds::default()),
        "Grace, who has neither"
    );
    let person_plan = resolve_persons(&refs, &keys, &org_plan.per_row, matches, &none, &mut counts);
    assert!(person_plan.created.is_empty(), "{:?}", person_plan.created);
    assert!(
        person_plan.primaries_final,
        "the index knows what each of its persons holds"
    );
    assert_eq!(
        (
            counts.persons_matched_by_email,
            counts.persons_matched_by_phone,
            counts.persons_matched_by_name_and_organization
        ),
        (1, 1, 1)
    );
}

#[test]
fn the_run_index_knows_the_references_of_its_plans_and_no_others() {
    let drafts = [
        lead("Ada Lovelace", Some("ada@acme.com"), None, Some("Acme Inc")),
        lead("Grace Hopper", None, Some("+14152933313"), None),
    ];
    let (orgs, persons, _) = resolve(&drafts, &[], PersonMatches::default());
    let mut index = RunIndex::default();
    assert!(
        !index.knows_references(&orgs, &persons),
        "nothing is known before the plan is absorbed"
    );
    index.absorb(&orgs, &persons);
    assert!(index.knows_references(&orgs, &persons));

    // A plan that links to a person the run never created (a record of another run).
    let mut stray = PersonPlan::default();
    stray.per_row.push(Some(Id::new()));
    assert!(!index.knows_references(&OrganizationPlan::default(), &stray));
    let mut stray_org = OrganizationPlan::default();
    stray_org.per_row.push(Some(Id::new()));
    assert!(!index.knows_references(&stray_org, &PersonPlan::default()));
}

#[test]
fn a_rows_keys_are_its_normalized_values_and_their_hashes() {
    let mut draft = lead(
        "Ada Lovelace",
        Some("ada@acme.com"),
        Some("+14152933313"),
        Some("Acme, Inc."),
    );
    let keys = RowKeys::of(&draft);
    let org = keys.organization.as_ref().expect("an organization key");
    assert_eq!(org.name_key, "acme");
    assert_eq!(
        org.domain.as_deref(),
        Some("acme.com"),
        "from the work email"
    );
    assert_eq!(org.domain_hash, Some(key_hash("acme.com")));
    assert_eq!(org.name_hash, Some(key_hash("acme")));
    let person = keys.person.as_ref().expect("a person key");
    assert_eq!(person.name_key, "ada lovelace");
    assert_eq!(person.emails, [key_hash("ada@acme.com")]);
    assert_eq!(person.phones, [key_hash("+14152933313")]);

    draft.organization.as_mut().expect("org").name = "???".into();
    draft.person.as_mut().expect("person").name = "—".into();
    let keys = RowKeys::of(&draft);
    let org = keys.organization.expect("an organization key");
    let person = keys.person.expect("a person key");
    assert_eq!(
        (org.name_hash, person.name_hash),
        (None, None),
        "an empty name key has no hash: it must match nothing"
    );
}

#[test]
fn a_name_key_is_another_in_another_organization() {
    let name = key_hash("ada lovelace");
    let (acme, globex) = (Id::new(), Id::new());
    assert_ne!(
        name_in_organization(name, acme),
        name_in_organization(name, globex)
    );
    assert_ne!(
        name_in_organization(name, acme),
        name_in_organization(key_hash("grace hopper"), acme)
    );
    assert_ne!(identity_hash("a", "bc"), identity_hash("ab", "c"));
}

#[test]
fn an_email_another_person_has_stays_theirs() {
    let mut both = lead("Carl", Some("a@x.com"), None, None);
    let person = both.person.as_mut().expect("person");
    person.emails.push(Contact {
        value: "b@y.com".into(),
        label: ContactLabel::Home,
    });
    let drafts = [
        lead("Ann", Some("a@x.com"), None, None),
        lead("Bob", Some("b@y.com"), None, None),
        both,
    ];
    let (_, persons, counts) = resolve(&drafts, &[], PersonMatches::default());
    let (ann, bob) = (persons.created[0].id, persons.created[1].id);
    assert_eq!(persons.per_row, [Some(ann), Some(bob), Some(ann)]);
    assert_eq!(counts.persons_matched_by_email, 1);
    let emails: Vec<(Id, &str)> = persons
        .emails
        .iter()
        .map(|e| (e.person_id, e.value.as_str()))
        .collect();
    assert_eq!(
        emails,
        [(ann, "a@x.com"), (bob, "b@y.com")],
        "b@y.com is Bob's: it is not added to Ann"
    );
}

#[test]
fn primaries_are_final_only_where_what_a_person_holds_is_known() {
    let known = |holds| ExistingPerson {
        id: Id::new(),
        organization_id: None,
        holds,
    };
    let draft = lead("Ada", Some("new@acme.com"), Some("+14152933313"), None);
    for (holds, final_, primary_email) in [
        (
            Some(Holds {
                email: true,
                phone: false,
            }),
            true,
            false,
        ),
        (Some(Holds::default()), true, true),
        (None, false, true),
    ] {
        let stored = known(holds);
        let matches = PersonMatches {
            by_phone: HashedMap::from_iter([(key_hash("+14152933313"), stored)]),
            ..Default::default()
        };
        let (_, persons, _) = resolve(std::slice::from_ref(&draft), &[], matches);
        assert_eq!(persons.per_row, [Some(stored.id)]);
        assert_eq!(persons.primaries_final, final_, "{holds:?}");
        assert_eq!(persons.emails.len(), 1);
        assert_eq!(persons.emails[0].primary, primary_email, "{holds:?}");
        assert!(
            persons.phones.is_empty(),
            "the phone it was matched by is its own"
        );
    }
    let (_, new, _) = resolve(&[draft], &[], PersonMatches::default());
    assert!(new.primaries_final, "a new person holds nothing");
    assert!(new.emails[0].primary && new.phones[0].primary);
}

#[test]
fn a_shared_phone_joins_the_matched_person_once_and_not_as_primary() {
    let phone = "+14152933313";
    let (owner, matched) = (Id::new(), Id::new());
    let holder = |id, holds| ExistingPerson {
        id,
        organization_id: None,
        holds,
    };
    let both = Some(Holds {
        email: true,
        phone: true,
    });
    let matches = PersonMatches {
        by_email: HashedMap::from_iter([(key_hash("bob@acme.com"), holder(matched, both))]),
        by_phone: HashedMap::from_iter([(key_hash(phone), holder(owner, both))]),
        ..Default::default()
    };
    // Bob is matched by his email; the switchboard number is someone else's too.
    let row = lead("Bob", Some("bob@acme.com"), Some(phone), None);
    let (_, persons, counts) = resolve(&[row.clone(), row], &[], matches);
    assert_eq!(persons.per_row, [Some(matched), Some(matched)]);
    assert_eq!(counts.persons_matched_by_email, 2);
    let phones: Vec<(Id, bool)> = persons
        .phones
        .iter()
        .map(|p| (p.person_id, p.primary))
        .collect();
    assert_eq!(phones, [(matched, false)], "offered once, not as primary");
    assert!(persons.emails.is_empty(), "his email is his already");
    assert!(persons.primaries_final);
}
