//! [`Problem`]: what is wrong in an object, or in what the build script
//! asks of it (types, event maps, optional programs), reported together in
//! [`Error::Object`].

use super::*;

/// One problem found in an object. All problems of a phase are reported at
/// once.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Problem {
    /// A program function declared `static`: libbpf loads only global
    /// functions.
    StaticProgram {
        /// The section holding it.
        section: String,
        /// The function's symbol name.
        program: String,
    },

    /// An ELF symbol whose bytes do not lie within its section.
    SymbolOutsideSection {
        /// The symbol's section.
        section: String,
        /// The symbol's name.
        symbol: String,
        /// Its offset in the section, in bytes.
        offset: u64,
        /// Its size in bytes.
        size: u64,
        /// The section's size in bytes.
        section_size: u64,
    },

    /// A global whose offset and size put it outside its data section.
    VarOutsideSection {
        /// The data section (`.data`, `.rodata`, `.bss`, ...).
        section: String,
        /// The variable's name.
        var: String,
        /// Its offset in the section, in bytes.
        offset: u64,
        /// Its size in bytes.
        size: u64,
        /// The section's size in bytes.
        section_size: u64,
    },

    /// A global the DATASEC's BTF lists but the ELF symbol table does not.
    VarWithoutSymbol {
        /// The data section.
        section: String,
        /// The variable's name.
        var: String,
    },

    /// A global of a linked object whose symbol (the storage its programs
    /// use) is not where the DATASEC's BTF puts it, and cannot be viewed
    /// there either. libbpf's static linker leaves the BTF offset on a dead
    /// `__weak` copy when a strong definition comes in a later file; the
    /// view follows the symbol unless it lies in another section or
    /// overlaps another variable.
    LinkedVarMoved {
        /// The data section.
        section: String,
        /// The variable's name.
        var: String,
        /// Its offset in the section by BTF, in bytes.
        btf_offset: u64,
        /// Its symbol's offset in the section, in bytes.
        symbol_offset: u64,
        /// Where the symbol's copy is: `in section `.bss``, `where it
        /// overlaps `x``.
        reason: String,
    },

    /// A DATASEC entry whose type is not a `VAR`.
    NotAVar {
        /// The data section.
        section: String,
        /// The BTF type the entry points to.
        type_id: BtfTypeId,
        /// That type's kind (`struct`, `func`, ...).
        kind: &'static str,
    },

    /// A data or struct_ops section the object's BTF has no DATASEC for.
    NoDatasec {
        /// The section's name.
        section: String,
    },

    /// A struct_ops map whose BTF type is not a struct.
    StructOpsNotStruct {
        /// The map's name.
        map: String,
        /// Its type, spelled as in C.
        type_name: String,
        /// Its type's BTF id.
        type_id: BtfTypeId,
    },

    /// A struct_ops map whose struct has no name: libbpf finds the kernel's
    /// struct by name.
    StructOpsAnonymous {
        /// The map's name.
        map: String,
        /// Its struct's BTF id.
        type_id: BtfTypeId,
    },

    /// A struct_ops slot whose relocation points to a symbol that is not a
    /// program.
    StructOpsBadSlot {
        /// The map's name.
        map: String,
        /// The slot's member name.
        field: String,
        /// The slot's offset in the struct, in bytes.
        offset: u64,
        /// The symbol it points to.
        symbol: String,
    },

    /// A struct_ops slot holding a program that is not in a `struct_ops`
    /// section; libbpf refuses the object at open.
    StructOpsSlotNotStructOps {
        /// The map's name.
        map: String,
        /// The slot's member name.
        field: String,
        /// The program it holds.
        program: String,
        /// That program's section.
        section: String,
    },

    /// A map in `SEC(".maps")` whose definition is not a struct.
    MapDefNotStruct {
        /// The map's name.
        map: String,
        /// The definition's type, spelled as in C.
        type_name: String,
    },

    /// A map definition field that is not a pointer to an array, the shape
    /// `__uint`/`__type` give.
    MapDefBadField {
        /// The map's name.
        map: String,
        /// The field's name (`type`, `max_entries`, ...).
        field: String,
    },

    /// A relocation naming a symbol index past the end of the symbol table.
    RelocationBadSymbol {
        /// The section the relocation applies to.
        section: String,
        /// Where it applies, in bytes from the section's start.
        offset: u64,
        /// The symbol index it names.
        symbol: usize,
        /// How many symbols the table has.
        count: usize,
    },

    /// The relocations of a section could not be read.
    BadRelocations {
        /// The section they apply to.
        section: String,
        /// Why, as the ELF reader says it.
        reason: String,
    },

    /// Two struct_ops maps whose bytes overlap in their section.
    StructOpsOverlap {
        /// The later map's name.
        map: String,
        /// The map it overlaps.
        other: String,
    },

    /// A data section larger than a map value can be (`u32::MAX` bytes).
    SectionTooLarge {
        /// The section's name.
        section: String,
        /// Its size in bytes.
        size: u64,
    },

    /// Two ELF sections with one name.
    DuplicateSection {
        /// The name.
        section: String,
    },

    /// Two maps with one name.
    DuplicateMap {
        /// The name.
        name: String,
    },

    /// A member of a struct or union that cannot be given a Rust field.
    BadMember {
        /// The struct or union, spelled as in C.
        type_name: String,
        /// Its BTF id.
        type_id: BtfTypeId,
        /// The member's name (`(anon #N)` for an anonymous member).
        field: String,
        /// What is wrong with it.
        reason: String,
    },

    /// A type whose BTF cannot be read or laid out.
    BadType {
        /// The type, spelled as in C.
        type_name: String,
        /// Its BTF id.
        type_id: BtfTypeId,
        /// What is wrong with it.
        source: BtfError,
    },

    /// A type nesting others by value deeper than the generator follows.
    TooDeep {
        /// The type, spelled as in C.
        type_name: String,
        /// Its BTF id.
        type_id: BtfTypeId,
        /// How many levels are followed.
        limit: usize,
    },

    /// The object declares maps in the legacy `maps` section, which libbpf
    /// 1.0 and later do not load.
    LegacyMaps,

    /// A type the build script names, with [`crate::SkeletonBuilder::types`]
    /// or as the event type of a map with
    /// [`crate::SkeletonBuilder::event_type`], that the object's BTF does not
    /// define.
    UnknownType {
        /// The setter that names it: `.types`, `.event_type`,
        /// `.map_key_type`, `.map_value_type`.
        setter: &'static str,
        /// The map the setter names; `None` for `.types`.
        event_map: Option<String>,
        /// The type as the build script spells it.
        spelling: String,
        /// BTF holds only a forward declaration of it (`struct x;`): the
        /// sources use or declare it but define it nowhere. (The builder
        /// declares every `struct`, `union` and `enum` the build script
        /// names, so that their definitions reach BTF.)
        declared_only: bool,
        /// The closest type the object defines, spelled as the build script
        /// would (`struct event`, `pid_t`).
        suggestion: Option<String>,
    },

    /// [`crate::SkeletonBuilder::event_type`] names a map the object does
    /// not have.
    NoEventMap {
        /// The map the setter names.
        map: String,
        /// The closest name among `event_maps`.
        suggestion: Option<String>,
        /// The object's ring buffers and perf event arrays.
        event_maps: Vec<String>,
    },

    /// [`crate::SkeletonBuilder::event_type`] names a map that is not a
    /// ring buffer or perf event array.
    NotAnEventMap {
        /// The map the setter names.
        map: String,
        /// Its type (`BPF_MAP_TYPE_HASH`).
        map_type: String,
        /// The object's ring buffers and perf event arrays.
        event_maps: Vec<String>,
    },

    /// [`crate::SkeletonBuilder::map_key_type`] or
    /// [`crate::SkeletonBuilder::map_value_type`] names a map the object
    /// does not declare (data sections and `.kconfig` are not candidates).
    NoTypedMap {
        /// `.map_key_type` or `.map_value_type`.
        setter: &'static str,
        /// The map the setter names.
        map: String,
        /// The closest name among `maps`.
        suggestion: Option<String>,
        /// The maps the object declares.
        maps: Vec<String>,
    },

    /// `.map_key_type`/`.map_value_type` for a map whose key or value BTF
    /// already types (`__type(key, T)`).
    MapTypeInBtf {
        /// `.map_key_type` or `.map_value_type`.
        setter: &'static str,
        /// The map the setter names.
        map: String,
        /// `key` or `value`.
        role: &'static str,
        /// The type BTF gives it.
        btf_type: String,
    },

    /// `.map_key_type`/`.map_value_type` names a type whose size is not the
    /// map's `key_size`/`value_size`.
    MapTypeSize {
        /// `.map_key_type` or `.map_value_type`.
        setter: &'static str,
        /// The map the setter names.
        map: String,
        /// `key` or `value`.
        role: &'static str,
        /// The type as the build script spells it.
        spelling: String,
        /// Its size in bytes.
        type_size: u64,
        /// The map's key or value size in bytes.
        map_size: u32,
    },

    /// A map typed by `.map_key_type` or `.map_value_type` whose other half
    /// has no type (neither BTF nor the build script gives one).
    MapTypeHalf {
        /// The map's name.
        map: String,
        /// `key` or `value`.
        missing: &'static str,
    },

    /// `.map_key_type`/`.map_value_type` for a map of a type without typed
    /// handles (only arrays, hashes, their per-CPU and LRU forms, LPM
    /// tries, queues and stacks have them).
    MapTypeUnsupported {
        /// The map the setter names.
        map: String,
        /// Its type (`BPF_MAP_TYPE_RINGBUF`).
        map_type: String,
    },

    /// [`crate::SkeletonBuilder::optional_programs`] names a program the
    /// object does not have.
    NoProgram {
        /// The name as the build script gives it.
        program: String,
        /// The closest program name of the object.
        suggestion: Option<String>,
        /// How many programs the object has.
        count: usize,
    },

    /// [`crate::SkeletonBuilder::optional_programs`] names a struct_ops
    /// program: those load exactly when a slot of their map holds them.
    OptionalStructOps {
        /// The program's name.
        program: String,
    },
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::StaticProgram { section, program } => write!(
                f,
                "section `{section}`: program `{program}` is static; libbpf only loads global functions"
            ),
            Self::SymbolOutsideSection {
                section,
                symbol,
                offset,
                size,
                section_size,
            } => write!(
                f,
                "section `{section}`: symbol `{symbol}` at {offset}+{size} lies outside the section ({section_size} bytes)"
            ),
            Self::VarOutsideSection {
                section,
                var,
                offset,
                size,
                section_size,
            } => write!(
                f,
                "data section `{section}`: variable `{var}` at {offset}+{size} lies outside the section ({section_size} bytes)"
            ),
            Self::VarWithoutSymbol { section, var } => write!(
                f,
                "data section `{section}`: variable `{var}` has no ELF symbol"
            ),
            Self::LinkedVarMoved {
                section,
                var,
                btf_offset,
                symbol_offset,
                reason,
            } => write!(
                f,
                "data section `{section}`: variable `{var}` is at byte {btf_offset} by BTF, but \
                 the programs use its symbol's copy at byte {symbol_offset}, {reason}; libbpf's \
                 linker leaves BTF on the dead copy when a `__weak` definition comes before the \
                 strong one\nhint: give the file with the strong definition first"
            ),
            Self::NotAVar {
                section,
                type_id,
                kind,
            } => write!(
                f,
                "data section `{section}`: BTF entry {type_id} is a {kind}, not a VAR"
            ),
            Self::NoDatasec { section } => {
                write!(f, "section `{section}` has no BTF DATASEC describing it")
            }
            Self::StructOpsNotStruct {
                map,
                type_name,
                type_id,
            } => write!(
                f,
                "struct_ops map `{map}`: its type `{type_name}` {type_id} is not a struct"
            ),
            Self::StructOpsAnonymous { map, type_id } => write!(
                f,
                "struct_ops map `{map}`: its struct type {type_id} is anonymous; libbpf needs a named struct"
            ),
            Self::StructOpsBadSlot {
                map,
                field,
                offset,
                symbol,
            } => write!(
                f,
                "struct_ops map `{map}`: slot `{field}` at byte {offset} points to `{symbol}`, which is not a program"
            ),
            Self::StructOpsSlotNotStructOps {
                map,
                field,
                program,
                section,
            } => write!(
                f,
                "struct_ops map `{map}`: member `{field}` points to program `{program}` of section \
                 `{section}`, which is not a struct_ops program; libbpf refuses the object at open\n\
                 hint: put `{program}` in SEC(\"struct_ops/{program}\")"
            ),
            Self::MapDefNotStruct { map, type_name } => {
                write!(f, "map `{map}`: definition `{type_name}` is not a struct")
            }
            Self::MapDefBadField { map, field } => write!(
                f,
                "map `{map}`: field `{field}` must be a pointer to an array (use __uint/__type)"
            ),
            Self::RelocationBadSymbol {
                section,
                offset,
                symbol,
                count,
            } => write!(
                f,
                "relocation at byte {offset} of section `{section}` refers to symbol {symbol}, but the symbol table has only {count}"
            ),
            Self::BadRelocations { section, reason } => {
                write!(f, "relocations of section `{section}`: {reason}")
            }
            Self::StructOpsOverlap { map, other } => write!(
                f,
                "struct_ops map `{map}` shares bytes with struct_ops map `{other}`"
            ),
            Self::SectionTooLarge { section, size } => write!(
                f,
                "section `{section}` is {size} bytes; a map value holds at most 4294967295"
            ),
            Self::DuplicateSection { section } => write!(
                f,
                "two sections are named `{section}`; maps and BTF are found by section name"
            ),
            Self::DuplicateMap { name } => write!(f, "two maps are named `{name}`"),
            Self::BadMember {
                type_name,
                type_id,
                field,
                reason,
            } => write!(
                f,
                "type `{type_name}` {type_id}, member `{field}`: {reason}"
            ),
            Self::BadType {
                type_name,
                type_id,
                source,
            } => write!(f, "type `{type_name}` {type_id}: {source}"),
            Self::TooDeep {
                type_name,
                type_id,
                limit,
            } => write!(
                f,
                "type `{type_name}` {type_id} nests deeper than {limit} levels"
            ),
            Self::LegacyMaps => f.write_str(
                "legacy `maps` section: libbpf 1.0 and later only load maps declared in SEC(\".maps\")",
            ),
            Self::UnknownType {
                setter,
                event_map,
                spelling,
                declared_only,
                suggestion,
            } => {
                match event_map {
                    Some(map) => write!(f, "`{setter}` of map `{map}`: ")?,
                    None => write!(f, "`{setter}`: ")?,
                }
                if *declared_only {
                    write!(
                        f,
                        "`{spelling}` is only declared (a forward declaration), never defined"
                    )?;
                } else {
                    write!(f, "`{spelling}` is not in the object's BTF")?;
                }
                match suggestion {
                    Some(s) => write!(f, "; did you mean `{s}`?"),
                    None if !declared_only && !is_tagged(spelling) => f.write_str(
                        "; a typedef reaches BTF only when a global, a map or a function \
                         signature uses it",
                    ),
                    None => Ok(()),
                }
            }
            Self::NoEventMap {
                map,
                suggestion,
                event_maps,
            } => {
                write!(f, "`.event_type`: there is no map `{map}`")?;
                match suggestion {
                    Some(s) => write!(f, "; did you mean `{s}`?"),
                    None => write!(f, "; {}", EventMaps(event_maps)),
                }
            }
            Self::NotAnEventMap {
                map,
                map_type,
                event_maps,
            } => write!(
                f,
                "`.event_type`: map `{map}` is a {map_type}; only ring buffers and perf event \
                 arrays carry events ({})",
                EventMaps(event_maps)
            ),
            Self::NoTypedMap {
                setter,
                map,
                suggestion,
                maps,
            } => {
                write!(f, "`{setter}`: there is no map `{map}`")?;
                match suggestion {
                    Some(s) => write!(f, "; did you mean `{s}`?"),
                    None if maps.is_empty() => f.write_str("; the object declares no maps"),
                    None => write!(f, "; the object's maps: `{}`", maps.join("`, `")),
                }
            }
            Self::MapTypeInBtf {
                setter,
                map,
                role,
                btf_type,
            } => write!(
                f,
                "`{setter}` of map `{map}`: its {role} is already typed by BTF (`{btf_type}`); \
                 `{setter}` is for maps declared with `__uint({role}_size, N)`"
            ),
            Self::MapTypeSize {
                setter,
                map,
                role,
                spelling,
                type_size,
                map_size,
            } => write!(
                f,
                "`{setter}` of map `{map}`: `{spelling}` is {type_size} bytes, but the map's \
                 {role}_size is {map_size} bytes"
            ),
            Self::MapTypeHalf { map, missing } => write!(
                f,
                "map `{map}`: its {missing} has no type (neither BTF nor the build script gives \
                 one); name it with `.map_{missing}_type(\"{map}\", ..)`"
            ),
            Self::MapTypeUnsupported { map, map_type } => write!(
                f,
                "map `{map}` is a {map_type}: only arrays, hashes (per-CPU and LRU too), LPM \
                 tries, queues and stacks get typed handles from `.map_key_type`/`.map_value_type`"
            ),
            Self::NoProgram {
                program,
                suggestion,
                count,
            } => {
                write!(f, "`.optional_programs`: there is no program `{program}`")?;
                match (suggestion, count) {
                    (Some(s), _) => write!(f, "; did you mean `{s}`?"),
                    (None, 0) => f.write_str("; the object has no programs"),
                    (None, _) => f.write_str(
                        "; name programs by their C function name (libbpf's program name)",
                    ),
                }
            }
            Self::OptionalStructOps { program } => write!(
                f,
                "`.optional_programs`: `{program}` is a struct_ops program, which loads exactly \
                 when a slot of its struct_ops map holds it; to go without it on kernels that \
                 lack what it needs, clear its slot through the shadow before load"
            ),
        }
    }
}

