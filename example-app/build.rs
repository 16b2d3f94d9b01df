//! Builds the skeleton of `src/bpf/skel_cc.bpf.c`, and writes the layout of
//! its struct_ops shadow type, taken from the same model the code was
//! generated from, for `example-app layout`.
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use skel_builder::model::{Field, FieldKind, MapKind, Skeleton, Ty, TypeDefKind};

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
    // build() prints the error report itself.
    skel_builder::SkeletonBuilder::new()
        .source(SOURCE)
        .name(NAME)
        .build()
        .map_err(|_| format!("cannot build the skeleton of {SOURCE}"))?;
    // The object build() embedded, read into the model the code was printed
    // from (no code generated again, no files written, nothing printed).
    let object = out_dir.join(format!("{NAME}.bpf.o"));
    let bytes = std::fs::read(&object).map_err(|e| format!("read {}: {e}", object.display()))?;
    let skeleton = skel_builder::read_model(NAME, &object, &bytes).map_err(|e| e.report())?;
    let table = layout_table(&skeleton)?;
    write_if_changed(&out_dir.join(format!("{NAME}.layout.tsv")), &table)
}

/// One line per struct_ops map (`map`), then one per field of its shadow
/// (`field`), tab-separated. See `src/layout.rs` for the reader.
fn layout_table(skel: &Skeleton) -> Result<String, String> {
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
        writeln!(
            out,
            "map\t{}\t{}\t{}\t{}\t{}\t{}",
            map.name, section, ty.name, ty.c_name, def.layout.size, def.layout.align
        )
        .expect("writing to a String");
        for field in &def.fields {
            let (member, representation) = describe(field);
            writeln!(
                out,
                "field\t{member}\t{}\t{}\t{}\t{representation}\t{}\t{}",
                field.c_type.as_deref().unwrap_or("-"),
                field.byte_offset,
                field.size,
                rust_type(skel, &field.ty),
                field.note.as_deref().unwrap_or(""),
            )
            .expect("writing to a String");
        }
    }
    if out.is_empty() {
        return Err(format!("{SOURCE} has no struct_ops map"));
    }
    Ok(out.replace('\r', " "))
}

/// The member's C name (or the Rust name of padding) and how the shadow
/// represents it.
fn describe(field: &Field) -> (&str, &'static str) {
    match &field.kind {
        FieldKind::Padding => (&field.name, "padding"),
        FieldKind::BitfieldStorage => (&field.name, "bitfields"),
        FieldKind::Member { c_name } => (
            c_name,
            match field.ty {
                Ty::ProgramSlot => "program slot",
                Ty::Bytes(_) => "bytes",
                _ => "typed",
            },
        ),
    }
}

/// The field's Rust type as the generated code spells it (short paths).
fn rust_type(skel: &Skeleton, ty: &Ty) -> String {
    match ty {
        Ty::Int(i) => i.rust_name().to_owned(),
        Ty::Float(skel_builder::model::FloatTy::F32) => "f32".to_owned(),
        Ty::Float(skel_builder::model::FloatTy::F64) => "f64".to_owned(),
        Ty::Bool => "CBool".to_owned(),
        Ty::CharArray(n) => format!("CharArray<{n}>"),
        Ty::Enum(r) | Ty::Composite(r) => format!("types::{}", skel.ty(*r).name),
        Ty::Array(inner, n) => format!("[{}; {n}]", rust_type(skel, inner)),
        Ty::Pointer => "OpaquePtr".to_owned(),
        Ty::ProgramSlot => "Option<&Program>".to_owned(),
        Ty::Bytes(n) => format!("[u8; {n}]"),
    }
    .replace('\t', " ")
}

fn write_if_changed(path: &Path, text: &str) -> Result<(), String> {
    if std::fs::read(path).is_ok_and(|old| old == text.as_bytes()) {
        return Ok(());
    }
    std::fs::write(path, text).map_err(|e| format!("write {}: {e}", path.display()))
}
