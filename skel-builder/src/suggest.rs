//! "Did you mean ...?": the existing name closest to one the build script
//! gave that does not exist (a map, a type, a program).
//!
//! The distance is the optimal string alignment distance (Levenshtein plus
//! swapping two neighbours, `evnet` -> `event`), written here in a few
//! lines rather than taken from a crate: it runs only on error paths, over
//! at most the object's names, and skel-builder stays lean (its build time
//! is benchmarked against libbpf-cargo's).

/// Single-character insertions, deletions, substitutions and swaps of two
/// neighbours needed to turn `a` into `b` (each substring edited once).
pub(crate) fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    // Three rows of the table: two back (for swaps), the last, this one.
    let mut before: Vec<usize> = vec![0; b.len() + 1];
    let mut last: Vec<usize> = (0..=b.len()).collect();
    let mut row: Vec<usize> = vec![0; b.len() + 1];
    for i in 1..=a.len() {
        row[0] = i;
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut d = (last[j] + 1).min(row[j - 1] + 1).min(last[j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                d = d.min(before[j - 2] + 1);
            }
            row[j] = d;
        }
        std::mem::swap(&mut before, &mut last);
        std::mem::swap(&mut last, &mut row);
    }
    last[b.len()]
}

/// How far a name may be from `wanted` to be suggested: a third of its
/// length, at least 1 (rustc's rule for its own suggestions).
pub(crate) fn limit(wanted: &str) -> usize {
    wanted.chars().count().max(3) / 3
}

/// The closest of `candidates` to `wanted` within [`limit`], if any: the
/// nearest, ties going to the first in sort order, so the suggestion does
/// not depend on the order names come in. A candidate equal to `wanted`
/// is not a suggestion.
pub(crate) fn closest<'a>(
    wanted: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    best(
        limit(wanted),
        candidates
            .into_iter()
            .filter(|c| *c != wanted)
            .map(|c| (distance_within(wanted, c, limit(wanted)), c)),
    )
}

/// The candidate with the smallest distance at most `limit` (ties: the
/// smallest candidate). Distances above the limit may be given as
/// `usize::MAX`.
pub(crate) fn best<T: Ord>(
    limit: usize,
    scored: impl IntoIterator<Item = (usize, T)>,
) -> Option<T> {
    scored
        .into_iter()
        .filter(|(d, _)| *d <= limit)
        .min()
        .map(|(_, c)| c)
}

/// [`edit_distance`], or `usize::MAX` without computing it when the
/// lengths alone put it above `limit` (objects built with vmlinux.h have
/// tens of thousands of type names).
pub(crate) fn distance_within(a: &str, b: &str, limit: usize) -> usize {
    let (la, lb) = (a.chars().count(), b.chars().count());
    if la.abs_diff(lb) > limit {
        return usize::MAX;
    }
    edit_distance(a, b)
}

/// The kinds of C type a build script names.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum Tag {
    Struct,
    Union,
    Enum,
    Typedef,
}

impl Tag {
    pub(crate) fn keyword(self) -> &'static str {
        match self {
            Tag::Struct => "struct",
            Tag::Union => "union",
            Tag::Enum => "enum",
            Tag::Typedef => "typedef",
        }
    }

    /// As a build script names the type: `struct x`, or a typedef's bare
    /// name.
    pub(crate) fn spell(self, name: &str) -> String {
        match self {
            Tag::Typedef => name.to_owned(),
            tag => format!("{} {name}", tag.keyword()),
        }
    }
}

/// A type spelling split into its keyword (`struct`, `union`, `enum`,
/// `typedef`; `None` for a bare name) and name.
pub(crate) fn split_spelling(spelling: &str) -> (Option<&str>, &str) {
    let spelling = spelling.trim();
    match spelling.split_once(char::is_whitespace) {
        Some((k @ ("struct" | "union" | "enum" | "typedef"), rest)) => (Some(k), rest.trim()),
        _ => (None, spelling),
    }
}

/// The candidate type closest to `spelling` (as `.types` takes it),
/// spelled as a build script would name it. Names are compared with a
/// different keyword costing one edit (a bare name matches any), or as a
/// whole spelling (`strcut event` -> `struct event`); within the limit of
/// the name's length.
pub(crate) fn closest_type<'a>(
    spelling: &str,
    candidates: impl IntoIterator<Item = (Tag, &'a str)>,
) -> Option<String> {
    let spelling = spelling.trim();
    let (keyword, name) = split_spelling(spelling);
    let most = limit(name);
    let scored = candidates
        .into_iter()
        .filter(|(_, candidate)| !candidate.is_empty())
        .filter_map(|(tag, candidate)| {
            let spelled = tag.spell(candidate);
            if spelled == spelling
                || (keyword == Some("typedef") && tag == Tag::Typedef && candidate == name)
            {
                return None;
            }
            let keyword_cost = keyword.map_or(0, |k| usize::from(k != tag.keyword()));
            let by_name = distance_within(name, candidate, most).saturating_add(keyword_cost);
            let whole = distance_within(spelling, &spelled, most);
            Some((by_name.min(whole), spelled))
        });
    best(most, scored)
}

