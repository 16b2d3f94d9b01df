//! Numbers of the kernel's BPF UAPI (`linux/bpf.h`) and limits libbpf
//! applies, in one place: the object reader uses the values, codegen the
//! names (for documentation).

pub const BPF_MAP_TYPE_HASH: u32 = 1;
pub const BPF_MAP_TYPE_ARRAY: u32 = 2;
pub const BPF_MAP_TYPE_PERF_EVENT_ARRAY: u32 = 4;
pub const BPF_MAP_TYPE_PERCPU_HASH: u32 = 5;
pub const BPF_MAP_TYPE_PERCPU_ARRAY: u32 = 6;
pub const BPF_MAP_TYPE_STACK_TRACE: u32 = 7;
pub const BPF_MAP_TYPE_LRU_HASH: u32 = 9;
pub const BPF_MAP_TYPE_LRU_PERCPU_HASH: u32 = 10;
pub const BPF_MAP_TYPE_LPM_TRIE: u32 = 11;
pub const BPF_MAP_TYPE_ARRAY_OF_MAPS: u32 = 12;
pub const BPF_MAP_TYPE_HASH_OF_MAPS: u32 = 13;
pub const BPF_MAP_TYPE_QUEUE: u32 = 22;
pub const BPF_MAP_TYPE_STACK: u32 = 23;
pub const BPF_MAP_TYPE_STRUCT_OPS: u32 = 26;
pub const BPF_MAP_TYPE_RINGBUF: u32 = 27;

pub const BPF_F_RDONLY_PROG: u32 = 1 << 7;
pub const BPF_F_MMAPABLE: u32 = 1 << 10;
pub const BPF_F_LINK: u32 = 1 << 13;

/// `BPF_OBJ_NAME_LEN - 1`: the longest map or program name the kernel keeps.
pub const MAX_OBJ_NAME: usize = 15;

/// `enum bpf_map_type`, by value.
const MAP_TYPE_NAMES: &[&str] = &[
    "UNSPEC",
    "HASH",
    "ARRAY",
    "PROG_ARRAY",
    "PERF_EVENT_ARRAY",
    "PERCPU_HASH",
    "PERCPU_ARRAY",
    "STACK_TRACE",
    "CGROUP_ARRAY",
    "LRU_HASH",
    "LRU_PERCPU_HASH",
    "LPM_TRIE",
    "ARRAY_OF_MAPS",
    "HASH_OF_MAPS",
    "DEVMAP",
    "SOCKMAP",
    "CPUMAP",
    "XSKMAP",
    "SOCKHASH",
    "CGROUP_STORAGE",
    "REUSEPORT_SOCKARRAY",
    "PERCPU_CGROUP_STORAGE",
    "QUEUE",
    "STACK",
    "SK_STORAGE",
    "DEVMAP_HASH",
    "STRUCT_OPS",
    "RINGBUF",
    "INODE_STORAGE",
    "TASK_STORAGE",
    "BLOOM_FILTER",
    "USER_RINGBUF",
    "CGRP_STORAGE",
    "ARENA",
];

/// `BPF_MAP_TYPE_HASH` for 1; `map type 99` for values this list lacks.
pub fn map_type_name(map_type: u32) -> String {
    match MAP_TYPE_NAMES.get(map_type as usize) {
        Some(n) => format!("BPF_MAP_TYPE_{n}"),
        None => format!("map type {map_type}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_the_enum() {
        assert_eq!(
            map_type_name(BPF_MAP_TYPE_STRUCT_OPS),
            "BPF_MAP_TYPE_STRUCT_OPS"
        );
        assert_eq!(map_type_name(27), "BPF_MAP_TYPE_RINGBUF");
        assert_eq!(map_type_name(22), "BPF_MAP_TYPE_QUEUE");
        assert_eq!(map_type_name(1000), "map type 1000");
    }
}
