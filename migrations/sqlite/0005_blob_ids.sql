-- Ids are kept as their 16 bytes, not as 36 characters of UUID text (see src/store/id.rs):
-- a store made before holds text ids, turned into bytes here. Keys and the references to
-- them change in one statement per table, so the foreign keys are checked at commit.

PRAGMA defer_foreign_keys = ON;

UPDATE import_runs SET id = unhex(id, '-');
UPDATE organizations SET id = unhex(id, '-'), created_by_run = unhex(created_by_run, '-');
UPDATE persons SET id = unhex(id, '-'), organization_id = unhex(organization_id, '-'),
    created_by_run = unhex(created_by_run, '-');
UPDATE person_emails SET person_id = unhex(person_id, '-'), created_by_run = unhex(created_by_run, '-');
UPDATE person_phones SET person_id = unhex(person_id, '-'), created_by_run = unhex(created_by_run, '-');
UPDATE leads SET id = unhex(id, '-'), person_id = unhex(person_id, '-'),
    organization_id = unhex(organization_id, '-'), origin_id = unhex(origin_id, '-');
UPDATE deals SET id = unhex(id, '-'), person_id = unhex(person_id, '-'),
    organization_id = unhex(organization_id, '-'), origin_lead_id = unhex(origin_lead_id, '-');
UPDATE deal_changes SET deal_id = unhex(deal_id, '-');
UPDATE deal_participants SET deal_id = unhex(deal_id, '-'), person_id = unhex(person_id, '-');
UPDATE deal_products SET deal_id = unhex(deal_id, '-');
UPDATE conversions SET lead_id = unhex(lead_id, '-'), deal_id = unhex(deal_id, '-'),
    run_id = unhex(run_id, '-');
UPDATE source_cursors SET run_id = unhex(run_id, '-');
UPDATE run_changes SET run_id = unhex(run_id, '-'), entity_id = unhex(entity_id, '-');
UPDATE deferred_indexes SET run_id = unhex(run_id, '-');
