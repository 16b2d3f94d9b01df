use super::*;
use crate::testing::BtfWriter;

const FWD: u32 = 7;
const TYPE_TAG: u32 = 18;

fn c(w: &BtfWriter) -> String {
    print(&w.finish(), "", "").unwrap()
}

/// `needle` occurs in `text`, and before `later` if given.
fn has(text: &str, needle: &str) {
    assert!(text.contains(needle), "no `{needle}` in:\n{text}");
}

fn before(text: &str, first: &str, second: &str) {
    let a = text
        .find(first)
        .unwrap_or_else(|| panic!("no `{first}` in:\n{text}"));
    let b = text
        .find(second)
        .unwrap_or_else(|| panic!("no `{second}` in:\n{text}"));
    assert!(a < b, "`{first}` comes after `{second}` in:\n{text}");
}

#[test]
fn by_value_members_are_defined_first_pointers_get_forward_declarations() {
    let mut w = BtfWriter::new();
    let int = w.int("int", 4, true);
    // struct list { struct list *next; struct item *item; }
    // struct item { int v; }   struct holder { struct list l; }
    let list_ptr = w.ptr(BtfTypeId(4));
    let item_ptr = w.ptr(BtfTypeId(5));
    let list = w.struct_(
        "list",
        16,
        &[("next", list_ptr, 0, 0), ("item", item_ptr, 64, 0)],
    );
    assert_eq!(list, BtfTypeId(4));
    let item = w.struct_("item", 4, &[("v", int, 0, 0)]);
    assert_eq!(item, BtfTypeId(5));
    w.struct_("holder", 16, &[("l", list, 0, 0)]);
    let text = c(&w);
    has(
        &text,
        "struct item;\n\nstruct list {\n\tstruct list *next;\n\tstruct item *item;\n};",
    );
    before(&text, "struct list {", "struct holder {");
    assert!(
        !text.contains("struct list;"),
        "no forward declaration of itself:\n{text}"
    );
}

#[test]
fn typedef_cycles_through_pointers_compile() {
    let mut w = BtfWriter::new();
    // typedef struct node node_t; struct node { node_t *next; }
    let node_t = w.typedef("node_t", BtfTypeId(3));
    let p = w.ptr(node_t);
    let node = w.struct_("node", 8, &[("next", p, 0, 0)]);
    assert_eq!(node, BtfTypeId(3));
    let text = c(&w);
    has(
        &text,
        "struct node;\n\ntypedef struct node node_t;\n\nstruct node {\n\tnode_t *next;\n};",
    );
}

#[test]
fn a_struct_containing_itself_by_value_is_an_error() {
    let mut w = BtfWriter::new();
    let arr = w.array(BtfTypeId(2), BtfTypeId(0), 1);
    w.struct_("loop", 8, &[("self", arr, 0, 0)]);
    let err = print(&w.finish(), "", "").unwrap_err();
    assert!(matches!(err, PrintError::Cycle { .. }), "{err}");
}

#[test]
fn pointer_cycles_are_cut_off() {
    let mut w = BtfWriter::new();
    // [1] ptr -> [2], [2] ptr -> [1]
    w.ptr(BtfTypeId(2));
    w.ptr(BtfTypeId(1));
    let err = print(&w.finish(), "", "").unwrap_err();
    assert!(matches!(err, PrintError::TooDeep { .. }), "{err}");
}

#[test]
fn prototypes_sharing_parts_without_end_are_cut_off() {
    let mut w = BtfWriter::new();
    let int = w.int("int", 4, true);
    // Each prototype takes the next one twice, 40 deep: 2^40 walks.
    let mut proto = w.func_proto(int, &[int]);
    for _ in 0..40 {
        proto = w.func_proto(int, &[proto, proto]);
    }
    let p = w.ptr(proto);
    w.struct_("s", 8, &[("f", p, 0, 0)]);
    let err = print(&w.finish(), "", "").unwrap_err();
    assert!(matches!(err, PrintError::TooLarge { .. }), "{err}");
}

#[test]
fn huge_gaps_are_refused() {
    let mut w = BtfWriter::new();
    let int = w.int("int", 4, true);
    w.struct_("far", u32::MAX, &[("a", int, 0, 0)]);
    let err = print(&w.finish(), "", "").unwrap_err();
    assert!(matches!(err, PrintError::HugeGap { .. }), "{err}");
}

#[test]
fn same_names_are_numbered_per_namespace() {
    let mut w = BtfWriter::new();
    let int = w.int("int", 4, true);
    let long = w.int("long int", 8, true);
    w.struct_("foo", 4, &[("a", int, 0, 0)]);
    w.struct_("foo", 8, &[("b", long, 0, 0)]);
    // A typedef may share a struct's name: another namespace.
    w.typedef("foo", int);
    // A union shares the tag namespace with structs.
    w.union_("foo", 4, &[("u", int, 0, 0)]);
    let text = c(&w);
    has(&text, "struct foo {\n\tint a;\n};");
    has(&text, "struct foo___2 {\n\tlong int b;\n};");
    has(&text, "typedef int foo;");
    has(&text, "union foo___3 {\n\tint u;\n};");
}

