use super::{Accessors, TypeRef};

/// One map, as libbpf creates it at open.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct MapDef {
    /// `bpf_map__name`: the C variable, or libbpf's internal name
    /// (`foo_bpf.bss`, `.rodata.str1.1`).
    pub name: String,
    /// The name the runtime looks the map up by: the C variable, or the ELF
    /// section for internal maps (`.bss`).
    pub lookup_name: String,
    pub kind: MapKind,
    pub map_type: u32,
    pub key_size: u32,
    pub value_size: u32,
    pub max_entries: u32,
    pub map_flags: u32,
    /// Created at load unless the user says otherwise (`?.struct_ops` maps
    /// start with this off).
    pub autocreate: bool,
    /// Its Rust names (set by the naming pass).
    pub idents: MapIdents,
}

/// The Rust names of a map's accessors.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct MapIdents {
    /// `maps.<get>()` / `maps.<get_mut>()`: the libbpf-rs handles.
    pub handle: Accessors,
    /// `maps.<get>()` / `maps.<get_mut>()`: the typed view of a data section.
    pub data: Option<Accessors>,
    /// `struct_ops.<get>()` / `struct_ops.<get_mut>()`: the shadow.
    pub shadow: Option<Accessors>,
    /// Its field in the links container (struct_ops maps).
    pub link: Option<String>,
}

/// Which kind of ELF data section a global-data map holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum DataKind {
    Data,
    Rodata,
    Bss,
}

/// What kind of map it is, with what the skeleton generates for it.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum MapKind {
    /// Declared in `SEC(".maps")`; `value_type` is the C spelling.
    Declared { value_type: Option<String> },
    /// A global-data map for an ELF data section.
    Data {
        section: String,
        kind: DataKind,
        /// libbpf maps it with BPF_F_MMAPABLE (it has a non-static variable),
        /// so it stays addressable after load.
        mmapable: bool,
        /// The typed view of its variables, when BTF describes them.
        ty: Option<TypeRef>,
    },
    /// `.kconfig` externs.
    Kconfig,
    /// A struct_ops map with its shadow type.
    StructOps {
        section: String,
        shadow: TypeRef,
        /// `.struct_ops.link`: attached as a BPF link.
        link: bool,
    },
}
