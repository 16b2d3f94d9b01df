//! Rust identifiers for C names: one place that decides how every generated
//! name is spelled and kept unique.
//!
//! [`sanitize`] turns any C name (or section name) into identifier-shaped
//! text; [`Namespace`] hands out names unique within one scope. Both the
//! model builder (which must know final names to avoid collisions with
//! generated padding and accessor names) and codegen (which prints them,
//! keywords as raw identifiers) use this module.

use std::collections::{HashMap, HashSet};

/// Keywords that can be written as raw identifiers (`r#type`), for every
/// edition the generated code may be compiled in (2015 through 2024).
const RAW_KEYWORDS: &[&str] = &[
    "abstract", "as", "async", "await", "become", "box", "break", "const", "continue", "do", "dyn",
    "else", "enum", "extern", "false", "final", "fn", "for", "gen", "if", "impl", "in", "let",
    "loop", "macro", "match", "mod", "move", "mut", "override", "priv", "pub", "ref", "return",
    "static", "struct", "trait", "true", "try", "type", "typeof", "unsafe", "unsized", "use",
    "virtual", "where", "while", "yield",
];

/// Keywords that cannot be raw identifiers: they get a trailing `_`.
const NON_RAW_KEYWORDS: &[&str] = &["self", "Self", "super", "crate", "_"];

/// Is this spelling a keyword that must be printed as `r#name`?
pub fn needs_raw(name: &str) -> bool {
    RAW_KEYWORDS.contains(&name)
}

/// Turns any text into an identifier spelling: characters other than ASCII
/// letters, digits and `_` become `_`, a leading digit gets a `_` prefix,
/// and `self`, `Self`, `super`, `crate` and `_` get a `_` suffix. Other
/// keywords stay as they are (codegen prints them raw).
pub fn sanitize(name: &str) -> String {
    let mut out: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if out.is_empty() {
        out.push('_');
    }
    if out.as_bytes()[0].is_ascii_digit() {
        out.insert(0, '_');
    }
    if NON_RAW_KEYWORDS.contains(&out.as_str()) {
        out.push('_');
    }
    out
}