#[test]
fn declarators_of_function_pointers_and_arrays() {
    let mut w = BtfWriter::new();
    let int = w.int("int", 4, true);
    let ch = w.char_();
    let proto = w.func_proto(int, &[ch, BtfTypeId(0)]);
    let fp = w.ptr(proto);
    let fps = w.array(fp, int, 3);
    let void_proto = w.func_proto(BtfTypeId(0), &[]);
    let vfp = w.ptr(void_proto);
    let cint = w.const_(int);
    let pcint = w.ptr(cint);
    let cp = w.const_(pcint);
    let grid = w.array(int, int, 4);
    let grid = w.array(grid, int, 2);
    let pgrid = w.ptr(grid);
    // A function returning a pointer to a function.
    let ret_fp = w.func_proto(fp, &[int]);
    let fp_ret_fp = w.ptr(ret_fp);
    w.struct_(
        "s",
        80,
        &[
            ("handlers", fps, 0, 0),
            ("done", vfp, 192, 0),
            ("p", cp, 256, 0),
            ("grid", grid, 320, 0),
            ("pg", pgrid, 576, 0),
            ("pick", fp_ret_fp, 576, 0),
        ],
    );
    let text = c(&w);
    has(&text, "\tint (*handlers[3])(char, ...);");
    has(&text, "\tvoid (*done)(void);");
    has(&text, "\tconst int * const p;");
    has(&text, "\tint grid[2][4];");
    has(&text, "\tint (*pg)[2][4];");
    has(&text, "\tint (* (*pick)(int))(char, ...);");
}

#[test]
fn packed_over_aligned_and_bitfields_keep_their_offsets() {
    let mut w = BtfWriter::new();
    let ch = w.char_();
    let int = w.int("int", 4, true);
    let uint = w.int("unsigned int", 4, false);
    let long = w.int("long int", 8, true);
    // struct p { char c; int x; } __packed: x at byte 1.
    w.struct_("p", 5, &[("c", ch, 0, 0), ("x", int, 8, 0)]);
    // An over-aligned struct: 8 bytes used, 64 long.
    w.struct_("big", 64, &[("v", long, 0, 0)]);
    // Bitfields, with a gap before `b` and a member after them.
    w.struct_(
        "bits",
        8,
        &[
            ("a", uint, 0, 3),
            ("b", uint, 8, 5),
            ("c", ch, 16, 0),
            ("d", int, 32, 0),
        ],
    );
    let text = c(&w);
    has(
        &text,
        "struct p {\n\tchar c;\n\tint x;\n} __attribute__((packed));",
    );
    has(
        &text,
        "struct big {\n\tlong int v;\n\tlong: 64;\n\tlong: 64;",
    );
    has(
        &text,
        "\tunsigned int a: 3;\n\tchar: 5;\n\tunsigned int b: 5;\n\tchar c;\n\tint d;",
    );
}

#[test]
fn anonymous_types_are_inline_and_top_level_anonymous_enums_stand_alone() {
    let mut w = BtfWriter::new();
    let int = w.int("int", 4, true);
    let inner = w.struct_("", 4, &[("x", int, 0, 0)]);
    let u = w.union_("", 4, &[("s", inner, 0, 0), ("i", int, 0, 0)]);
    w.struct_("outer", 4, &[("", u, 0, 0)]);
    w.enum_("", 4, false, &[("CONST_A", 1), ("CONST_B", 2)]);
    let text = c(&w);
    has(
        &text,
        "struct outer {\n\tunion {\n\t\tstruct {\n\t\t\tint x;\n\t\t} s;\n\t\tint i;\n\t};\n};",
    );
    has(&text, "enum {\n\tCONST_A = 1,\n\tCONST_B = 2,\n};");
}