/// The types C text defines, found by a light scan with no preprocessing
/// (comments, literals and preprocessor lines skipped): `struct`, `union`
/// or `enum` NAME followed by `{`, and the names `typedef` declares. For
/// suggestions only: it can list a type an `#if` leaves out, or miss one a
/// macro defines.
pub(crate) fn defined_types(text: &str) -> Vec<(Tag, String)> {
    let tokens = tokenize(text);
    let mut out = vec![];
    for (i, token) in tokens.iter().enumerate() {
        match token {
            Token::Ident(kw @ ("struct" | "union" | "enum")) => {
                let tag = match *kw {
                    "struct" => Tag::Struct,
                    "union" => Tag::Union,
                    _ => Tag::Enum,
                };
                let j = skip_attributes(&tokens, i + 1);
                let Some(Token::Ident(name)) = tokens.get(j) else {
                    continue;
                };
                if is_c_word(name) {
                    continue;
                }
                let k = skip_attributes(&tokens, j + 1);
                if tokens.get(k) == Some(&Token::Punct('{')) {
                    out.push((tag, (*name).to_owned()));
                }
            }
            Token::Ident("typedef") => {
                out.extend(
                    typedef_names(&tokens[i + 1..])
                        .into_iter()
                        .map(|n| (Tag::Typedef, n.to_owned())),
                );
            }
            _ => {}
        }
    }
    out
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Token<'a> {
    Ident(&'a str),
    Punct(char),
}

/// C tokens, roughly: identifiers and punctuation; numbers, literals,
/// comments and preprocessor lines dropped.
fn tokenize(text: &str) -> Vec<Token<'_>> {
    let bytes = text.as_bytes();
    let mut out = vec![];
    let mut i = 0;
    let mut line_start = true;
    while i < bytes.len() {
        let c = bytes[i];
        match c {
            b'\n' => {
                line_start = true;
                i += 1;
                continue;
            }
            c if c.is_ascii_whitespace() => {
                i += 1;
                continue;
            }
            b'#' if line_start => {
                // To the end of the line, across backslash continuations.
                while i < bytes.len() && bytes[i] != b'\n' {
                    if bytes[i] == b'\\' && bytes.get(i + 1) == Some(&b'\n') {
                        i += 1;
                    }
                    i += 1;
                }
                continue;
            }
            b'/' if bytes.get(i + 1) == Some(&b'/') => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
                continue;
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => {
                i = text[i + 2..]
                    .find("*/")
                    .map_or(bytes.len(), |end| i + 2 + end + 2);
                continue;
            }
            b'"' | b'\'' => {
                i += 1;
                while i < bytes.len() && bytes[i] != c && bytes[i] != b'\n' {
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
                i += 1;
            }
            c if c.is_ascii_alphabetic() || c == b'_' => {
                let start = i;
                while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_') {
                    i += 1;
                }
                out.push(Token::Ident(&text[start..i]));
            }
            c if c.is_ascii_digit() => {
                while i < bytes.len()
                    && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_' || bytes[i] == b'.')
                {
                    i += 1;
                }
            }
            c if c.is_ascii() => {
                out.push(Token::Punct(char::from(c)));
                i += 1;
            }
            _ => {
                // Not ASCII: in a C source, only inside comments and
                // literals (skipped above), or an identifier no one names.
                i += 1;
            }
        }
        line_start = false;
    }
    out
}

/// Past any `__attribute__((...))` at `i`.
fn skip_attributes(tokens: &[Token<'_>], mut i: usize) -> usize {
    while let Some(Token::Ident("__attribute__" | "__attribute" | "__declspec")) = tokens.get(i) {
        i += 1;
        if tokens.get(i) == Some(&Token::Punct('(')) {
            i = past_group(tokens, i);
        }
    }
    i
}

/// Past the bracketed group opening at `i` (`(`, `[` or `{`).
fn past_group(tokens: &[Token<'_>], mut i: usize) -> usize {
    let mut depth = 0usize;
    while let Some(t) = tokens.get(i) {
        match t {
            Token::Punct('(' | '[' | '{') => depth += 1,
            Token::Punct(')' | ']' | '}') => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return i + 1;
                }
            }
            _ => {}
        }
        i += 1;
    }
    i
}

