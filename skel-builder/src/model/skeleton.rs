use super::{MapDef, ProgDef, TypeDef, TypeRef};

/// Everything generated for one BPF object.
#[derive(Clone, Debug, PartialEq)]
pub struct Skeleton {
    /// The skeleton's name (`foo` gives `FooSkel`); a valid identifier.
    pub name: String,
    /// The object name handed to libbpf at open (it prefixes internal map
    /// names); at most 15 bytes.
    pub object_name: String,
    /// Where the generated code finds the object's bytes.
    pub object_path: ObjectPath,
    /// Maps in libbpf's creation order.
    pub maps: Vec<MapDef>,
    /// Programs in libbpf's order (section index, then offset).
    pub progs: Vec<ProgDef>,
    /// Every generated Rust type, in a stable order.
    pub types: Vec<TypeDef>,
    /// Fallbacks taken while translating (a member kept as bytes, ...).
    pub warnings: Vec<Warning>,
    /// The object has a `.BTF` section. Without one, data sections are
    /// maps without a typed view, and nothing needs BTF (no `.maps`, no
    /// struct_ops, no externs).
    pub has_btf: bool,
}

impl Skeleton {
    pub fn ty(&self, r: TypeRef) -> &TypeDef {
        &self.types[r.0]
    }
}

/// Where the object file is, for `include_bytes!`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ObjectPath {
    /// A file in the build script's `OUT_DIR`: the generated code says
    /// `concat!(env!("OUT_DIR"), "/<file>")`, so it reads the same anywhere.
    OutDir(String),
    /// Any other path, as given: absolute, or relative to the generated
    /// file (as `include_bytes!` resolves it, also through `include!`).
    Path(String),
}

/// A place where the generator fell back to a less typed representation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Warning {
    /// C spelling of the type, or the data section.
    pub type_name: String,
    pub field: String,
    pub reason: String,
}
