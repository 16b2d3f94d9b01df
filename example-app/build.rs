//! Builds the skeleton of `src/bpf/skel_cc.bpf.c`, and writes the layout of
//! its struct_ops shadow type, described from the same model the code was
//! generated from, as the text `example-app layout` prints.
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use skel_builder::model::{Field, FieldKind, MapKind, Skeleton, StructDef, Ty, TypeDefKind};

const SOURCE: &str = "src/bpf/skel_cc.bpf.c";
const NAME: &str = "skel_cc";

fn main() {
    if let Err(message) = run() {
        eprintln!("example-app build: {message}");
        std::process::exit(1);
    }
}

fn run() -> Result<(), String> {
    let out_dir = PathBuf::from(std::env::var_os("OUT_DIR").ok_or("OUT_DIR is not set")?);
    // build() prints the error report itself, and returns the model the
    // code was printed from.
    let built = skel_builder::SkeletonBuilder::new()
        .source(SOURCE)
        .name(NAME)
        .build()
        .map_err(|_| format!("cannot build the skeleton of {SOURCE}"))?;
    let skeleton = built.skeleton.ok_or("build() generated no model")?;
    let text = layout_text(&skeleton)?;
    write_if_changed(&out_dir.join(format!("{NAME}.layout.txt")), &text)
}

/// For each struct_ops map: a heading, then a table of its shadow's
/// fields, then notes on fields kept as bytes.
fn layout_text(skel: &Skeleton) -> Result<String, String> {
    let mut out = String::new();
    for map in &skel.maps {
        let MapKind::StructOps {
            section, shadow, ..
        } = &map.kind
        else {
            continue;
        };
        let ty = skel.ty(*shadow);
        let TypeDefKind::Struct(def) = &ty.kind else {
            return Err(format!("shadow of `{}` is not a struct", map.name));
        };
        if !out.is_empty() {
            out.push('\n');
        }
        writeln!(out, "struct_ops map `{}` (section {section})", map.name).unwrap();
        writeln!(
            out,
            "shadow type `types::{}` for `{}`: {} bytes, align {}",
            ty.name, ty.c_name, def.layout.size, def.layout.align
        )
        .unwrap();
        out.push('\n');
        table(&mut out, skel, def);
    }
    if out.is_empty() {
        return Err(format!("{SOURCE} has no struct_ops map"));
    }
    Ok(out)
}

/// The columns of one row: member, C type, offset, size, representation,
/// Rust type.
type Row = [String; 6];

fn table(out: &mut String, skel: &Skeleton, def: &StructDef) {
    let header = [
        "member",
        "C type",
        "offset",
        "size",
        "representation",
        "Rust type",
    ];
    let mut rows: Vec<Row> = vec![header.map(str::to_owned)];
    let mut notes = vec![];
    for field in &def.fields {
        let (member, representation) = describe(field);
        rows.push([
            member.to_owned(),
            field.c_type.clone().unwrap_or_else(|| "-".to_owned()),
            field.byte_offset.to_string(),
            field.size.to_string(),
            representation.to_owned(),
            skel.rust_type(&field.ty),
        ]);
        if let Some(note) = &field.note {
            notes.push(format!("note: `{member}`: {note}"));
        }
    }
    let width = |col: usize| rows.iter().map(|r| r[col].len()).max().unwrap_or(0);
    let w = [width(0), width(1), width(2), width(3), width(4)];
    for [member, c_type, offset, size, representation, rust_type] in &rows {
        writeln!(
            out,
            "{member:<w0$}  {c_type:<w1$}  {offset:>w2$}  {size:>w3$}  {representation:<w4$}  {rust_type}",
            w0 = w[0],
            w1 = w[1],
            w2 = w[2],
            w3 = w[3],
            w4 = w[4],
        )
        .unwrap();
    }
    if !notes.is_empty() {
        out.push('\n');
        for note in notes {
            writeln!(out, "{note}").unwrap();
        }
    }
}

/// The member's C name (or the Rust name of padding) and how the shadow
/// represents it.
fn describe(field: &Field) -> (&str, &'static str) {
    match &field.kind {
        FieldKind::Member { c_name } => (
            c_name,
            match field.ty {
                Ty::ProgramSlot => "program slot",
                Ty::Bytes(_) => "bytes",
                _ => "typed",
            },
        ),
        FieldKind::Padding => (&field.name, "padding"),
        FieldKind::BitfieldStorage => (&field.name, "bitfields"),
        _ => (&field.name, "other"),
    }
}

fn write_if_changed(path: &Path, text: &str) -> Result<(), String> {
    if std::fs::read(path).is_ok_and(|old| old == text.as_bytes()) {
        return Ok(());
    }
    std::fs::write(path, text).map_err(|e| format!("write {}: {e}", path.display()))
}
