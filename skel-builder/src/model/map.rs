use super::{Ty, TypeRef};

/// One map, as libbpf creates it at open.
#[derive(Clone, Debug, PartialEq)]
pub struct MapDef {
    /// `bpf_map__name`: the C variable, or libbpf's internal name
    /// (`foo_bpf.bss`, `.rodata.str1.1`).
    pub name: String,
    /// The name the runtime looks the map up by: the C variable, or the ELF
    /// section for internal maps (`.bss`).
    pub lookup_name: String,
    /// Accessor name in the generated skeleton (unique among maps).
    pub ident: String,
    pub kind: MapKind,
    pub map_type: u32,
    pub key_size: u32,
    pub value_size: u32,
    pub max_entries: u32,
    pub map_flags: u32,
    /// Created at load unless the user says otherwise (`?.struct_ops` maps
    /// start with this off).
    pub autocreate: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DataKind {
    Data,
    Rodata,
    Bss,
}

#[derive(Clone, Debug, PartialEq)]
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
        /// The array libbpf can resize the section by, when its last
        /// variable is one.
        resizable: Option<ResizableArray>,
    },
    /// `.kconfig` externs.
    Kconfig,
    /// A struct_ops map with its shadow type.
    StructOps {
        section: String,
        shadow: TypeRef,
        /// The kernel struct it fills (`tcp_congestion_ops`): the BPF
        /// struct's name without a `___flavor` suffix, as libbpf finds it.
        kernel_struct: String,
        /// `.struct_ops.link`: attached as a BPF link.
        link: bool,
    },
}

/// The last variable of a data section, when it is an array:
/// `bpf_map__set_value_size` resizes the section so that this array holds
/// as many elements as fit (libbpf checks the element size and rewrites
/// the array's length in the object's BTF). sched_ext schedulers size
/// their exit-dump buffer and per-CPU arrays this way before load.
#[derive(Clone, Debug, PartialEq)]
pub struct ResizableArray {
    /// The C variable.
    pub var: String,
    pub byte_offset: u64,
    /// The element's field type (`u8` for `char` arrays, `[u8; N]` when the
    /// array itself fell back to bytes).
    pub elem: Ty,
    /// C size of one element; never 0.
    pub elem_size: u64,
    /// The length declared in C.
    pub len: u64,
}
