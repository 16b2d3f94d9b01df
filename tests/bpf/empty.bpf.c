// An empty translation unit: no programs, no maps, no types. clang emits
// an object without a .BTF section for it; libbpf opens and loads it, and
// so must the skeleton.
