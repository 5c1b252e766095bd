//! Runtime cleaning steps and templates, compiled from the mapping file.

use std::collections::BTreeMap;
use std::sync::Arc;

use regex::Regex;

/// A value on its way through the transforms: one text, or a list after a `split`.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Text(String),
    List(Vec<String>),
}

impl Value {
    pub fn is_empty(&self) -> bool {
        match self {
            Value::Text(text) => text.trim().is_empty(),
            Value::List(items) => items.is_empty(),
        }
    }

    /// Every element as a list: a text value is a list of one.
    pub fn into_items(self) -> Vec<String> {
        match self {
            Value::Text(text) if text.trim().is_empty() => Vec::new(),
            Value::Text(text) => vec![text],
            Value::List(items) => items,
        }
    }
}

#[derive(Debug, Clone)]
pub enum Transform {
    Trim,
    Lower,
    Upper,
    Title,
    Replace {
        pattern: Regex,
        with: String,
    },
    Extract(Regex),
    Split(String),
    Lookup {
        name: String,
        table: Arc<BTreeMap<String, String>>,
    },
}

impl Transform {
    pub fn apply(&self, value: Value) -> Result<Value, String> {
        match (self, value) {
            (Transform::Split(separator), Value::Text(text)) => Ok(Value::List(
                text.split(separator.as_str())
                    .map(str::trim)
                    .filter(|item| !item.is_empty())
                    .map(str::to_string)
                    .collect(),
            )),
            (_, Value::Text(text)) => self.apply_text(text).map(Value::Text),
            (_, Value::List(items)) => {
                let items: Result<Vec<String>, String> = items
                    .into_iter()
                    .map(|item| self.apply_text(item))
                    .collect();
                Ok(Value::List(
                    items?.into_iter().filter(|i| !i.is_empty()).collect(),
                ))
            }
        }
    }

    fn apply_text(&self, text: String) -> Result<String, String> {
        Ok(match self {
            Transform::Trim => text.trim().to_string(),
            Transform::Lower => text.to_lowercase(),
            Transform::Upper => text.to_uppercase(),
            Transform::Title => title_case(&text),
            Transform::Replace { pattern, with } => {
                pattern.replace_all(&text, with.as_str()).into()
            }
            Transform::Extract(pattern) => extract(pattern, &text),
            Transform::Split(separator) => {
                text.split(separator.as_str()).collect::<Vec<_>>().join(" ")
            }
            Transform::Lookup { name, table } => lookup(name, table, &text)?,
        })
    }
}

fn title_case(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut at_word_start = true;
    for c in text.chars() {
        if at_word_start {
            out.extend(c.to_uppercase());
        } else {
            out.extend(c.to_lowercase());
        }
        at_word_start = c.is_whitespace() || c == '-';
    }
    out
}

fn extract(pattern: &Regex, text: &str) -> String {
    pattern
        .captures(text)
        .and_then(|caps| caps.get(1).or_else(|| caps.get(0)))
        .map_or_else(String::new, |m| m.as_str().to_string())
}

fn lookup(name: &str, table: &BTreeMap<String, String>, text: &str) -> Result<String, String> {
    let key = text.trim();
    table
        .get(key)
        .or_else(|| table.get("*"))
        .cloned()
        .ok_or_else(|| format!("`{key}` is not in lookup table `{name}`"))
}

/// A string with `{column}` placeholders, parsed once.
#[derive(Debug, Clone, PartialEq)]
pub struct Template {
    parts: Vec<TemplatePart>,
}

#[derive(Debug, Clone, PartialEq)]
enum TemplatePart {
    Literal(String),
    Column(String),
}

