//! Emails, and the organization domain an email tells (none for free-mail providers).

use super::domain::{is_hostname, lowercase};
use super::{EmailProblem, NormalizeError};

/// Trim, lowercase, strip a leading "mailto:" and surrounding `<>` (repeatedly, so the result is a
/// fixed point), then check a plausible shape: one `@`, a local part without whitespace, and a
/// domain of at least two non-empty labels of `[a-z0-9-]` or non-ASCII letters (IDN).
pub fn email(raw: &str) -> Result<String, NormalizeError> {
    let err = |problem| NormalizeError::Email {
        value: raw.trim().to_owned(),
        problem,
    };
    let mut s = raw.trim();
    loop {
        let before = s.len();
        if s.get(..7)
            .is_some_and(|p| p.eq_ignore_ascii_case("mailto:"))
        {
            s = s[7..].trim_start();
        }
        if let Some(inner) = s.strip_prefix('<').and_then(|t| t.strip_suffix('>')) {
            s = inner.trim();
        }
        if s.len() == before {
            break;
        }
    }
    if s.is_empty() {
        return Err(err(EmailProblem::Empty));
    }
    let out = lowercase(s);
    let (local, domain) = out.split_once('@').ok_or_else(|| err(EmailProblem::NoAt))?;
    if domain.contains('@') {
        Err(err(EmailProblem::SeveralAt))
    } else if local.is_empty() {
        Err(err(EmailProblem::EmptyLocal))
    } else if local
        .chars()
        .any(|c| c.is_whitespace() || c.is_control() || is_invisible(c))
    {
        Err(err(EmailProblem::BadLocal))
    } else if local.chars().count() > 64 || out.chars().count() > 254 {
        Err(err(EmailProblem::TooLong))
    } else if domain.is_empty() {
        Err(err(EmailProblem::NoDomain))
    } else if !is_hostname(domain) {
        Err(err(EmailProblem::BadDomain))
    } else {
        Ok(out)
    }
}

/// Format characters that print as nothing (soft hyphen, zero-width and direction marks,
/// word joiners, byte-order mark): an address holding one is not the one it looks like.
pub(super) fn is_invisible(c: char) -> bool {
    matches!(c, '\u{AD}' | '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{2064}' | '\u{FEFF}')
}

/// Organization domain from a normalized (lowercase) email: the registrable domain of its host,
/// `None` for free-mail providers and hosts without a known public suffix.
pub fn email_org_domain(email: &str) -> Option<String> {
    let host = email.rsplit_once('@')?.1;
    if is_freemail(host) {
        return None;
    }
    let domain = psl::domain(host.as_bytes()).filter(|d| d.suffix().is_known())?;
    std::str::from_utf8(domain.as_bytes())
        .ok()
        .map(str::to_owned)
}

/// Free-mail domains, sorted (binary search). Brands with many country domains are in
/// `FREEMAIL_BRANDS` instead.
#[rustfmt::skip]
const FREEMAIL: &[&str] = &[
    "126.com", "139.com", "163.com", "188.com", "abv.bg", "aim.com", "aol.co.uk", "aol.com",
    "aol.de", "aol.fr", "att.net", "bigpond.com", "bk.ru", "bluewin.ch", "bol.com.br",
    "btinternet.com", "caramail.com", "centrum.cz", "comcast.net", "cox.net", "daum.net",
    "earthlink.net", "email.com", "fastmail.com", "fastmail.fm", "foxmail.com", "free.fr",
    "freenet.de", "gmail.com", "googlemail.com", "hanmail.net", "hey.com", "hushmail.com",
    "icloud.com", "inbox.ru", "interia.pl", "juno.com", "laposte.net", "libero.it", "list.ru",
    "live.ca", "live.co.uk", "live.com", "live.com.au", "live.de", "live.fr", "live.it", "live.nl",
    "mac.com", "mail.com", "mail.ru", "mailbox.org", "me.com", "msn.com", "naver.com", "o2.pl",
    "onet.pl", "optonline.net", "orange.fr", "pm.me", "posteo.de", "proton.me", "protonmail.ch",
    "protonmail.com", "qq.com", "rambler.ru", "rediffmail.com", "rocketmail.com", "sbcglobal.net",
    "seznam.cz", "sfr.fr", "shaw.ca", "sina.com", "sky.com", "sohu.com", "t-online.de",
    "terra.com.br", "tiscali.it", "tuta.io", "tutanota.com", "uol.com.br", "verizon.net",
    "virgilio.it", "wanadoo.fr", "web.de", "wp.pl", "ya.ru", "yeah.net", "ymail.com", "zoho.com",
    "zohomail.com",
];

