use super::{Layout, MapDef, ProgDef, TargetLayout, Ty, TypeDef, TypeDefKind, TypeRef};

/// Everything generated for one BPF object.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
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
    /// The Rust names of the skeleton's own items (set by the naming pass).
    pub idents: SkelIdents,
    /// The layout rules of the target the code is generated for.
    pub target: TargetLayout,
}

impl Skeleton {
    /// The generated type a [`TypeRef`] points at.
    pub fn ty(&self, r: TypeRef) -> &TypeDef {
        &self.types[r.0]
    }

    /// Size and alignment of a field type, as the generated Rust type has
    /// them.
    pub fn layout_of(&self, ty: &Ty) -> Layout {
        ty.layout(&self.types, &self.target)
    }

    /// A field type spelled as Rust, as the generated code has it
    /// (`u64`, `skel_runtime::CharArray<16>`, `skel_runtime::Slot<'obj>`,
    /// `[u8; 4]`, a generated type's name): see [`Ty::rust_spelling`].
    pub fn rust_type(&self, ty: &Ty) -> String {
        ty.rust_spelling(&self.types)
    }

    /// The struct definition behind a type reference, if it is a struct or
    /// union.
    pub fn struct_def(&self, r: TypeRef) -> Option<&super::StructDef> {
        match &self.ty(r).kind {
            TypeDefKind::Struct(s) => Some(s),
            TypeDefKind::Enum(_) | TypeDefKind::Alias { .. } => None,
        }
    }
}

/// The Rust names of a skeleton's items.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct SkelIdents {
    /// The private module holding everything (re-exported).
    pub module: String,
    /// `FooSkelBuilder`.
    pub builder: String,
    /// `OpenFooSkel`.
    pub open_skel: String,
    /// `FooSkel`.
    pub skel: String,
    // The views: maps, programs and struct_ops of each stage, shared and
    // exclusive.
    /// `OpenFooMaps`.
    pub open_maps: String,
    /// `OpenFooMapsMut`.
    pub open_maps_mut: String,
    /// `FooMaps`.
    pub maps: String,
    /// `OpenFooProgs`.
    pub open_progs: String,
    /// `OpenFooProgsMut`.
    pub open_progs_mut: String,
    /// `FooProgs`.
    pub progs: String,
    /// `FooProgsMut`.
    pub progs_mut: String,
    /// `OpenFooStructOps`.
    pub open_struct_ops: String,
    /// `OpenFooStructOpsMut`.
    pub open_struct_ops_mut: String,
    /// `FooStructOps`.
    pub struct_ops: String,
    /// `FooStructOpsMut`.
    pub struct_ops_mut: String,
    /// `FooLinks`.
    pub links: String,
    /// The owned open skeleton, `OwnedOpenFooSkel`.
    pub owned_open: String,
    /// The owned loaded skeleton, `OwnedFooSkel`.
    pub owned: String,
    /// `open.<fill_kernel_consts>()`: fills the `.rodata` constants named
    /// after kernel enum constants; for skeletons with a `.rodata` section.
    pub fill_kernel_consts: Option<String>,
}

impl SkelIdents {
    /// The names the skeleton's module declares beside the object's own
    /// types: the builder, skeletons, views, links and owned aliases, and
    /// the `OBJECT` and `SPEC` constants. Live view types must not take
    /// one of them.
    pub fn module_items(&self) -> [&str; 19] {
        [
            &self.builder,
            &self.open_skel,
            &self.skel,
            &self.open_maps,
            &self.open_maps_mut,
            &self.maps,
            &self.open_progs,
            &self.open_progs_mut,
            &self.progs,
            &self.progs_mut,
            &self.open_struct_ops,
            &self.open_struct_ops_mut,
            &self.struct_ops,
            &self.struct_ops_mut,
            &self.links,
            &self.owned_open,
            &self.owned,
            "OBJECT",
            "SPEC",
        ]
    }
}

/// Where the object file is, for `include_bytes!`.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
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
#[non_exhaustive]
pub struct Warning {
    /// C spelling of the type, or the data section.
    pub type_name: String,
    /// The C member or variable (`(anon #N)` for an anonymous member),
    /// the role (`key`, `value`, `event`) for a map's type, or empty when
    /// the whole type fell back (a typedef).
    pub field: String,
    /// What the generator did instead, and why.
    pub reason: String,
}