impl std::error::Error for Problem {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::BadType { source, .. } => Some(source),
            Self::StaticProgram { .. }
            | Self::SymbolOutsideSection { .. }
            | Self::VarOutsideSection { .. }
            | Self::VarWithoutSymbol { .. }
            | Self::LinkedVarMoved { .. }
            | Self::NotAVar { .. }
            | Self::NoDatasec { .. }
            | Self::StructOpsNotStruct { .. }
            | Self::StructOpsAnonymous { .. }
            | Self::StructOpsBadSlot { .. }
            | Self::StructOpsSlotNotStructOps { .. }
            | Self::MapDefNotStruct { .. }
            | Self::MapDefBadField { .. }
            | Self::RelocationBadSymbol { .. }
            | Self::BadRelocations { .. }
            | Self::StructOpsOverlap { .. }
            | Self::SectionTooLarge { .. }
            | Self::DuplicateSection { .. }
            | Self::DuplicateMap { .. }
            | Self::BadMember { .. }
            | Self::TooDeep { .. }
            | Self::LegacyMaps
            | Self::UnknownType { .. }
            | Self::NoEventMap { .. }
            | Self::NotAnEventMap { .. }
            | Self::NoTypedMap { .. }
            | Self::MapTypeInBtf { .. }
            | Self::MapTypeSize { .. }
            | Self::MapTypeHalf { .. }
            | Self::MapTypeUnsupported { .. }
            | Self::NoProgram { .. }
            | Self::OptionalStructOps { .. } => None,
        }
    }
}

