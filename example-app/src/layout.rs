//! `layout`: the shadow type of the struct_ops map, as the generator laid
//! it out. The build script writes the text from skel-builder's model (the
//! one the skeleton's code was printed from); this module only prints it.

pub fn print() {
    print!(
        "{}",
        include_str!(concat!(env!("OUT_DIR"), "/skel_cc.layout.txt"))
    );
}
