//! Why BTF cannot be printed as C (what `frontend::vmlinux_h` finds).

use skel_btf::BtfTypeId;

/// Why BTF cannot be printed as C.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum PrintError {
    Cycle {
        type_id: BtfTypeId,
        name: String,
    },
    TooDeep {
        type_id: BtfTypeId,
        name: String,
        limit: usize,
    },
    UnexpectedKind {
        type_id: BtfTypeId,
        kind: &'static str,
    },
    TooLarge {
        type_id: BtfTypeId,
        name: String,
        limit: String,
    },
    HugeGap {
        type_id: BtfTypeId,
        name: String,
        bytes: u64,
        limit: u64,
    },
    BadName {
        type_id: BtfTypeId,
        what: &'static str,
        name: String,
    },
}

impl std::fmt::Display for PrintError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Cycle { type_id, name } => write!(
                f,
                "type {type_id} `{name}` contains itself by value through other types; C cannot declare that"
            ),
            Self::TooDeep {
                type_id,
                name,
                limit,
            } => write!(
                f,
                "type {type_id} `{name}` nests deeper than {limit} levels (a cycle?)"
            ),
            Self::UnexpectedKind { type_id, kind } => write!(
                f,
                "type {type_id}: a {kind} cannot be part of a C declaration"
            ),
            Self::TooLarge {
                type_id,
                name,
                limit,
            } => write!(
                f,
                "type {type_id} `{name}`: printing it takes more than {limit} (types sharing parts without end?)"
            ),
            Self::HugeGap {
                type_id,
                name,
                bytes,
                limit,
            } => write!(
                f,
                "type {type_id} `{name}` has a gap of {bytes} bytes between members; at most {limit} are filled with padding"
            ),
            Self::BadName {
                type_id,
                what,
                name,
            } => write!(f, "type {type_id}: {what} `{name}` is not a C identifier"),
        }
    }
}

impl std::error::Error for PrintError {}
