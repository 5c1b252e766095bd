//! Conditions: CEL expressions over a lead, its person and its organization that say whether a
//! rule applies to the lead.

use cel::Program;
use cel::common::types::{CelBool, CelNull};
use cel::common::value::CowVal;
use cel::context::VariableResolver;
use chrono::{DateTime, Utc};

use super::error::ExprError;
use super::facts::LeadFacts;
use super::program::{compile, evaluate};
use super::schema::CONDITION_VARIABLES;
use super::view::{LeadView, OrganizationView, PersonView, Record};

/// A compiled condition: parse and check once, evaluate on every lead.
#[derive(Debug)]
pub struct Condition {
    text: String,
    program: Program,
}

impl Condition {
    /// Parses `text` and checks that every variable and field it names exists.
    pub fn compile(text: &str) -> Result<Condition, ExprError> {
        let program = compile(text, CONDITION_VARIABLES)?;
        Ok(Condition {
            text: text.to_string(),
            program,
        })
    }

    /// The expression as written.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// Whether `lead` satisfies the condition; `now` is the moment `lead.age_days` counts to.
    /// An error concerns this lead only (a null compared, a custom field missing).
    pub fn matches(&self, lead: &LeadFacts, now: DateTime<Utc>) -> Result<bool, ExprError> {
        let variables = LeadVariables::new(lead, now);
        evaluate(&self.program, &variables, |result| {
            let matched = result
                .downcast_ref::<CelBool>()
                .map(|matched| *matched.inner());
            matched.ok_or_else(|| ExprError::NotBool {
                got: result.get_type().name().to_string(),
            })
        })
    }
}

/// `lead`, `person` and `organization`, the last two `null` when the lead has none.
struct LeadVariables<'a> {
    lead: Record<LeadView<'a>>,
    person: Option<Record<PersonView<'a>>>,
    organization: Option<Record<OrganizationView<'a>>>,
}

static NULL: CelNull = CelNull;

impl<'a> LeadVariables<'a> {
    fn new(lead: &'a LeadFacts, now: DateTime<Utc>) -> LeadVariables<'a> {
        LeadVariables {
            lead: Record(LeadView::new(lead, now)),
            person: lead
                .person
                .as_ref()
                .map(|person| Record(PersonView(person))),
            organization: lead
                .organization
                .as_ref()
                .map(|org| Record(OrganizationView(org))),
        }
    }
}

impl VariableResolver for LeadVariables<'_> {
    fn resolve<'b>(&'b self, variable: &str) -> Option<CowVal<'b, 'b>> {
        let value: CowVal<'b, 'b> = match variable {
            "lead" => CowVal::Borrowed(&self.lead),
            "person" => match &self.person {
                Some(person) => CowVal::Borrowed(person),
                None => CowVal::Borrowed(&NULL),
            },
            "organization" => match &self.organization {
                Some(organization) => CowVal::Borrowed(organization),
                None => CowVal::Borrowed(&NULL),
            },
            _ => return None,
        };
        Some(value)
    }
}