/// Free-mail brands under any public suffix: gmx.net, hotmail.fr, yahoo.co.uk, yandex.ru...
const FREEMAIL_BRANDS: &[&str] = &["gmx", "hotmail", "outlook", "yahoo", "yandex"];

/// True for free-mail domains, checked on the domain as given and on its registrable domain.
pub fn is_freemail(domain: &str) -> bool {
    let d = domain.trim().trim_end_matches('.');
    if d.bytes().any(|b| b.is_ascii_uppercase()) {
        return is_freemail(&d.to_ascii_lowercase());
    }
    listed_freemail(d)
        || psl::domain_str(d).is_some_and(|r| r.len() < d.len() && listed_freemail(r))
}

fn listed_freemail(d: &str) -> bool {
    FREEMAIL.binary_search(&d).is_ok()
        || d.split_once('.').is_some_and(|(brand, suffix)| {
            FREEMAIL_BRANDS.contains(&brand)
                && psl::suffix(suffix.as_bytes())
                    .is_some_and(|s| s.is_known() && s.as_bytes().len() == suffix.len())
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn email_normalizes_case_whitespace_mailto_and_brackets() {
        let ok = |raw| email(raw).expect("valid email");
        assert_eq!(ok("  John.Doe@Example.COM "), "john.doe@example.com");
        assert_eq!(ok("MAILTO:<a@b.co>"), "a@b.co");
        assert_eq!(ok("< mailto:a+tag@b.co >"), "a+tag@b.co");
        assert_eq!(ok("Jörg@Bücher.DE"), "jörg@bücher.de");
        assert_eq!(
            ok("x@xn--bcher-kva.example.com"),
            "x@xn--bcher-kva.example.com"
        );
    }

    #[test]
    fn email_refusals_name_the_value() {
        let message = |raw| email(raw).expect_err("invalid email").to_string();
        assert_eq!(message("foo@"), "email `foo@` has no domain");
        assert_eq!(message(" "), "email `` is empty");
        assert_eq!(message("foo"), "email `foo` has no `@`");
        assert_eq!(
            message("a@b@c.com"),
            "email `a@b@c.com` has more than one `@`"
        );
        assert_eq!(message("@b.com"), "email `@b.com` has an empty local part");
        let space =
            "email `a b@c.com` has a space, control or invisible character in its local part";
        assert_eq!(message("a b@c.com"), space);
        for bad in [
            "a@localhost",
            "a@b..com",
            "a@.b.com",
            "a@b.com.",
            "a@b_c.com",
            "a@b c.com",
        ] {
            assert_eq!(message(bad), format!("email `{bad}` has an invalid domain"));
        }
    }

    #[test]
    fn freemail_and_email_org_domains() {
        assert_eq!(
            email_org_domain("jo@mail.acme.co.uk").as_deref(),
            Some("acme.co.uk")
        );
        assert_eq!(email_org_domain("jo@acme.com").as_deref(), Some("acme.com"));
        for free in [
            "gmail.com",
            "googlemail.com",
            "yahoo.co.uk",
            "gmx.de",
            "web.de",
            "mail.ru",
        ] {
            assert!(is_freemail(free), "{free}");
            assert_eq!(email_org_domain(&format!("jo@{free}")), None, "{free}");
        }
        assert!(is_freemail("Hotmail.FR"));
        assert!(is_freemail("mail.yandex.ru"));
        assert!(!is_freemail("acme.com"));
        assert!(!is_freemail("yahoo.acme.com"));
        assert_eq!(email_org_domain("jo@localhost.localdomain"), None);
    }

    #[test]
    fn freemail_list_is_sorted_for_binary_search() {
        assert!(FREEMAIL.windows(2).all(|w| w[0] < w[1]));
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(1000))]

        #[test]
        fn email_never_panics_and_is_idempotent(raw in "\\PC{0,30}|[a-zA-Z<>: .@-]{0,30}") {
            if let Ok(normalized) = email(&raw) {
                prop_assert_eq!(email(&normalized), Ok(normalized.clone()));
            }
        }
    }
}