/// The names declared by a typedef whose tokens (after `typedef`) start
/// `tokens`: in each declarator up to `;`, the name after `(*`, else the
/// last identifier outside brackets that is not a C word or an
/// attribute/macro call.
fn typedef_names<'a>(tokens: &[Token<'a>]) -> Vec<&'a str> {
    let mut names = vec![];
    let mut last: Option<&'a str> = None;
    let mut pointer_name: Option<&'a str> = None;
    let mut i = 0;
    while let Some(&t) = tokens.get(i) {
        match t {
            Token::Punct(';') | Token::Punct(',') => {
                names.extend(pointer_name.take().or(last.take()));
                last = None;
                if t == Token::Punct(';') {
                    break;
                }
                i += 1;
            }
            Token::Punct('(') => {
                // `(*name)` or `(^name)`: a function pointer's name.
                let mut j = i + 1;
                while let Some(Token::Punct('*' | '^'))
                | Some(Token::Ident("const" | "volatile" | "restrict" | "__restrict")) =
                    tokens.get(j)
                {
                    j += 1;
                }
                if j > i + 1
                    && let Some(Token::Ident(name)) = tokens.get(j)
                {
                    pointer_name.get_or_insert(name);
                }
                i = past_group(tokens, i);
            }
            Token::Punct('[' | '{') => i = past_group(tokens, i),
            Token::Punct('}' | ')' | ']') => break,
            Token::Ident(name) => {
                let called = tokens.get(i + 1) == Some(&Token::Punct('('));
                if !called && !is_c_word(name) {
                    last = Some(name);
                }
                i += 1;
            }
            Token::Punct(_) => i += 1,
        }
    }
    names
}

