//! Web domains, and the host-name helpers shared with emails.

/// Registrable domain of a website (`https://www.Acme.co.uk/about?x` -> `acme.co.uk`), `None` for
/// anything that is not a host name under a known public suffix (localhost, IP addresses, text).
pub fn web_domain(website: &str) -> Option<String> {
    let mut s = website.trim();
    if let Some(i) = s.find("//") {
        let scheme = &s[..i];
        let is_scheme = |p: &str| {
            p.starts_with(|c: char| c.is_ascii_alphabetic())
                && p.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.'))
        };
        if scheme.is_empty() || scheme.strip_suffix(':').is_some_and(is_scheme) {
            s = &s[i + 2..];
        }
    }
    let authority = s.find(['/', '?', '#', '\\']).map_or(s, |i| &s[..i]);
    let host = authority
        .rsplit_once('@')
        .map_or(authority, |(_, host)| host);
    let host = host.split_once(':').map_or(host, |(host, _port)| host);
    let mut host = lowercase(host.strip_suffix('.').unwrap_or(host));
    // `www.` is a host, not a name: dropped, unless what is left has no dot (`www.ac`).
    if host.starts_with("www.") && host[4..].contains('.') {
        host.drain(..4);
    }
    if !is_hostname(&host) {
        return None;
    }
    let domain = psl::domain(host.as_bytes()).filter(|d| d.suffix().is_known())?;
    let offset = host.len() - domain.as_bytes().len();
    host.drain(..offset);
    Some(host)
}

pub(super) fn lowercase(s: &str) -> String {
    if s.is_ascii() {
        s.to_ascii_lowercase()
    } else {
        s.to_lowercase()
    }
}

/// At least two labels, none empty, each of `[a-z0-9-]` or non-ASCII letters and digits.
pub(super) fn is_hostname(host: &str) -> bool {
    host.contains('.')
        && host.split('.').all(|label| {
            !label.is_empty()
                && label.chars().count() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label.chars().all(|c| {
                    c.is_ascii_lowercase()
                        || c.is_ascii_digit()
                        || c == '-'
                        || (!c.is_ascii() && c.is_alphanumeric())
                })
        })
}

#[cfg(test)]
mod tests {
    use super::super::{email, email_org_domain, is_freemail, region};
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn web_domains() {
        let domain = |site| web_domain(site);
        assert_eq!(
            domain("https://www.Acme.co.uk/about?x").as_deref(),
            Some("acme.co.uk")
        );
        assert_eq!(domain("acme.com").as_deref(), Some("acme.com"));
        assert_eq!(
            domain("http://u:p@Shop.Acme.com:8080/x#y").as_deref(),
            Some("acme.com")
        );
        assert_eq!(domain("//cdn.acme.io/x").as_deref(), Some("acme.io"));
        assert_eq!(domain("acme.com./").as_deref(), Some("acme.com"));
        assert_eq!(
            domain("https://www.Bücher.de").as_deref(),
            Some("bücher.de")
        );
        assert_eq!(
            domain("acme.com/r?u=http://evil.com").as_deref(),
            Some("acme.com")
        );
        for none in [
            "http://localhost",
            "",
            "not a url",
            "192.168.1.10",
            "acme.internal",
            "co.uk",
        ] {
            assert_eq!(domain(none), None, "{none}");
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(1000))]

        #[test]
        fn domains_never_panic_and_are_idempotent(raw in "\\PC{0,30}|[a-z.:/@-]{0,30}") {
            if let Some(domain) = web_domain(&raw) {
                prop_assert_eq!(web_domain(&domain), Some(domain.clone()));
            }
            if let Ok(normalized) = email(&raw) {
                let _ = email_org_domain(&normalized);
            }
            let _ = (email_org_domain(&raw), is_freemail(&raw), region(&raw));
        }
    }
}
