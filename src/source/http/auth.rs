//! Credentials read from the environment, and the masking that keeps them out of every message.
//!
//! Nothing here derives `Debug`: the hand-written impls print the variable names, never the
//! values.

use std::fmt;

use anyhow::{Result, bail};
use reqwest::header::{AUTHORIZATION, HeaderName, HeaderValue};
use reqwest::{RequestBuilder, Url};

use super::config::AuthConfig;

/// Looks up an environment variable: `std::env::var` outside tests (which cannot set real
/// variables safely while other tests run).
pub(super) type Env<'a> = &'a dyn Fn(&str) -> Result<String, std::env::VarError>;

/// Shown in place of a secret.
pub(super) const MASK: &str = "REDACTED";

/// Credentials ready to put on a request.
pub(super) enum Credentials {
    /// A whole header (`Authorization: Bearer ...`, `X-Api-Key: ...`), marked sensitive so
    /// that reqwest hides it too.
    Header {
        name: HeaderName,
        value: HeaderValue,
        secret: String,
        env: String,
    },
    Query {
        param: String,
        secret: String,
        env: String,
    },
    Basic {
        user: String,
        password: String,
        env: String,
    },
}

impl Credentials {
    /// Reads the variables `config` names; the error names a variable that is missing.
    pub fn from_env(config: &AuthConfig, env: Env) -> Result<Credentials> {
        match config {
            AuthConfig::Bearer { token_env } => {
                let token = read_env(env, token_env, "auth.token_env")?;
                header(AUTHORIZATION, &format!("Bearer {token}"), token, token_env)
            }
            AuthConfig::ApiKey {
                header: Some(name),
                value_env,
                ..
            } => {
                let key = read_env(env, value_env, "auth.value_env")?;
                let Ok(name) = HeaderName::try_from(name.as_str()) else {
                    bail!("`auth.header` (`{name}`) is not a valid header name");
                };
                header(name, &key, key.clone(), value_env)
            }
            AuthConfig::ApiKey {
                query_param: Some(param),
                value_env,
                ..
            } => Ok(Credentials::Query {
                param: param.clone(),
                secret: read_env(env, value_env, "auth.value_env")?,
                env: value_env.clone(),
            }),
            AuthConfig::ApiKey { .. } => {
                bail!("`auth.type = \"api_key\"` needs one of `header`, `query_param`")
            }
            AuthConfig::Basic {
                user_env,
                password_env,
            } => Ok(Credentials::Basic {
                user: read_env(env, user_env, "auth.user_env")?,
                password: read_env(env, password_env, "auth.password_env")?,
                env: password_env.clone(),
            }),
        }
    }

    /// Puts the header credentials on a request (the query key goes in the URL, see
    /// [`Credentials::query`]).
    pub fn apply(&self, request: RequestBuilder) -> RequestBuilder {
        match self {
            Credentials::Header { name, value, .. } => request.header(name, value.clone()),
            Credentials::Basic { user, password, .. } => request.basic_auth(user, Some(password)),
            Credentials::Query { .. } => request,
        }
    }

    /// The query parameter and value to send, for a key sent in the query string.
    pub fn query(&self) -> Option<(&str, &str)> {
        match self {
            Credentials::Query { param, secret, .. } => Some((param, secret)),
            _ => None,
        }
    }

    /// `text` with every secret value masked: a server may echo a key back in an error body.
    pub fn scrub(&self, text: &str) -> String {
        let secrets: Vec<&str> = match self {
            Credentials::Header { secret, .. } | Credentials::Query { secret, .. } => {
                vec![secret]
            }
            Credentials::Basic { password, .. } => vec![password],
        };
        secrets
            .into_iter()
            .filter(|s| !s.is_empty())
            .fold(text.to_string(), |text, secret| text.replace(secret, MASK))
    }
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (kind, env) = match self {
            Credentials::Header { name, env, .. } => (name.as_str(), env),
            Credentials::Query { param, env, .. } => (param.as_str(), env),
            Credentials::Basic { env, .. } => ("basic", env),
        };
        write!(f, "Credentials({kind} from ${env})")
    }
}

fn header(name: HeaderName, value: &str, secret: String, env: &str) -> Result<Credentials> {
    let Ok(mut value) = HeaderValue::from_str(value) else {
        bail!("environment variable `{env}` holds characters that an HTTP header cannot carry");
    };
    value.set_sensitive(true);
    Ok(Credentials::Header {
        name,
        value,
        secret,
        env: env.to_string(),
    })
}

fn read_env(env: Env, name: &str, field: &str) -> Result<String> {
    match env(name) {
        Ok(value) if value.is_empty() => {
            bail!("environment variable `{name}` (named by `{field}`) is empty")
        }
        Ok(value) => Ok(value),
        Err(std::env::VarError::NotPresent) => {
            bail!("environment variable `{name}` (named by `{field}`) is not set")
        }
        Err(std::env::VarError::NotUnicode(_)) => {
            bail!("environment variable `{name}` (named by `{field}`) is not valid UTF-8")
        }
    }
}

/// `url` fit to print: the password of `user:password@` and the `secret_param` query value
/// are masked.
pub(super) fn redact(url: &Url, secret_param: Option<&str>) -> String {
    let mut shown = url.clone();
    if shown.password().is_some() {
        let _ = shown.set_password(Some(MASK));
    }
    if let Some(secret_param) = secret_param
        && shown.query_pairs().any(|(name, _)| name == secret_param)
    {
        let pairs: Vec<(String, String)> = shown
            .query_pairs()
            .map(|(name, value)| {
                let value = if name == secret_param {
                    MASK.to_string()
                } else {
                    value.into_owned()
                };
                (name.into_owned(), value)
            })
            .collect();
        shown.query_pairs_mut().clear().extend_pairs(pairs);
    }
    shown.to_string()
}
