//! Name keys for persons and organizations (legal forms removed).

/// Name key for persons: Unicode-lowercase, punctuation removed, whitespace collapsed, trimmed.
/// Apostrophes and dots are deleted ("O'Neil" -> "oneil", "S.A." -> "sa"); other punctuation and
/// symbols separate words ("Jean-Luc" == "Jean Luc", "Acme,Inc" == "Acme, Inc"). Non-ASCII
/// punctuation is recognized by the common Unicode punctuation and symbol blocks.
pub fn person_name_key(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut space = false;
    let mut push = |c: char, out: &mut String| match char_class(c) {
        CharClass::Keep => {
            if space && !out.is_empty() {
                out.push(' ');
            }
            space = false;
            out.push(c);
        }
        CharClass::Delete => {}
        CharClass::Separate => space = true,
    };
    for c in name.chars() {
        if c.is_ascii() {
            push(c.to_ascii_lowercase(), &mut out);
        } else {
            c.to_lowercase().for_each(|l| push(l, &mut out));
        }
    }
    out
}

enum CharClass {
    Keep,
    Delete,
    Separate,
}

fn char_class(c: char) -> CharClass {
    match c {
        '\'' | '`' | '.' | '\u{2018}' | '\u{2019}' | '\u{02BC}' | '\u{00B4}' => CharClass::Delete,
        _ if c.is_alphanumeric() => CharClass::Keep,
        _ if c.is_ascii() || c.is_whitespace() || c.is_control() => CharClass::Separate,
        '\u{80}'..='\u{BF}'
        | '\u{D7}'
        | '\u{F7}'
        | '\u{2000}'..='\u{2BFF}'
        | '\u{2E00}'..='\u{2E7F}' => CharClass::Separate,
        '\u{3000}'..='\u{303F}' | '\u{FE10}'..='\u{FE4F}' | '\u{FF00}'..='\u{FF65}' => {
            CharClass::Separate
        }
        '\u{1F000}'..='\u{1FAFF}' => CharClass::Separate,
        _ => CharClass::Keep, // combining marks and other letter-like characters
    }
}

/// Legal-form tokens, after punctuation removal ("L.L.C." -> "llc", "& Co." -> "co"). Sorted.
#[rustfmt::skip]
const LEGAL_FORMS: &[&str] = &[
    "ab", "ag", "as", "bhd", "bv", "co", "company", "corp", "corporation", "cv", "gmbh", "inc",
    "incorporated", "kg", "kk", "limited", "llc", "llp", "lp", "ltd", "ltda", "nv", "oy", "plc",
    "pt", "pte", "pty", "sa", "sarl", "sas", "sdn", "se", "spa", "srl", "sro", "tbk",
];

fn is_legal_form(token: &str) -> bool {
    LEGAL_FORMS.binary_search(&token).is_ok()
}

/// Name key for organizations: `person_name_key`, then Indonesian "PT"/"CV" leading tokens and
/// legal-form tokens at the end removed repeatedly ("Foo Co., Ltd." -> "foo"), including forms
/// spelled as spaced initials ("S. A." -> "s a"). A name made only of such tokens is kept whole
/// ("Co" -> "co"). The result is a fixed point: `org_name_key(&org_name_key(x)) == org_name_key(x)`.
pub fn org_name_key(name: &str) -> String {
    let mut key = person_name_key(name);
    let mut start = 0;
    while let Some((first, _)) = key[start..].split_once(' ')
        && matches!(first, "pt" | "cv")
    {
        start += first.len() + 1;
    }
    let mut end = key.len();
    while let Some(rest) = strip_legal_form(&key[start..end]) {
        if rest.is_empty() {
            return key;
        }
        end = start + rest.len();
    }
    key.truncate(end);
    key.drain(..start);
    key
}

