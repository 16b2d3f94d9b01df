//! `__weak` globals overridden by a strong definition, linked in both
//! orders (`bpf/weak_then_strong/`, `bpf/strong_then_weak/`): at open, the
//! typed views lie on the storage the programs use, i.e. at each variable's
//! symbol, with the strong definition's initial value, and writes through
//! them land there in libbpf's buffer.
//!
//! With the weak copy first, libbpf's static linker leaves the variable's
//! DATASEC offset on the dead weak copy; libbpf's own fixed-up BTF shows
//! it, which is what makes the first fixture worth testing.

use std::collections::HashMap;
use std::mem::offset_of;
use std::path::Path;

use object::{Object as _, ObjectSection as _, ObjectSymbol as _};
use skel_runtime::ObjectStorage;
use skel_tests::objects::var_offsets;

/// Each global's symbol in the linked object: (section name, offset).
fn symbols(object: &Path) -> HashMap<String, (String, usize)> {
    let bytes = std::fs::read(object).unwrap();
    let file = object::File::parse(&*bytes).unwrap();
    file.symbols()
        .filter(|s| s.is_global() || s.is_weak())
        .filter_map(|s| {
            let index = s.section_index()?;
            let section = file.section_by_index(index).ok()?.name().ok()?.to_owned();
            Some((s.name().ok()?.to_owned(), (section, s.address() as usize)))
        })
        .collect()
}

/// The symbol's offset of `var`, which must be in `section`.
fn symbol_offset(symbols: &HashMap<String, (String, usize)>, section: &str, var: &str) -> usize {
    let (in_section, offset) = &symbols[var];
    assert_eq!(in_section, section, "{var}");
    *offset
}

macro_rules! weak_strong_tests {
    ($fixture:ident, $skel:ident, $builder:ident, weak_first: $weak_first:expr) => {
        mod $fixture {
            use super::*;
            use skel_tests::$skel::{types, $builder};

            #[test]
            fn views_lie_at_the_symbols() {
                let syms = symbols(&skel_tests::fixture(stringify!($fixture)));
                let at = |section, var| symbol_offset(&syms, section, var);
                assert_eq!(offset_of!(types::data, knob), at(".data", "knob"));
                assert_eq!(offset_of!(types::data, cfg), at(".data", "cfg"));
                assert_eq!(offset_of!(types::rodata, limit), at(".rodata", "limit"));
                assert_eq!(offset_of!(types::bss, zeroed), at(".bss", "zeroed"));
                // Variables defined once are where they always were.
                assert_eq!(
                    offset_of!(types::data, weak_file_only),
                    at(".data", "weak_file_only")
                );
                assert_eq!(
                    offset_of!(types::data, strong_file_only),
                    at(".data", "strong_file_only")
                );
            }

            #[test]
            fn views_show_the_strong_initial_values() {
                let mut storage = ObjectStorage::new();
                let open = $builder::default().open(&mut storage).unwrap();
                let data = open.maps().data();
                assert_eq!(data.knob, 0xbbbb);
                assert_eq!((data.cfg.a, data.cfg.b), (3, 4));
                assert_eq!(data.weak_file_only, 0x11);
                assert_eq!(data.strong_file_only, 0x22);
                let ro = open.maps().rodata();
                assert_eq!(ro.limit, 20);
                assert_eq!((ro.weak_file_ro, ro.strong_file_ro), (0x12, 0x23));
            }

            #[test]
            fn writes_land_at_the_symbols_in_libbpfs_buffer() {
                let syms = symbols(&skel_tests::fixture(stringify!($fixture)));
                let mut storage = ObjectStorage::new();
                let mut open = $builder::default().open(&mut storage).unwrap();
                {
                    let d = open.maps_mut().data();
                    d.knob = 0x0102_0304_0506_0708;
                    d.cfg.a = 0x0a0b_0c0d;
                    d.cfg.b = 0x0e0f;
                }
                open.maps_mut().rodata().limit = 0x7788_99aa;
                open.maps_mut().bss().zeroed = 0x1122_3344_5566_7788;

                let data = open
                    .maps()
                    .data_map()
                    .libbpf()
                    .initial_value()
                    .unwrap()
                    .to_vec();
                let knob = symbol_offset(&syms, ".data", "knob");
                assert_eq!(data[knob..knob + 8], 0x0102_0304_0506_0708u64.to_ne_bytes());
                let cfg = symbol_offset(&syms, ".data", "cfg");
                assert_eq!(data[cfg..cfg + 4], 0x0a0b_0c0du32.to_ne_bytes());
                assert_eq!(data[cfg + 4..cfg + 6], 0x0e0fu16.to_ne_bytes());
                let rodata = open
                    .maps()
                    .rodata_map()
                    .libbpf()
                    .initial_value()
                    .unwrap()
                    .to_vec();
                let limit = symbol_offset(&syms, ".rodata", "limit");
                assert_eq!(rodata[limit..limit + 4], 0x7788_99aau32.to_ne_bytes());
                let bss = open
                    .maps()
                    .bss_map()
                    .libbpf()
                    .initial_value()
                    .unwrap()
                    .to_vec();
                let zeroed = symbol_offset(&syms, ".bss", "zeroed");
                assert_eq!(
                    bss[zeroed..zeroed + 8],
                    0x1122_3344_5566_7788u64.to_ne_bytes()
                );
            }

            /// What libbpf itself makes of the object: with the weak copy
            /// first, its BTF puts the overridden variables elsewhere than
            /// their symbols (on the dead weak copies, holding the weak
            /// initial values); with the strong copy first, both agree.
            #[test]
            fn libbpfs_btf_offsets_against_the_symbols() {
                let syms = symbols(&skel_tests::fixture(stringify!($fixture)));
                let mut storage = ObjectStorage::new();
                let open = $builder::default().open(&mut storage).unwrap();
                let obj = open.as_libbpf_object();
                for (section, var, weak_value) in [
                    (".data", "knob", 0xaaaa_u64.to_ne_bytes().to_vec()),
                    (".data", "cfg", 1u32.to_ne_bytes().to_vec()),
                    (".rodata", "limit", 10u32.to_ne_bytes().to_vec()),
                    (".bss", "zeroed", vec![0; 8]),
                ] {
                    // SAFETY: the object stays open (`open` is alive).
                    let btf = unsafe { var_offsets(obj, section) }[var];
                    let symbol = symbol_offset(&syms, section, var);
                    if !$weak_first {
                        assert_eq!(btf, symbol, "{var}");
                        continue;
                    }
                    assert_ne!(
                        btf, symbol,
                        "{var}: libbpf's linker now puts the BTF offset on the strong copy; \
                         this fixture no longer shows the weak/strong bug"
                    );
                    let map = match section {
                        ".data" => open.maps().data_map(),
                        ".rodata" => open.maps().rodata_map(),
                        _ => open.maps().bss_map(),
                    };
                    let bytes = map.libbpf().initial_value().unwrap().to_vec();
                    assert_eq!(bytes[btf..btf + weak_value.len()], weak_value, "{var}");
                }
            }
        }
    };
}

weak_strong_tests!(
    weak_then_strong,
    weak_then_strong_skel,
    WeakThenStrongSkelBuilder,
    weak_first: true
);
weak_strong_tests!(
    strong_then_weak,
    strong_then_weak_skel,
    StrongThenWeakSkelBuilder,
    weak_first: false
);
