use super::{Accessors, Ty, TypeRef};

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
    /// `maps.<typed>()`: the typed handle of a BTF-defined map.
    pub typed: Option<String>,
    /// `maps.<get>()` / `maps.<get_mut>()`: a resizable section's last array
    /// as a slice.
    pub array: Option<Accessors>,
    /// `maps.<resize>(len)`: resizes that array.
    pub resize: Option<String>,
    /// `struct_ops.<kernel>()`: the kernel's copy of a struct_ops map.
    pub kernel: Option<String>,
    /// `struct_ops.<clear_missing>()`: clears the members of a struct_ops
    /// map's shadow that the running kernel's struct lacks.
    pub clear_missing: Option<String>,
    /// `struct_ops.<get>()` / `struct_ops.<get_mut>(bool)`: a struct_ops
    /// map's autoattach setting (`get_mut` is the setter).
    pub autoattach: Option<Accessors>,
    /// `skel.<attach>()`: registers this struct_ops map alone.
    pub attach: Option<String>,
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
    Declared {
        value_type: Option<String>,
        /// The typed handle, when BTF (or the build script, for events)
        /// says what the map holds.
        typed: Option<TypedHandle>,
    },
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

/// The typed handle of a map: which `skel_runtime::maps` (or `events`)
/// type, with which Rust types.
#[derive(Clone, Debug, PartialEq)]
pub enum TypedHandle {
    /// Hash, LRU hash, LPM trie and other keyed maps: `maps::Hash`.
    Hash { key: Ty, value: Ty },
    /// An array indexed by `u32`: `maps::Array`.
    Array { value: Ty },
    /// `maps::PerCpuHash`.
    PerCpuHash { key: Ty, value: Ty },
    /// `maps::PerCpuArray`.
    PerCpuArray { value: Ty },
    /// Queue or stack: `maps::Queue`.
    Queue { value: Ty },
    /// Array or hash of maps whose inner maps are `inner`: `maps::MapOfMaps`.
    MapOfMaps { key: Ty, inner: Box<TypedHandle> },
    /// A ring buffer of events: `events::RingBuf`.
    RingBuf { event: Ty },
    /// A perf event array of events: `events::PerfEvents`.
    PerfEvents { event: Ty },
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
