use super::{Ty, TypeRef};

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
    /// What kind of map it is, with what the skeleton generates for it.
    pub kind: MapKind,
    /// `BPF_MAP_TYPE_*`, as the kernel numbers it.
    pub map_type: u32,
    /// Key size in bytes (4 for data sections, `.kconfig` and struct_ops
    /// maps).
    pub key_size: u32,
    /// Value size in bytes (a data section's size, a struct_ops struct's).
    pub value_size: u32,
    /// `max_entries` as declared (a ring buffer's size in bytes; 0 lets
    /// libbpf size a perf event array by the CPUs); 1 for data sections,
    /// `.kconfig` and struct_ops maps.
    pub max_entries: u32,
    /// `BPF_F_*` flags libbpf creates it with.
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
    /// `maps().<access>()` / `maps_mut().<access>()`: what users reach for
    /// most: a data section's typed view, a BTF-defined map's typed handle
    /// after load, or the map handle.
    pub access: String,
    /// `maps().<handle>()`: the map handle of a data section, beside its
    /// view (`bss_map`); `None` where `access` is the handle.
    pub handle: Option<String>,
    /// The live view type of a data section after load, with its variable
    /// accessors; `None` for sections BPF programs cannot write or that are
    /// not mapped after load.
    pub live: Option<LiveIdents>,
    /// struct_ops maps: the accessors of `struct_ops()` / `struct_ops_mut()`
    /// and the skeleton's `attach_<map>()`.
    pub struct_ops: Option<StructOpsIdents>,
    /// Its field in the links container (struct_ops maps).
    pub link: Option<String>,
}

/// The names around one struct_ops map.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct StructOpsIdents {
    /// `struct_ops().<shadow>()`, `struct_ops_mut().<shadow>()`.
    pub shadow: String,
    /// `struct_ops().<autoattach>()`.
    pub autoattach: String,
    /// `struct_ops_mut().<set_autoattach>(bool)`.
    pub set_autoattach: String,
    /// `struct_ops_mut().<clear_missing>()`.
    pub clear_missing: String,
    /// `struct_ops().<read_back>()`: the kernel's copy.
    pub read_back: String,
    /// `skel.<attach>()`.
    pub attach: String,
}

/// A data section's live view after load.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct LiveIdents {
    /// The generated view type (`BssLive`).
    pub type_name: String,
    /// One per variable (member field of the section's struct), in field
    /// order: the field's index, its getter, and its setter (`None` for a
    /// resizable section's last array, which is a slice).
    pub vars: Vec<LiveVar>,
}

/// One variable of a live view.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct LiveVar {
    /// The index of the variable's field in the section's struct.
    pub field: usize,
    /// Rust name of the view's method reading it.
    pub getter: String,
    /// Rust name of the view's method writing it (`set_<getter>`); `None`
    /// for a resizable section's last array, read as a slice.
    pub setter: Option<String>,
}

/// Which kind of ELF data section a global-data map holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum DataKind {
    /// `.data` and `.data.*`: initialized, writable.
    Data,
    /// `.rodata` and `.rodata.*`: read-only for BPF programs, frozen at load.
    Rodata,
    /// `.bss` and `.bss.*`: zero-initialized, writable.
    Bss,
}

/// What kind of map it is, with what the skeleton generates for it.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum MapKind {
    /// Declared in `SEC(".maps")`; `value_type` is the C spelling.
    Declared {
        /// The value's C type, when BTF gives one.
        value_type: Option<String>,
        /// The typed handle, when BTF (or the build script, for events)
        /// says what the map holds.
        typed: Option<TypedHandle>,
    },
    /// A global-data map for an ELF data section.
    Data {
        /// The ELF section (`.bss`, `.rodata.str1.1`).
        section: String,
        /// Which kind of section it is.
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
    /// `.kconfig` externs, with the type of their read-only view after
    /// load (`None` without BTF).
    Kconfig {
        /// The view's generated type; `None` without BTF.
        ty: Option<TypeRef>,
    },
    /// A struct_ops map with its shadow type.
    StructOps {
        /// The ELF section (`.struct_ops`, `.struct_ops.link`).
        section: String,
        /// The generated shadow of its struct.
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
    Hash {
        /// The key's Rust type.
        key: Ty,
        /// The value's Rust type.
        value: Ty,
    },
    /// An array indexed by `u32`: `maps::Array`.
    Array {
        /// The value's Rust type.
        value: Ty,
    },
    /// `maps::PerCpuHash`.
    PerCpuHash {
        /// The key's Rust type.
        key: Ty,
        /// One CPU's value's Rust type.
        value: Ty,
    },
    /// `maps::PerCpuArray`.
    PerCpuArray {
        /// One CPU's value's Rust type.
        value: Ty,
    },
    /// Queue or stack: `maps::Queue`.
    Queue {
        /// The value's Rust type.
        value: Ty,
    },
    /// Array or hash of maps whose inner maps are `inner`: `maps::MapOfMaps`.
    MapOfMaps {
        /// The key's Rust type.
        key: Ty,
        /// The typed handle of the inner maps.
        inner: Box<TypedHandle>,
    },
    /// A ring buffer of events: `events::RingBuf`.
    RingBuf {
        /// The event's Rust type.
        event: Ty,
    },
    /// A perf event array of events: `events::PerfEvents`.
    PerfEvents {
        /// The event's Rust type.
        event: Ty,
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
    /// Offset of the array in the section, in bytes.
    pub byte_offset: u64,
    /// The element's field type (`u8` for `char` arrays, `[u8; N]` when the
    /// array itself fell back to bytes).
    pub elem: Ty,
    /// C size of one element; never 0.
    pub elem_size: u64,
    /// The length declared in C.
    pub len: u64,
}
