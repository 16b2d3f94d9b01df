use std::fmt;

/// Errors of generated skeletons.
#[derive(thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    #[error("libbpf failed to open BPF object `{object}`")]
    Open {
        object: String,
        #[source]
        source: libbpf_rs::Error,
    },

    #[error(
        "BPF object `{object}` has no {what} `{name}`; the skeleton does not match the object \
         (rebuild so skel-builder regenerates it)"
    )]
    Missing {
        object: String,
        what: &'static str,
        name: String,
    },

    #[error(
        "map `{map}`: libbpf holds {actual} bytes at {address:#x}, but the generated type `{type_name}` \
         expects {expected} bytes with alignment {align}; refusing to lay it over the map"
    )]
    LayoutMismatch {
        map: String,
        type_name: &'static str,
        expected: usize,
        align: usize,
        actual: usize,
        address: usize,
    },

    #[error(
        "struct_ops map `{map}`, member `{field}`: `{program}` is not a struct_ops program of this \
         skeleton's object; only this object's struct_ops programs can fill its slots"
    )]
    ForeignProgram {
        map: String,
        field: String,
        program: String,
    },

    #[error(
        "struct_ops map `{map}`, member `{field}` holds program `{program}`, but its autoload was \
         turned off; clear the slot (set it to None) or leave autoload alone"
    )]
    SlotProgramNotLoaded {
        map: String,
        field: String,
        program: String,
    },

    #[error("libbpf failed to load BPF object `{object}`{hint}")]
    Load {
        object: String,
        hint: &'static str,
        #[source]
        source: std::io::Error,
    },

    #[error("failed to attach {what} `{name}`")]
    Attach {
        what: &'static str,
        name: String,
        #[source]
        source: std::io::Error,
    },

    #[error("cannot read back struct_ops `{structure}` from the kernel: {what}")]
    ReadBack { structure: String, what: String },

    #[error("map `{map}`: {op} failed")]
    MapOp {
        map: String,
        op: &'static str,
        #[source]
        source: std::io::Error,
    },

    #[error(
        "map `{map}`: its {what} is {actual} bytes, but the typed handle's {what} type is {expected} bytes \
         (was the map resized through its raw handle?); use the raw handle for this map"
    )]
    MapTypeSize {
        map: String,
        what: &'static str,
        expected: usize,
        actual: usize,
    },

    #[error("per-CPU map `{map}`: {actual} values given, one per possible CPU ({expected}) needed")]
    PerCpuCount {
        map: String,
        expected: usize,
        actual: usize,
    },

    #[error(
        "map `{map}`: an event of {actual} bytes is shorter than its type `{type_name}` ({expected} bytes)"
    )]
    ShortEvent {
        map: String,
        type_name: &'static str,
        expected: usize,
        actual: usize,
    },

    #[error(transparent)]
    Libbpf(#[from] libbpf_rs::Error),
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use std::error::Error as _;
        write!(f, "{self}")?;
        let mut cause = self.source();
        while let Some(c) = cause {
            write!(f, "\n\nCaused by:\n    {c}")?;
            cause = c.source();
        }
        Ok(())
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
