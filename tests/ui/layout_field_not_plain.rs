// Every field of a type laid over libbpf's memory must be plain data:
// `bool` is not (only 0 and 1 are valid bytes; generated code uses CBool).
#[repr(C)]
#[derive(Clone, Copy)]
pub struct flags {
    pub on: bool,
    pub level: u8,
}
::skel_runtime::layout!(unsafe plain flags: 2, 1; on 0, level 1;);

fn main() {}