/// Something in an object that libbpf cannot use without the object's BTF.
/// Programs, `.data`/`.rodata`/`.bss` sections (as untyped maps) and an
/// empty object need none.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum NeedsBtf {
    /// A map declared in `SEC(".maps")`: its definition is BTF.
    DeclaredMap {
        /// The map's name.
        map: String,
    },
    /// A struct_ops map: its type is BTF.
    StructOpsMap {
        /// The map's name.
        map: String,
        /// Its section (`.struct_ops`, `.struct_ops.link`).
        section: String,
    },
    /// An extern (`.kconfig`, `.ksyms`): libbpf finds its type in BTF.
    Extern {
        /// The extern's name.
        name: String,
    },
}

impl fmt::Display for NeedsBtf {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::DeclaredMap { map } => write!(f, "map `{map}` (SEC(\".maps\"))"),
            Self::StructOpsMap { map, section } => {
                write!(f, "struct_ops map `{map}` (section `{section}`)")
            }
            Self::Extern { name } => write!(f, "extern `{name}`"),
        }
    }
}

impl std::error::Error for NeedsBtf {}

pub(super) struct List<'a>(pub(super) &'a [NeedsBtf]);

impl fmt::Display for List<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, item) in self.0.iter().enumerate() {
            match i {
                0 => {}
                i if i + 1 == self.0.len() => f.write_str(" and ")?,
                _ => f.write_str(", ")?,
            }
            write!(f, "{item}")?;
        }
        Ok(())
    }
}

/// Whether a type spelling names a tag (`struct x`, `union x`, `enum x`).
pub(super) fn is_tagged(spelling: &str) -> bool {
    matches!(
        spelling.split_whitespace().next(),
        Some("struct" | "union" | "enum")
    )
}

/// How many names a list in a message shows before counting the rest.
pub(super) const LISTED: usize = 10;

/// The ring buffers and perf event arrays of an object, for a message.
pub(super) struct EventMaps<'a>(&'a [String]);

impl fmt::Display for EventMaps<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let quoted: Vec<String> = self
            .0
            .iter()
            .take(LISTED)
            .map(|m| format!("`{m}`"))
            .collect();
        match (quoted.as_slice(), self.0.len()) {
            ([], _) => f.write_str("there is no ring buffer or perf event array"),
            ([one], 1) => write!(f, "the only ring buffer or perf event array is {one}"),
            (shown, n) if n > LISTED => write!(
                f,
                "the ring buffers and perf event arrays are {} and {} more",
                shown.join(", "),
                n - LISTED
            ),
            ([rest @ .., last], _) => write!(
                f,
                "the ring buffers and perf event arrays are {} and {last}",
                rest.join(", ")
            ),
        }
    }
}
