/// One BPF program (not a `.text` subprogram).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProgDef {
    /// The C function name, which is also libbpf's program name.
    pub name: String,
    /// Accessor name in the generated skeleton (unique among programs).
    pub ident: String,
    /// Its section as libbpf reports it: `SEC("...")` without a leading `?`.
    pub section: String,
    /// A struct_ops program (section `struct_ops/...`, `?struct_ops...`).
    pub struct_ops: bool,
    /// Loaded by default: false for sections starting with `?`.
    pub autoload: bool,
}