/// The key without its trailing legal form (a token, or 2-3 one-letter tokens), if it has one.
fn strip_legal_form(key: &str) -> Option<&str> {
    let (head, last) = key.rsplit_once(' ').unwrap_or(("", key));
    if is_legal_form(last) {
        return Some(head);
    }
    // letters[3 - n..] holds the last n one-letter tokens, heads[n - 1] what precedes them.
    let (mut letters, mut heads, mut rest, mut n) = ([0u8; 3], [""; 3], key, 0);
    while n < 3 && !rest.is_empty() {
        let (head, last) = rest.rsplit_once(' ').unwrap_or(("", rest));
        let &[letter] = last.as_bytes() else { break };
        if !letter.is_ascii_alphabetic() {
            break;
        }
        letters[2 - n] = letter;
        heads[n] = head;
        rest = head;
        n += 1;
    }
    (2..=n).rev().find_map(|k| {
        let form = std::str::from_utf8(&letters[3 - k..]).expect("ASCII letters are UTF-8");
        is_legal_form(form).then_some(heads[k - 1])
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn person_name_keys() {
        assert_eq!(person_name_key("  John  O'Neil "), "john oneil");
        assert_eq!(
            person_name_key("JEAN-LUC  Picard"),
            person_name_key("jean luc picard")
        );
        assert_eq!(person_name_key("Élodie D’Arcy"), "élodie darcy");
        assert_eq!(
            person_name_key("Dr. J.R.R. Tolkien, Jr."),
            "dr jrr tolkien jr"
        );
        assert_eq!(person_name_key("李 小龍"), "李 小龍");
        assert_eq!(person_name_key(" ,;- "), "");
    }

    #[test]
    fn org_name_keys() {
        assert_eq!(org_name_key("Acme, Inc."), "acme");
        assert_eq!(org_name_key("ACME Inc"), "acme");
        assert_eq!(org_name_key("acme"), "acme");
        assert_eq!(
            org_name_key("Brekke, Dietrich and Klein"),
            "brekke dietrich and klein"
        );
        assert_eq!(org_name_key("PT Maju Jaya Tbk"), "maju jaya");
        assert_eq!(org_name_key("CV. Berkah Abadi"), "berkah abadi");
        assert_eq!(org_name_key("Foo Co., Ltd."), "foo");
        assert_eq!(org_name_key("Smith & Co."), "smith");
        assert_eq!(org_name_key("Widgets GmbH & Co. KG"), "widgets");
        assert_eq!(org_name_key("Acme S. A."), "acme");
        assert_eq!(org_name_key("Acme S.A.S."), "acme");
        assert_eq!(org_name_key("Acme L L C"), "acme");
        assert_eq!(org_name_key("Initech Corporation Limited"), "initech");
        assert_eq!(org_name_key("The Company Store"), "the company store");
        assert_eq!(org_name_key("Co"), "co");
        assert_eq!(org_name_key("Inc. Ltd."), "inc ltd");
        assert_eq!(org_name_key("PT"), "pt");
    }

    #[test]
    fn legal_forms_are_sorted_for_binary_search() {
        assert!(LEGAL_FORMS.windows(2).all(|w| w[0] < w[1]));
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(1000))]

        #[test]
        fn name_keys_are_idempotent(raw in "\\PC{0,40}") {
            let person = person_name_key(&raw);
            prop_assert_eq!(person_name_key(&person), person.clone());
            let org = org_name_key(&raw);
            prop_assert_eq!(org_name_key(&org), org.clone());
            prop_assert_eq!(org.is_empty(), person.is_empty());
        }

        #[test]
        fn org_name_key_is_idempotent_on_legal_forms(
            words in prop::collection::vec(prop::sample::select(&[
                "Acme", "PT", "cv", "Co.", "&", "Inc", "ltd", "S.", "A.", "s", "l", "c", "and",
                "GmbH", "KG", ",", "O'Neil", "a", "b",
            ][..]), 0..7),
        ) {
            let org = org_name_key(&words.join(" "));
            prop_assert_eq!(org_name_key(&org), org);
        }
    }
}
