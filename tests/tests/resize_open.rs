//! Resizing data sections before load (no kernel needed): the array at a
//! section's end is a slice of its new length, the typed view still covers
//! the section's start, libbpf's BTF follows, and a section too small for
//! its view is an error value, not a panic.

use libbpf_rs::btf::Btf;
use libbpf_rs::btf::types::{Array, DataSec, Var};
use skel_runtime::{Error, ObjectStorage, ViewProblem};
use skel_tests::resize_skel::{OpenResizeSkel, ResizeSkelBuilder};

/// The declared length of the last array of section `section`, as libbpf's
/// BTF of the open object now says.
fn btf_len(open: &OpenResizeSkel<'_>, section: &str) -> usize {
    // SAFETY: the object is open and lives as long as `open`.
    let obj = unsafe { &*open.as_libbpf_object() };
    let btf = Btf::from_bpf_object(obj)
        .unwrap()
        .expect("the object has BTF");
    let sec: DataSec<'_> = btf.type_by_name(section).expect("its DATASEC");
    let last = sec.iter().last().expect("a variable");
    let var: Var<'_> = btf.type_by_id(last.ty).expect("a VAR");
    let ty = var
        .next_type()
        .expect("the VAR's type")
        .skip_mods_and_typedefs();
    Array::try_from(ty).expect("an array").capacity()
}

fn sizes(open: &OpenResizeSkel<'_>) -> (u32, u32) {
    (
        open.maps().data_slots_map().value_size(),
        open.maps().data_dump_map().value_size(),
    )
}

#[test]
fn declared_sections_have_their_declared_length() {
    let mut storage = ObjectStorage::new();
    let open = ResizeSkelBuilder::default().open(&mut storage).unwrap();
    assert_eq!(open.maps().data_slots().array().unwrap().len(), 1);
    assert_eq!(open.maps().data_dump().array().unwrap().len(), 1);
    assert_eq!(open.maps().data_slots().data().unwrap().generation, 7);
    // The slice starts at the array: its element is the view's `slots[0]`.
    let view_addr = std::ptr::from_ref(&open.maps().data_slots().data().unwrap().slots[0]);
    assert_eq!(
        open.maps().data_slots().array().unwrap().as_ptr(),
        view_addr
    );
    assert_eq!(sizes(&open), (8 + 16, 1));
}

#[test]
fn growing_keeps_values_moves_memory_and_keeps_the_view() {
    let mut storage = ObjectStorage::new();
    let mut open = ResizeSkelBuilder::default().open(&mut storage).unwrap();
    open.maps_mut().data_slots().data_mut().unwrap().generation = 11;
    open.maps_mut().data_slots().array_mut().unwrap()[0].tag = 0x5a;
    let before = open.maps().data_slots().array().unwrap().as_ptr() as usize;

    // Past a page: libbpf maps new memory and copies what fits.
    open.maps_mut().data_slots().resize(512).unwrap();
    open.maps_mut().data_dump().resize(4096).unwrap();

    let slots = open.maps().data_slots().array().unwrap();
    assert_eq!(slots.len(), 512);
    assert_eq!(slots[0].tag, 0x5a, "the first element kept its value");
    assert!(slots[1..].iter().all(|s| s.calls == 0 && s.tag == 0));
    assert_ne!(
        slots.as_ptr() as usize,
        before,
        "libbpf moved the memory; the slice followed"
    );
    assert_eq!(open.maps().data_dump().array().unwrap().len(), 4096);
    assert_eq!(sizes(&open), (8 + 512 * 16, 4096));
    assert_eq!(btf_len(&open, ".data.slots"), 512);
    assert_eq!(btf_len(&open, ".data.dump"), 4096);

    // The typed view is still laid over the start, at the new address.
    let view = open.maps().data_slots().data().unwrap();
    assert_eq!(view.generation, 11);
    assert_eq!(view.slots[0].tag, 0x5a);
    // Both reach the same memory.
    open.maps_mut().data_slots().array_mut().unwrap()[511].pid = 4242;
    open.maps_mut().data_slots().data_mut().unwrap().slots[0].pid = 17;
    let slots = open.maps().data_slots().array().unwrap();
    assert_eq!((slots[0].pid, slots[511].pid), (17, 4242));
    let mut dump = open.maps_mut().data_dump();
    let dump = dump.array_mut().unwrap();
    dump[4095] = b'!';
    assert_eq!(open.maps().data_dump().array().unwrap()[4095], b'!');
    // .rodata did not move with it.
    open.maps_mut().rodata().nr_slots = 64;
    assert_eq!(open.maps().rodata().nr_slots, 64);
}

#[test]
fn shrinking_below_the_view_is_an_error_value_until_grown_again() {
    let mut storage = ObjectStorage::new();
    let mut open = ResizeSkelBuilder::default().open(&mut storage).unwrap();
    open.maps_mut().data_slots().resize(0).unwrap();
    assert_eq!(sizes(&open).0, 8);
    assert_eq!(btf_len(&open, ".data.slots"), 0);
    assert!(open.maps().data_slots().array().unwrap().is_empty());

    let err = open.maps().data_slots().data().unwrap_err();
    let text = err.to_string();
    match &err {
        Error::View {
            skeleton,
            map,
            problem: ViewProblem::TooSmall { actual, needed },
            ..
        } => {
            assert_eq!((*skeleton, map.as_str()), ("resize", ".data.slots"));
            assert_eq!((*actual, *needed), (8, 24));
        }
        other => panic!("{other}"),
    }
    assert!(
        text.contains("`.data.slots`") && text.contains("resize it to at least 24 bytes"),
        "{text}"
    );
    assert!(open.maps_mut().data_slots().data_mut().is_err());

    open.maps_mut().data_slots().resize(2).unwrap();
    let view = open.maps().data_slots().data().unwrap();
    assert_eq!(view.generation, 7, "the shrink kept the first bytes");
}

#[test]
fn impossible_sizes_are_refused_with_the_reason() {
    let mut storage = ObjectStorage::new();
    let mut open = ResizeSkelBuilder::default().open(&mut storage).unwrap();
    let err = open.maps_mut().data_dump().resize(0).unwrap_err();
    assert_eq!(err.raw_os_error(), Some(libc::EINVAL));
    assert!(err.to_string().contains("0 bytes"), "{err}");

    let err = open
        .maps_mut()
        .data_slots()
        .resize(usize::MAX / 8)
        .unwrap_err();
    assert_eq!(err.raw_os_error(), Some(libc::E2BIG));
    let text = err.to_string();
    assert!(
        text.starts_with("skeleton `resize`, map `.data.slots`: cannot resize `slots`"),
        "{text}"
    );
    // Nothing changed.
    assert_eq!(open.maps().data_slots().array().unwrap().len(), 1);
}

/// The view of a section whose last variable is no array is unchanged, and
/// the generated code offers no resize for it: `data_fixed()` is a plain
/// `&mut` of its type, not a `SectionMut` (see
/// tests/expected/resize.skel.rs).
#[test]
fn a_section_ending_in_a_scalar_keeps_its_view() {
    let mut storage = ObjectStorage::new();
    let mut open = ResizeSkelBuilder::default().open(&mut storage).unwrap();
    open.maps_mut().data_fixed().after = 3;
    assert_eq!(open.maps().data_fixed().after, 3);
}