/// C keywords and type words, never a type's name.
fn is_c_word(word: &str) -> bool {
    matches!(
        word,
        "void"
            | "char"
            | "short"
            | "int"
            | "long"
            | "float"
            | "double"
            | "signed"
            | "unsigned"
            | "_Bool"
            | "bool"
            | "const"
            | "volatile"
            | "restrict"
            | "__restrict"
            | "__volatile__"
            | "_Atomic"
            | "struct"
            | "union"
            | "enum"
            | "typedef"
            | "static"
            | "extern"
            | "inline"
            | "__inline"
            | "__inline__"
            | "register"
            | "auto"
            | "__attribute__"
            | "__extension__"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distances() {
        for (a, b, d) in [
            ("", "", 0),
            ("event", "event", 0),
            ("", "abc", 3),
            ("abc", "", 3),
            ("evnt", "event", 1),
            ("events", "evnts", 1),
            ("evnet", "event", 1),
            ("ab", "ba", 1),
            ("struct evnt", "struct event", 1),
            ("strcut event", "struct event", 1),
            ("kitten", "sitting", 3),
            ("ca", "abc", 3),
            ("Event", "event", 1),
            ("κόσμε", "κόσμος", 2),
        ] {
            assert_eq!(edit_distance(a, b), d, "{a:?} -> {b:?}");
            assert_eq!(edit_distance(b, a), d, "{b:?} -> {a:?}");
        }
    }

    #[test]
    fn limits_grow_with_the_name() {
        assert_eq!(limit(""), 1);
        assert_eq!(limit("ab"), 1);
        assert_eq!(limit("evnt"), 1);
        assert_eq!(limit("events"), 2);
        assert_eq!(limit("struct evnt"), 3);
    }

    #[test]
    fn the_closest_within_the_limit_is_suggested() {
        let maps = ["events", "counts", "perf_events", "stats"];
        assert_eq!(closest("evnts", maps), Some("events"));
        assert_eq!(closest("count", maps), Some("counts"));
        assert_eq!(closest("perf_event", maps), Some("perf_events"));
        // Too far from everything.
        assert_eq!(closest("queue", maps), None);
        assert_eq!(closest("x", maps), None);
        // The name itself is not a suggestion.
        assert_eq!(closest("events", ["events"]), None);
        assert_eq!(closest("evnts", []), None);
    }

    #[test]
    fn ties_go_to_the_first_in_sort_order() {
        assert_eq!(closest("ab", ["ac", "aa"]), Some("aa"));
        assert_eq!(closest("ab", ["aa", "ac"]), Some("aa"));
        // Nearer wins over sort order.
        assert_eq!(closest("abcdef", ["abcdefgh", "abzdef"]), Some("abzdef"));
        assert_eq!(closest("abcd", ["abzz", "abcx"]), Some("abcx"));
    }

    #[test]
    fn lengths_alone_rule_out_far_names() {
        assert_eq!(distance_within("a", "abcdef", 2), usize::MAX);
        assert_eq!(distance_within("abc", "abcd", 2), 1);
    }

    #[test]
    fn types_are_suggested_by_keyword_and_name() {
        use Tag::*;
        let types = [
            (Struct, "event"),
            (Typedef, "slot_t"),
            (Union, "value"),
            (Enum, "state"),
            (Struct, "task_struct"),
        ];
        let best = |spelling| closest_type(spelling, types);
        assert_eq!(best("struct evnt").as_deref(), Some("struct event"));
        assert_eq!(best("struct evnet").as_deref(), Some("struct event"));
        // The wrong keyword: one edit.
        assert_eq!(best("union event").as_deref(), Some("struct event"));
        assert_eq!(best("typedef event").as_deref(), Some("struct event"));
        assert_eq!(best("struct slot_t").as_deref(), Some("slot_t"));
        // A misspelt keyword.
        assert_eq!(best("strcut event").as_deref(), Some("struct event"));
        // A bare name matches any kind.
        assert_eq!(best("evnt").as_deref(), Some("struct event"));
        assert_eq!(best("solt_t").as_deref(), Some("slot_t"));
        assert_eq!(best("enum stat").as_deref(), Some("enum state"));
        assert_eq!(best("struct task").as_deref(), None);
        assert_eq!(best("struct nothing_like_it").as_deref(), None);
        // What was asked for is not a suggestion.
        assert_eq!(best("struct event").as_deref(), None);
        assert_eq!(best("typedef slot_t").as_deref(), None);
        assert_eq!(closest_type("struct evnt", []), None);
    }

    #[test]
    fn spellings_split_into_keyword_and_name() {
        assert_eq!(split_spelling(" struct  event "), (Some("struct"), "event"));
        assert_eq!(split_spelling("typedef\tpid_t"), (Some("typedef"), "pid_t"));
        assert_eq!(split_spelling("pid_t"), (None, "pid_t"));
        assert_eq!(split_spelling("strcut event"), (None, "strcut event"));
        assert_eq!(split_spelling(""), (None, ""));
    }

    #[test]
    fn c_text_gives_its_defined_types() {
        let text = r#"
#include <linux/bpf.h>
#define DECLARE(x) struct x { int a; }
/* struct in_comment { int a; }; */
// union in_line_comment { int a; };
struct event {
	int pid;
	struct inner { int x; } in;
	char comm[16];
};
struct __attribute__((preserve_access_index)) task_struct { int pid; };
struct only_declared;
struct event *use(struct event *e);
union value { int i; float f; };
enum state { A, B };
typedef unsigned int slot_t;
typedef struct { int a, b; } pair_t, *pair_p;
typedef struct event event_t;
typedef int (*handler_t)(struct event *e, int);
typedef char name_t[16];
typedef __u32 aligned_t __attribute__((aligned(8)));
const char *s = "struct in_string { int x; }";
char c = '{';
int f(void) { struct local_def { int y; } l; return 0; }
"#;
        let found = defined_types(text);
        let expected: Vec<(Tag, String)> = [
            (Tag::Struct, "event"),
            (Tag::Struct, "inner"),
            (Tag::Struct, "task_struct"),
            (Tag::Union, "value"),
            (Tag::Enum, "state"),
            (Tag::Typedef, "slot_t"),
            (Tag::Typedef, "pair_t"),
            (Tag::Typedef, "pair_p"),
            (Tag::Typedef, "event_t"),
            (Tag::Typedef, "handler_t"),
            (Tag::Typedef, "name_t"),
            (Tag::Typedef, "aligned_t"),
            (Tag::Struct, "local_def"),
        ]
        .into_iter()
        .map(|(t, n)| (t, n.to_owned()))
        .collect();
        assert_eq!(found, expected);
    }

    #[test]
    fn any_text_scans_without_panicking() {
        for text in [
            "",
            "struct",
            "typedef",
            "struct x",
            "typedef int",
            "/* open",
            "\"open",
            "'",
            "typedef int (*",
            "struct x {",
            "#",
            "#define a \\",
            "typedef (((",
            "}}}))]]",
            "κόσμε struct é {",
            "typedef struct { ; } ;",
        ] {
            let _ = defined_types(text);
        }
        assert_eq!(
            defined_types("typedef struct x { int a; } y;"),
            [
                (Tag::Typedef, "y".to_owned()),
                (Tag::Struct, "x".to_owned())
            ]
        );
    }
}
