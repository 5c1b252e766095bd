//! Normalization of dedup match keys: emails, phones, person and organization names, web domains.
//!
//! These run on every imported row, so they are pure, allocate little more than the returned
//! `String`, and never build a regex per call.
//!
//! Phones follow libphonenumber's rules (`parse`, then `isValidNumber`), re-implemented in `phone`
//! over the `phonenumber` crate's metadata, compiled once into our own regexes. The crate's
//! `phonenumber::parse`/`is_valid` are not called: they take ≈15 µs per number against ≈250 ns
//! here (≈60x), mostly behind the global mutex of its LRU regex cache, which serializes threads
//! and recompiles on eviction; and they give known wrong answers: national numbers starting with
//! the calling code's digits lose them (IN "9123456789" read as +91 23456789), the national
//! prefix `8` is mishandled in LT and RU 8-800 numbers, and too-long numbers are accepted
//! (rust-phonenumber#31).

mod domain;
mod email;
mod names;
mod phone;

pub use domain::web_domain;
pub use email::{email, email_org_domain, is_freemail};
pub use names::{org_name_key, person_name_key};
pub use phone::{phone, region};

/// Why an email or phone (or a region code) was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NormalizeError {
    #[error("email `{value}` {problem}")]
    Email {
        value: String,
        problem: EmailProblem,
    },
    /// No digits, or characters that have nothing to do in a phone number.
    #[error("phone `{value}` is not a phone number")]
    PhoneSyntax { value: String },
    #[error("phone `{value}` has no country code and no default region")]
    PhoneNoRegion { value: String },
    /// `region` is the default region used to read it, `None` when the number had a country code.
    #[error("phone `{value}` is not a valid number{}", for_region(.region))]
    PhoneInvalid {
        value: String,
        region: Option<String>,
    },
    #[error("region `{value}` is not a supported ISO 3166 alpha-2 code")]
    Region { value: String },
}

fn for_region(region: &Option<String>) -> String {
    region
        .as_ref()
        .map_or_else(String::new, |r| format!(" for region {r}"))
}

/// What is wrong with an email; its Display completes "email `x` ...".
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum EmailProblem {
    #[error("is empty")]
    Empty,
    #[error("has no `@`")]
    NoAt,
    #[error("has more than one `@`")]
    SeveralAt,
    #[error("has an empty local part")]
    EmptyLocal,
    #[error("has a space, control or invisible character in its local part")]
    BadLocal,
    #[error("is longer than an address may be (64 characters before the `@`, 254 in all)")]
    TooLong,
    #[error("has no domain")]
    NoDomain,
    #[error("has an invalid domain")]
    BadDomain,
}
