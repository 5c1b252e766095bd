//! The names an expression may use: its variables and their fields.
//!
//! The static check reads these lists to reject `lead.valeu` when a rule is compiled rather
//! than on the first lead; the record views answer exactly these fields (a test holds the two
//! together).

/// The fields of one kind of record.
#[derive(Debug)]
pub(super) struct Schema {
    /// The record's CEL type name, as `type(lead)` reports it.
    pub type_name: &'static str,
    pub fields: &'static [Field],
}

/// One field of a record and what selecting it yields, as far as the check is concerned.
#[derive(Debug)]
pub(super) struct Field {
    pub name: &'static str,
    pub shape: Shape,
}

/// What the check knows about a value: enough to check the fields selected on it.
#[derive(Debug, Clone, Copy)]
pub(super) enum Shape {
    /// A value whose fields, if it has any, are not known in advance (`custom`, a string):
    /// anything selected on it is left to evaluation.
    Unknown,
    /// A record with these fields (it may also be null).
    Record(&'static Schema),
    /// A list of such records, so that `deal.products.map(p, p.quantity)` is checked too.
    ListOf(&'static Schema),
}

impl Schema {
    pub fn field(&self, name: &str) -> Option<&Field> {
        self.fields.iter().find(|field| field.name == name)
    }

    pub fn names(&self) -> impl Iterator<Item = &'static str> {
        self.fields.iter().map(|field| field.name)
    }
}

/// A field whose value has no fields the check knows of.
const fn plain(name: &'static str) -> Field {
    Field {
        name,
        shape: Shape::Unknown,
    }
}

pub(super) static LEAD: Schema = Schema {
    type_name: "lead",
    fields: &[
        plain("id"),
        plain("title"),
        plain("value"),
        plain("currency"),
        plain("labels"),
        plain("owner"),
        plain("origin"),
        plain("source"),
        plain("expected_close_date"),
        plain("custom"),
        plain("created_at"),
        plain("age_days"),
        plain("has_email"),
        plain("has_phone"),
        plain("archived"),
    ],
};

pub(super) static PERSON: Schema = Schema {
    type_name: "person",
    fields: &[plain("name"), plain("emails"), plain("phones")],
};

pub(super) static ORGANIZATION: Schema = Schema {
    type_name: "organization",
    fields: &[plain("name"), plain("domain"), plain("website")],
};

pub(super) static DEAL: Schema = Schema {
    type_name: "deal",
    fields: &[
        plain("title"),
        plain("value"),
        plain("currency"),
        plain("probability"),
        plain("status"),
        plain("pipeline"),
        plain("stage"),
        plain("labels"),
        plain("owner"),
        plain("custom"),
        Field {
            name: "products",
            shape: Shape::ListOf(&PRODUCT),
        },
        plain("expected_close_date"),
    ],
};

pub(super) static PRODUCT: Schema = Schema {
    type_name: "product",
    fields: &[
        plain("name"),
        plain("quantity"),
        plain("unit_price"),
        plain("discount"),
    ],
};

/// The variables an expression may use, each with the fields of its record.
pub(super) type Variables = &'static [(&'static str, &'static Schema)];

/// The variables of a condition.
pub(super) static CONDITION_VARIABLES: Variables = &[
    ("lead", &LEAD),
    ("person", &PERSON),
    ("organization", &ORGANIZATION),
];

/// The variables of a formula.
pub(super) static FORMULA_VARIABLES: Variables = &[("deal", &DEAL)];
