//! `layout` prints the shadow type of the struct_ops map; every row is
//! checked against the BTF of the object the skeleton was built from.

mod common;

use object::{Object as _, ObjectSection as _};
use skel_runtime::KernelMember;
use skel_runtime::skel_btf::{Btf, Kind};

const OBJECT: &str = concat!(env!("OUT_DIR"), "/skel_cc.bpf.o");

#[derive(Debug)]
struct Row {
    member: String,
    c_type: String,
    offset: u64,
    size: u64,
    representation: String,
    rust_type: String,
}

/// The table rows: columns are separated by two spaces or more.
fn rows(text: &str) -> Vec<Row> {
    let mut rows = vec![];
    let mut in_table = false;
    for line in text.lines() {
        let cols: Vec<&str> = line
            .split("  ")
            .map(str::trim)
            .filter(|c| !c.is_empty())
            .collect();
        if cols.first() == Some(&"member") {
            in_table = true;
            continue;
        }
        if !in_table || cols.is_empty() {
            continue;
        }
        let [member, c_type, offset, size, representation, rust_type] = cols.as_slice() else {
            panic!("six columns in {line:?}");
        };
        rows.push(Row {
            member: member.to_string(),
            c_type: c_type.to_string(),
            offset: offset.parse().unwrap(),
            size: size.parse().unwrap(),
            representation: representation.to_string(),
            rust_type: rust_type.to_string(),
        });
    }
    rows
}

/// The members of the object's `struct tcp_congestion_ops`, as libbpf
/// reads them, and its size.
fn btf_members() -> (Vec<KernelMember>, u64) {
    let bytes = std::fs::read(OBJECT).unwrap();
    let elf = object::File::parse(&*bytes).unwrap();
    let section = elf.section_by_name(".BTF").unwrap();
    let btf = Btf::parse(section.data().unwrap()).unwrap();
    let id = btf
        .find("tcp_congestion_ops", |k| matches!(k, Kind::Struct(_)))
        .unwrap();
    let Kind::Struct(ty) = btf.get(id).kind() else {
        unreachable!()
    };
    let members = KernelMember::of_struct(&btf, "tcp_congestion_ops").unwrap();
    assert_eq!(members.len(), ty.members.len(), "no bitfields here");
    (members, u64::from(ty.size))
}

#[test]
fn layout_matches_the_objects_btf() {
    let out = common::run(&["layout"]);
    assert!(out.status.success(), "{}", common::stderr(&out));
    let text = common::stdout(&out);
    let rows = rows(&text);
    let (members, size) = btf_members();
    assert!(
        text.contains("struct_ops map `skel_cc` (section .struct_ops.link)"),
        "{text}"
    );
    assert!(
        text.contains(&format!(
            "`struct tcp_congestion_ops`: {size} bytes, align 8"
        )),
        "{text}"
    );

    // Every BTF member is a row at its offset, with its size.
    for m in &members {
        let name = &m.name;
        let row = rows
            .iter()
            .find(|r| &r.member == name)
            .unwrap_or_else(|| panic!("member `{name}` in {text}"));
        assert_eq!(
            (row.offset, row.size),
            (m.offset as u64, m.size as u64),
            "`{name}`: {text}"
        );
        if m.is_func_ptr {
            assert_eq!(row.representation, "program slot", "{name}");
            assert_eq!(row.rust_type, "skel_runtime::Slot<'obj>", "{name}");
            assert!(row.c_type.contains("(*)"), "{name}: {}", row.c_type);
        } else {
            assert_eq!(row.representation, "typed", "{name}");
        }
    }
    let name = rows.iter().find(|r| r.member == "name").unwrap();
    assert_eq!(
        (name.c_type.as_str(), name.rust_type.as_str()),
        ("char[16]", "skel_runtime::CharArray<16>")
    );
    let flags = rows.iter().find(|r| r.member == "flags").unwrap();
    assert_eq!(
        (flags.c_type.as_str(), flags.rust_type.as_str()),
        ("__u32", "u32")
    );

    // The rest is padding, and the rows tile the struct exactly.
    let mut end = 0;
    for row in &rows {
        assert_eq!(
            row.offset, end,
            "no gap or overlap before `{}`: {text}",
            row.member
        );
        end = row.offset + row.size;
        if !members.iter().any(|m| m.name == row.member) {
            assert_eq!(row.representation, "padding", "{row:?}");
            assert_eq!(row.rust_type, format!("[u8; {}]", row.size));
        }
    }
    assert_eq!(end, size, "rows cover the struct: {text}");
    assert_eq!(
        rows.iter()
            .filter(|r| r.representation == "padding")
            .count(),
        1,
        "the 4 tail bytes after `flags`: {text}"
    );
}
