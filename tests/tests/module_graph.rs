//! No module cycles between the top-level modules of skel-builder and
//! skel-runtime: each crate's stages depend one way (README,
//! "Architecture"). The test reads the sources, takes every `crate::` and
//! `super::` path outside comments and unit tests, resolves it to the
//! top-level module it names, and fails on any strongly connected group of
//! more than one module, naming the `use` lines that close each cycle.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// An edge `from -> to` and where it was seen (`file:line`).
type Edges = BTreeMap<(String, String), Vec<String>>;

#[test]
fn skel_builder_has_no_module_cycles() {
    assert_acyclic("skel-builder");
}

#[test]
fn skel_runtime_has_no_module_cycles() {
    assert_acyclic("skel-runtime");
}

/// The parser finds the edges it should: a grouped `use`, a `super::` from
/// a nested file, a comment and a test module ignored.
#[test]
fn the_parser_reads_grouped_uses_and_super_paths() {
    let text = "use crate::{a, b::{c, d}, self as e};\n\
                // use crate::commented;\n\
                fn f() { crate::f::g(); super::super::h::i(); }\n\
                #[cfg(test)]\nmod tests {\n    use crate::tested;\n}\n";
    let found: BTreeSet<String> = paths_in(text, &["x".to_owned(), "y".to_owned()])
        .into_iter()
        .map(|(top, _)| top)
        .collect();
    let want: BTreeSet<String> = ["a", "b", "f", "h"].map(str::to_owned).into();
    assert_eq!(found, want);
}

fn assert_acyclic(krate: &str) {
    let src = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join(krate)
        .join("src");
    let edges = edges(&src);
    assert!(!edges.is_empty(), "no module edges found under {src:?}");
    let cycles = cycles(&edges);
    let mut report = String::new();
    for group in &cycles {
        report.push_str(&format!("cycle among {group:?}:\n"));
        for ((from, to), at) in &edges {
            if group.contains(from) && group.contains(to) {
                report.push_str(&format!("  {from} -> {to}: {}\n", at.join(", ")));
            }
        }
    }
    assert!(
        cycles.is_empty(),
        "{krate}: module cycles (make the lower module not name the upper one, \
         or move the shared item down):\n{report}"
    );
}

/// Every `.rs` file under `dir`.
fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("read {dir:?}: {e}"))
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The module path of a file under `src`: `a/b.rs` and `a/b/mod.rs` are
/// `[a, b]`; `lib.rs` is the root, `[]`.
fn module_path(src: &Path, file: &Path) -> Vec<String> {
    let rel = file.strip_prefix(src).unwrap();
    let mut parts: Vec<String> = rel
        .iter()
        .map(|p| p.to_string_lossy().into_owned())
        .collect();
    let last = parts.pop().unwrap();
    let stem = last.trim_end_matches(".rs");
    if stem != "mod" && stem != "lib" {
        parts.push(stem.to_owned());
    }
    parts
}

fn edges(src: &Path) -> Edges {
    let mut all = vec![];
    files(src, &mut all);
    let mut edges = Edges::new();
    for file in all {
        let path = module_path(src, &file);
        let Some(from) = path.first() else {
            continue; // lib.rs: the root re-exports, it is no stage
        };
        let text = std::fs::read_to_string(&file).unwrap();
        for (to, line) in paths_in(&text, &path) {
            if &to != from {
                let at = format!("{}:{line}", file.strip_prefix(src).unwrap().display());
                edges.entry((from.clone(), to)).or_default().push(at);
            }
        }
    }
    edges
}

/// The top-level modules the paths in `text` (a file of module `path`)
/// name, with their line numbers. Skips comments, `$crate` (a macro's
/// expansion site decides) and everything from `#[cfg(test)]` on (unit
/// tests sit at the end of a file).
fn paths_in(text: &str, path: &[String]) -> Vec<(String, usize)> {
    let mut out = vec![];
    for (i, line) in text.lines().enumerate() {
        if line.trim_start().starts_with("#[cfg(test)]") {
            break;
        }
        let code = line.split("//").next().unwrap_or("");
        let mut rest = code;
        while let Some(at) = find_root(rest) {
            let (kind, after) = at;
            rest = after;
            let tops: Vec<String> = match kind {
                Root::Crate => first_segments(after),
                Root::Super(depth) => {
                    let Some(base) = path.len().checked_sub(depth) else {
                        continue;
                    };
                    if base > 0 {
                        vec![path[0].clone()]
                    } else {
                        first_segments(after)
                    }
                }
            };
            out.extend(tops.into_iter().map(|t| (t, i + 1)));
        }
    }
    out
}

