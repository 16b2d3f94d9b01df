//! Why BTF cannot be printed as C (what `frontend::vmlinux_h` finds).

use skel_btf::BtfTypeId;

/// Why BTF cannot be printed as C.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum PrintError {
    /// A type that contains itself by value through other types.
    Cycle {
        /// The type's BTF id.
        type_id: BtfTypeId,
        /// Its name; empty when anonymous.
        name: String,
    },
    /// A type whose declaration nests deeper than the printer follows.
    TooDeep {
        /// The type's BTF id.
        type_id: BtfTypeId,
        /// Its name; empty when anonymous.
        name: String,
        /// How many levels are followed.
        limit: usize,
    },
    /// A BTF kind met where a C declaration cannot hold it.
    UnexpectedKind {
        /// The type's BTF id.
        type_id: BtfTypeId,
        /// Its kind (`datasec`, `func`, ...).
        kind: &'static str,
    },
    /// Printing took more steps or bytes than the printer allows.
    TooLarge {
        /// The type being printed.
        type_id: BtfTypeId,
        /// Its name; empty when anonymous.
        name: String,
        /// The limits passed, in words (`N steps or M bytes`).
        limit: String,
    },
    /// A struct with a gap between members too large to fill with padding.
    HugeGap {
        /// The struct's BTF id.
        type_id: BtfTypeId,
        /// Its name; empty when anonymous.
        name: String,
        /// The gap, in bytes.
        bytes: u64,
        /// The largest gap filled, in bytes.
        limit: u64,
    },
    /// A name in BTF that is not a C identifier.
    BadName {
        /// The type it belongs to.
        type_id: BtfTypeId,
        /// What the name is (`type name`, `member name`, `enumerator`, ...).
        what: &'static str,
        /// The name as BTF spells it.
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