impl Template {
    pub fn parse(text: &str) -> Result<Template, String> {
        let mut parts = Vec::new();
        let mut literal = String::new();
        let mut chars = text.chars().peekable();
        while let Some(c) = chars.next() {
            match c {
                '{' if chars.peek() == Some(&'{') => {
                    chars.next();
                    literal.push('{');
                }
                '}' if chars.peek() == Some(&'}') => {
                    chars.next();
                    literal.push('}');
                }
                '{' => {
                    let mut name = String::new();
                    let mut closed = false;
                    for c in chars.by_ref() {
                        if c == '}' {
                            closed = true;
                            break;
                        }
                        name.push(c);
                    }
                    if !closed || name.trim().is_empty() {
                        return Err(format!("template `{text}` has an empty or unclosed `{{}}`"));
                    }
                    parts.push(TemplatePart::Literal(std::mem::take(&mut literal)));
                    parts.push(TemplatePart::Column(name.trim().to_string()));
                }
                '}' => return Err(format!("template `{text}` has a lone `}}`; write `}}}}`")),
                _ => literal.push(c),
            }
        }
        parts.push(TemplatePart::Literal(literal));
        parts.retain(|part| part != &TemplatePart::Literal(String::new()));
        Ok(Template { parts })
    }

    pub fn columns(&self) -> impl Iterator<Item = &str> {
        self.parts.iter().filter_map(|part| match part {
            TemplatePart::Column(name) => Some(name.as_str()),
            TemplatePart::Literal(_) => None,
        })
    }

    /// Fills the placeholders through `cell`. When every placeholder is empty the result is
    /// empty (so a default can apply); whitespace is collapsed either way.
    pub fn render<'a>(&self, mut cell: impl FnMut(&str) -> &'a str) -> String {
        let mut out = String::new();
        let mut any_value = false;
        for part in &self.parts {
            match part {
                TemplatePart::Literal(text) => out.push_str(text),
                TemplatePart::Column(name) => {
                    let value = cell(name).trim();
                    any_value |= !value.is_empty();
                    out.push_str(value);
                }
            }
        }
        if !any_value && self.columns().next().is_some() {
            return String::new();
        }
        out.split_whitespace().collect::<Vec<_>>().join(" ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(s: &str) -> Value {
        Value::Text(s.to_string())
    }

    #[test]
    fn split_then_clean_each_element() {
        let split = Transform::Split(",".into());
        let lower = Transform::Lower;
        let value = split.apply(text("Influencer, DEVELOPER,,")).expect("split");
        let value = lower.apply(value).expect("lower");
        assert_eq!(
            value,
            Value::List(vec!["influencer".into(), "developer".into()])
        );
    }

    #[test]
    fn regex_replace_and_extract() {
        let replace = Transform::Replace {
            pattern: Regex::new(r"\s+").expect("re"),
            with: "-".into(),
        };
        assert_eq!(replace.apply(text("a  b c")), Ok(text("a-b-c")));
        let extract = Transform::Extract(Regex::new(r"id=(\d+)").expect("re"));
        assert_eq!(
            extract.apply(text("price=45,quantity=2,id=7")),
            Ok(text("7"))
        );
        assert_eq!(extract.apply(text("nothing")), Ok(text("")));
    }

    #[test]
    fn lookup_with_and_without_fallback() {
        let mut table = BTreeMap::from([("1".to_string(), "hot".to_string())]);
        let strict = Transform::Lookup {
            name: "status".into(),
            table: Arc::new(table.clone()),
        };
        assert_eq!(strict.apply(text(" 1 ")), Ok(text("hot")));
        let err = strict.apply(text("9")).expect_err("unlisted");
        assert_eq!(err, "`9` is not in lookup table `status`");
        table.insert("*".into(), "cold".into());
        let lenient = Transform::Lookup {
            name: "status".into(),
            table: Arc::new(table),
        };
        assert_eq!(lenient.apply(text("9")), Ok(text("cold")));
    }

    #[test]
    fn title_case_words() {
        assert_eq!(
            Transform::Title.apply(text("jean-luc PICARD")),
            Ok(text("Jean-Luc Picard"))
        );
    }

    #[test]
    fn templates_combine_columns() {
        let template = Template::parse("{first} {last} {{x}}").expect("parse");
        assert_eq!(template.columns().collect::<Vec<_>>(), ["first", "last"]);
        let cells = |name: &str| if name == "first" { "Ada" } else { "" };
        assert_eq!(template.render(cells), "Ada {x}");
        assert_eq!(template.render(|_| "  "), "", "all placeholders empty");
        assert!(Template::parse("{first").is_err());
        assert!(Template::parse("a } b").is_err());
        assert!(Template::parse("{}").is_err());
    }
}