enum Root {
    Crate,
    /// `super::` this many times.
    Super(usize),
}

/// The next `crate::` or `super::` path in `text` (not `$crate::`), and
/// the text after its root.
fn find_root(text: &str) -> Option<(Root, &str)> {
    let mut from = 0;
    loop {
        let rest = &text[from..];
        let c = rest.find("crate::");
        let s = rest.find("super::");
        let (at, is_crate) = match (c, s) {
            (None, None) => return None,
            (Some(c), Some(s)) if c < s => (c, true),
            (Some(c), None) => (c, true),
            (_, Some(s)) => (s, false),
        };
        let start = from + at;
        let before = text[..start].chars().next_back();
        if before.is_some_and(|b| b.is_alphanumeric() || b == '_' || b == '$') {
            from = start + 7;
            continue;
        }
        if is_crate {
            return Some((Root::Crate, &text[start + 7..]));
        }
        let mut depth = 0;
        let mut after = &text[start..];
        while let Some(next) = after.strip_prefix("super::") {
            depth += 1;
            after = next;
        }
        return Some((Root::Super(depth), after));
    }
}

/// The first segment of the path at the start of `text`, or of each path
/// in a `{...}` group (`self` and `*` name no module).
fn first_segments(text: &str) -> Vec<String> {
    let ident = |t: &str| -> String {
        t.trim_start()
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect()
    };
    let mut out = vec![];
    if let Some(group) = text.trim_start().strip_prefix('{') {
        let mut depth = 0;
        let mut item = String::new();
        for c in group.chars() {
            match c {
                '{' => depth += 1,
                '}' if depth == 0 => break,
                '}' => depth -= 1,
                ',' if depth == 0 => {
                    out.push(ident(&item));
                    item.clear();
                    continue;
                }
                _ => {}
            }
            if depth == 0 || item.is_empty() {
                item.push(c);
            }
        }
        out.push(ident(&item));
    } else {
        out.push(ident(text));
    }
    out.retain(|s| !s.is_empty() && s != "self");
    out
}

/// The strongly connected groups of more than one module (Tarjan).
fn cycles(edges: &Edges) -> Vec<BTreeSet<String>> {
    let mut graph: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for (from, to) in edges.keys() {
        graph.entry(from).or_default().push(to);
        graph.entry(to).or_default();
    }
    struct State<'a> {
        index: BTreeMap<&'a str, usize>,
        low: BTreeMap<&'a str, usize>,
        stack: Vec<&'a str>,
        on_stack: BTreeSet<&'a str>,
        groups: Vec<BTreeSet<String>>,
    }
    fn visit<'a>(v: &'a str, graph: &BTreeMap<&'a str, Vec<&'a str>>, st: &mut State<'a>) {
        let n = st.index.len();
        st.index.insert(v, n);
        st.low.insert(v, n);
        st.stack.push(v);
        st.on_stack.insert(v);
        for &w in &graph[v] {
            if !st.index.contains_key(w) {
                visit(w, graph, st);
                let low = st.low[v].min(st.low[w]);
                st.low.insert(v, low);
            } else if st.on_stack.contains(w) {
                let low = st.low[v].min(st.index[w]);
                st.low.insert(v, low);
            }
        }
        if st.low[v] == st.index[v] {
            let mut group = BTreeSet::new();
            while let Some(w) = st.stack.pop() {
                st.on_stack.remove(w);
                group.insert(w.to_owned());
                if w == v {
                    break;
                }
            }
            if group.len() > 1 {
                st.groups.push(group);
            }
        }
    }
    let mut st = State {
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: vec![],
        on_stack: BTreeSet::new(),
        groups: vec![],
    };
    for &v in graph.keys() {
        if !st.index.contains_key(v) {
            visit(v, &graph, &mut st);
        }
    }
    st.groups
}
