/// One BPF program (not a `.text` subprogram).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ProgDef {
    /// The C function name, which is also libbpf's program name.
    pub name: String,
    /// Its section as libbpf reports it: `SEC("...")` without a leading `?`.
    pub section: String,
    /// A struct_ops program (section `struct_ops/...`, `?struct_ops...`).
    pub struct_ops: bool,
    /// Loaded by default: false for sections starting with `?`.
    pub autoload: bool,
    /// Marked optional in the build script
    /// (`SkeletonBuilder::optional_programs`): skipped at load when the
    /// running kernel lacks what it needs.
    pub optional: bool,
    /// The kfuncs declared without `__weak` that its code may call
    /// (itself or through subprograms), sorted.
    pub kfuncs: Vec<String>,
    /// The typed `__ksym` variables declared without `__weak` that its
    /// code may use, sorted.
    pub ksyms: Vec<String>,
    /// A `SEC("syscall")` program whose one parameter points to a struct:
    /// that struct's generated type, the context of its typed `run()`.
    pub syscall_ctx: Option<super::TypeRef>,
    /// Its Rust names (set by the naming pass).
    pub idents: ProgIdents,
}

/// The Rust names of a program's accessors.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ProgIdents {
    /// `progs().<access>()` (the token before load, the loaded program
    /// after) and `progs_mut().<access>()`.
    pub access: String,
    /// Its field in the links container (not for struct_ops programs,
    /// which are attached through their maps).
    pub link: Option<String>,
    /// `skel.<attach>()`, with `link`.
    pub attach: Option<String>,
}
