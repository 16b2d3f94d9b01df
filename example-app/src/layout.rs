//! `layout`: the shadow type of the struct_ops map, as the generator laid
//! it out. The build script writes the table from skel-builder's model (the
//! one the skeleton's code was printed from); this module only prints it.

/// Written by build.rs: a `map` line per struct_ops map, then a `field`
/// line per field of its shadow type, tab-separated.
const TABLE: &str = include_str!(concat!(env!("OUT_DIR"), "/skel_cc.layout.tsv"));

struct Row<'a> {
    member: &'a str,
    c_type: &'a str,
    offset: &'a str,
    size: &'a str,
    representation: &'a str,
    rust_type: &'a str,
    note: &'a str,
}

pub fn print() {
    let mut rows: Vec<Row<'_>> = vec![];
    for line in TABLE.lines() {
        let cols: Vec<&str> = line.split('\t').collect();
        match cols.as_slice() {
            ["map", map, section, rust, c_name, size, align] => {
                print_rows(&rows);
                rows.clear();
                println!("struct_ops map `{map}` (section {section})");
                println!("shadow type `types::{rust}` for `{c_name}`: {size} bytes, align {align}");
                println!();
            }
            [
                "field",
                member,
                c_type,
                offset,
                size,
                representation,
                rust_type,
                note,
            ] => {
                rows.push(Row {
                    member,
                    c_type,
                    offset,
                    size,
                    representation,
                    rust_type,
                    note,
                });
            }
            _ => {}
        }
    }
    print_rows(&rows);
}

fn print_rows(rows: &[Row<'_>]) {
    if rows.is_empty() {
        return;
    }
    let header = Row {
        member: "member",
        c_type: "C type",
        offset: "offset",
        size: "size",
        representation: "representation",
        rust_type: "Rust type",
        note: "",
    };
    let width = |f: for<'r> fn(&'r Row<'_>) -> &'r str| {
        rows.iter()
            .chain(std::iter::once(&header))
            .map(|r| f(r).len())
            .max()
            .unwrap_or(0)
    };
    let w = [
        width(|r| r.member),
        width(|r| r.c_type),
        width(|r| r.offset),
        width(|r| r.size),
        width(|r| r.representation),
    ];
    for r in std::iter::once(&header).chain(rows) {
        println!(
            "{:<w0$}  {:<w1$}  {:>w2$}  {:>w3$}  {:<w4$}  {}",
            r.member,
            r.c_type,
            r.offset,
            r.size,
            r.representation,
            r.rust_type,
            w0 = w[0],
            w1 = w[1],
            w2 = w[2],
            w3 = w[3],
            w4 = w[4],
        );
    }
    let notes: Vec<&Row<'_>> = rows.iter().filter(|r| !r.note.is_empty()).collect();
    if !notes.is_empty() {
        println!();
        for r in notes {
            println!("note: `{}`: {}", r.member, r.note);
        }
    }
}