#[test]
fn enums_keep_their_size_sign_and_64_bit_values() {
    let mut w = BtfWriter::new();
    w.enum_("small", 1, false, &[("S", 1)]);
    w.enum_("half", 2, true, &[("H", -3)]);
    w.enum_("neg", 4, true, &[("N", -1), ("M", i64::from(i32::MIN))]);
    w.enum_("big", 4, false, &[("U", 0xffff_ffff)]);
    w.enum_("e64", 8, false, &[("E", 0x1_0000_0000), ("F", -1)]);
    w.enum_("e64s", 8, true, &[("G", i64::MIN), ("K", -2)]);
    w.enum_("wide", 8, false, &[("W", 1)]);
    let text = c(&w);
    has(
        &text,
        "enum small {\n\tS = 1,\n} __attribute__((mode(QI)));",
    );
    has(
        &text,
        "enum half {\n\tH = -3,\n} __attribute__((mode(HI)));",
    );
    has(&text, "\tN = -1,\n\tM = -2147483648,\n};");
    has(&text, "\tU = 4294967295,\n};");
    has(
        &text,
        "\tE = 4294967296ULL,\n\tF = 18446744073709551615ULL,\n};",
    );
    has(
        &text,
        "\tG = (-9223372036854775807LL - 1),\n\tK = -2LL,\n};",
    );
    has(
        &text,
        "enum wide {\n\tW = 1ULL,\n} __attribute__((mode(DI)));",
    );
}

#[test]
fn forward_declared_types_and_type_tags() {
    let mut w = BtfWriter::new();
    let fwd = w.named("opaque", FWD, false, 0, 0, &[]);
    let ufwd = w.named("uopaque", FWD, true, 0, 0, &[]);
    let tagged = w.named("rcu", TYPE_TAG, false, 0, fwd.0, &[]);
    let p = w.ptr(tagged);
    let pu = w.ptr(ufwd);
    w.struct_("user", 16, &[("o", p, 0, 0), ("u", pu, 64, 0)]);
    let text = c(&w);
    has(&text, "struct opaque;\n\n");
    has(&text, "union uopaque;\n\n");
    has(
        &text,
        "\tstruct opaque __attribute__((btf_type_tag(\"rcu\"))) *o;",
    );
}

#[test]
fn names_that_are_not_identifiers_are_refused() {
    let mut w = BtfWriter::new();
    let int = w.int("int", 4, true);
    w.struct_("x */ int y; /*", 4, &[("a", int, 0, 0)]);
    let err = print(&w.finish(), "", "").unwrap_err();
    assert!(matches!(err, PrintError::BadName { .. }), "{err}");

    let mut w = BtfWriter::new();
    let int = w.int("int", 4, true);
    w.struct_("ok", 4, &[("a;b", int, 0, 0)]);
    let err = print(&w.finish(), "", "").unwrap_err();
    assert!(err.to_string().contains("member name `a;b`"), "{err}");
}

#[test]
fn named_structs_embedded_without_a_name_become_anonymous_copies() {
    let mut w = BtfWriter::new();
    let int = w.int("int", 4, true);
    let inner = w.struct_("ns_common", 8, &[("a", int, 0, 0), ("b", int, 32, 0)]);
    // `struct ns_common;` as a member (-fms-extensions).
    w.struct_("user_ns", 12, &[("", inner, 0, 0), ("c", int, 64, 0)]);
    let text = c(&w);
    has(
        &text,
        "struct user_ns {\n\tstruct {\n\t\tint a;\n\t\tint b;\n\t};\n\tint c;\n};",
    );
    before(&text, "struct ns_common {", "struct user_ns {");
}

/// Whole or in pieces, the same text (more than one piece of it).
#[test]
fn printed_whole_or_streamed_alike() {
    let mut w = BtfWriter::new();
    let int = w.int("int", 4, true);
    for i in 0..6000 {
        w.struct_(&format!("s{i}"), 8, &[("a", int, 0, 0), ("b", int, 32, 0)]);
    }
    let btf = w.finish();
    let whole = print(&btf, "/* start */\n", "/* end */\n").unwrap();
    assert!(whole.len() > 2 * CHUNK, "{}", whole.len());
    let mut pieces = vec![];
    let mut sink = |text: &mut String| {
        pieces.push(text.clone());
        Ok::<(), ()>(())
    };
    print_to(&btf, "/* start */\n", "/* end */\n", &mut sink).unwrap();
    assert!(pieces.len() > 2, "{} pieces", pieces.len());
    assert_eq!(pieces.concat(), whole);
    assert!(whole.starts_with("/* start */\nstruct s0 {"));
    // A sink that fails stops the printer with its error.
    let mut failing = |_: &mut String| Err("full");
    assert!(matches!(
        print_to(&btf, "", "", &mut failing),
        Err(Failure::Sink("full"))
    ));
}

#[test]
fn members_btf_leaves_out_still_take_their_room() {
    let mut w = BtfWriter::new();
    let u = w.union_("", 8, &[]);
    w.typedef("arg_t", u);
    let ch = w.char_();
    // A union larger than its members, by alignment.
    let arr = w.array(ch, ch, 5);
    w.union_("u8", 8, &[("b", arr, 0, 0)]);
    let text = c(&w);
    has(&text, "typedef union {\n\tlong: 64;\n} arg_t;");
    has(
        &text,
        "union u8 {\n\tchar b[5];\n} __attribute__((aligned(8)));",
    );
}