/// `foo_bar` -> `FooBar`, for type names built from a skeleton name.
pub fn camel_case(name: &str) -> String {
    let mut out = String::new();
    let mut upper = true;
    for c in name.chars() {
        if c == '_' {
            upper = true;
            continue;
        }
        if upper {
            out.extend(c.to_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    if out.is_empty() || out.as_bytes()[0].is_ascii_digit() {
        out.insert(0, 'X');
    }
    out
}

/// A scope in which names must be unique.
#[derive(Clone, Debug, Default)]
pub struct Namespace {
    used: HashSet<String>,
    /// Per base name and suffix family, the next number to try: names are
    /// only ever added, so numbers tried once stay taken, and a thousand
    /// members called alike cost linear time, not quadratic.
    next: HashMap<(String, Vec<String>), u32>,
}

impl Namespace {
    pub fn new() -> Self {
        Self::default()
    }

    /// Marks names as taken without handing them out.
    pub fn reserve<'a>(&mut self, names: impl IntoIterator<Item = &'a str>) {
        self.used.extend(names.into_iter().map(str::to_owned));
    }

    /// The sanitized `base` if free, else `base_1`, `base_2`, ...
    pub fn claim(&mut self, base: &str) -> String {
        self.claim_group(base, &[""])
    }

    /// Claims `base` together with derived names `base + suffix` for every
    /// suffix (`""` meaning `base` itself), all or nothing, so accessor
    /// families like `foo`/`foo_mut` never collide with another `foo_mut`.
    pub fn claim_group(&mut self, base: &str, suffixes: &[&str]) -> String {
        let base = sanitize(base);
        let key = (
            base.clone(),
            suffixes.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>(),
        );
        let mut n = self.next.get(&key).copied().unwrap_or(0);
        loop {
            let candidate = if n == 0 {
                base.clone()
            } else {
                format!("{base}_{n}")
            };
            let names: Vec<String> = suffixes
                .iter()
                .map(|s| sanitize(&format!("{candidate}{s}")))
                .collect();
            if names.iter().all(|name| !self.used.contains(name)) {
                self.used.extend(names);
                self.next.insert(key, n + 1);
                return candidate;
            }
            n += 1;
        }
    }

    /// Claims `base` (or `base_1`, `base_2`, ... when any is taken) for a
    /// family of names: each form is a pattern where `{}` stands for the
    /// chosen base (`"{}"`, `"set_{}_autoattach"`). Returns the base.
    pub fn claim_forms(&mut self, base: &str, forms: &[&str]) -> String {
        let base = sanitize(base);
        let mut n = 0;
        loop {
            let candidate = if n == 0 {
                base.clone()
            } else {
                format!("{base}_{n}")
            };
            let names: Vec<String> = forms
                .iter()
                .map(|f| sanitize(&f.replace("{}", &candidate)))
                .collect();
            if names.iter().all(|name| !self.used.contains(name)) {
                self.used.extend(names);
                return candidate;
            }
            n += 1;
        }
    }

    /// Claims `{prefix}{n}` for the lowest `n >= *next` that is free, and
    /// advances `next` (generated names like `__padding_1`, which must not
    /// collide with a member that is really called `__padding_1`).
    pub fn claim_numbered(&mut self, prefix: &str, next: &mut u32) -> String {
        loop {
            let candidate = format!("{prefix}{next}");
            *next += 1;
            if self.used.insert(candidate.clone()) {
                return candidate;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every keyword of every edition, strict and reserved.
    const ALL_KEYWORDS: &[&str] = &[
        "as", "break", "const", "continue", "crate", "else", "enum", "extern", "false", "fn",
        "for", "if", "impl", "in", "let", "loop", "match", "mod", "move", "mut", "pub", "ref",
        "return", "self", "Self", "static", "struct", "super", "trait", "true", "type", "unsafe",
        "use", "where", "while", "async", "await", "dyn", "abstract", "become", "box", "do",
        "final", "macro", "override", "priv", "typeof", "unsized", "virtual", "yield", "try",
        "gen",
    ];

    #[test]
    fn every_keyword_is_handled() {
        for kw in ALL_KEYWORDS {
            let s = sanitize(kw);
            let raw = needs_raw(&s);
            let suffixed = s != *kw;
            assert!(raw ^ suffixed, "{kw}: raw={raw} suffixed={suffixed}");
            if suffixed {
                assert_eq!(s, format!("{kw}_"));
            }
        }
    }

    #[test]
    fn weak_keywords_stay_plain() {
        for w in ["union", "macro_rules", "raw", "safe", "default", "auto"] {
            assert_eq!(sanitize(w), w);
            assert!(!needs_raw(w));
        }
    }

    #[test]
    fn shapes() {
        assert_eq!(sanitize(".rodata.str1.1"), "_rodata_str1_1");
        assert_eq!(sanitize("1abc"), "_1abc");
        assert_eq!(sanitize(""), "__");
        assert_eq!(sanitize("_"), "__");
        assert_eq!(sanitize("naïve"), "na_ve");
        assert_eq!(camel_case("tcp_ca"), "TcpCa");
        assert_eq!(camel_case("9lives"), "X9lives");
    }

    #[test]
    fn namespace_suffixes() {
        let mut ns = Namespace::new();
        assert_eq!(ns.claim("a"), "a");
        assert_eq!(ns.claim("a"), "a_1");
        assert_eq!(ns.claim("self"), "self_");
        assert_eq!(ns.claim("self_"), "self__1");
        let mut ns = Namespace::new();
        ns.reserve(["foo_mut"]);
        assert_eq!(ns.claim_group("foo", &["", "_mut"]), "foo_1");
        let mut ns = Namespace::new();
        ns.reserve(["__padding_1"]);
        let mut next = 0;
        assert_eq!(ns.claim_numbered("__padding_", &mut next), "__padding_0");
        assert_eq!(ns.claim_numbered("__padding_", &mut next), "__padding_2");
    }

    #[test]
    fn many_equal_names_stay_unique() {
        // Quadratic claiming made this take minutes.
        let mut ns = Namespace::new();
        let names: HashSet<String> = (0..50_000).map(|_| ns.claim("x")).collect();
        assert_eq!(names.len(), 50_000);
        assert!(names.contains("x_49999"));
    }
}
