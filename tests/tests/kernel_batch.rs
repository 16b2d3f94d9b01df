//! Batch operations on the running kernel (`bpf/batch.bpf.c`):
//! `update_batch` fills 10,000 entries, `lookup_batch` and `iter()` read
//! them back (in chunks with a partial last one), `delete_batch` empties
//! the maps; hash and per-CPU hash maps (values with and without slot
//! padding), an LPM trie and arrays use the kernel's batch commands; a
//! stack trace map, which has none, and handles switched to the fallback
//! give the same results key by key. Errors carry their errno.

use std::collections::{BTreeMap, HashMap};

use skel_runtime::maps::{BatchCursor, Hash, possible_cpus};
use skel_runtime::{Error, ObjectStorage};
use skel_tests::batch_skel::types::{key, small, trie_key, value};
use skel_tests::batch_skel::{BatchSkel, BatchSkelBuilder};
use skel_tests::kernel::exclusive;

const N: u32 = 10_000;

fn gettid() -> u32 {
    // SAFETY: gettid has no preconditions.
    (unsafe { libc::syscall(libc::SYS_gettid) }) as u32
}

fn getppid() {
    // SAFETY: getppid has no preconditions.
    unsafe { libc::syscall(libc::SYS_getppid) };
}

fn key_of(i: u32) -> key {
    key {
        id: i,
        kind: (i % 7) as u16,
        ..Default::default()
    }
}

fn value_of(i: u32) -> value {
    value {
        sum: u64::from(i) * 1_000_003,
        count: i ^ 0x5a5a,
        tag: [b't', b'a', b'g', (i % 10) as u8 + b'0'].into(),
    }
}

fn small_of(i: u32, cpu: usize) -> small {
    small {
        a: i,
        b: cpu as u32,
        c: i.wrapping_mul(31) ^ cpu as u32,
    }
}

/// Loads the fixture with the program recording stacks of this thread.
fn with_skel(test: &str, f: impl FnOnce(&mut BatchSkel<'_>)) {
    let Some(_kernel) = exclusive(test) else {
        return;
    };
    let tid = gettid();
    let mut storage = ObjectStorage::new();
    let mut open = BatchSkelBuilder::default().open(&mut storage).unwrap();
    open.maps_mut().rodata().target_tid = tid;
    let mut skel = open.load().unwrap();
    f(&mut skel);
}

/// Reads a whole map through `lookup_batch` in chunks of `max`; returns
/// the entries and how many each call gave.
fn read_in_chunks<K: Copy, V: Copy>(
    mut call: impl FnMut(&mut BatchCursor, &mut Vec<K>, &mut Vec<V>) -> skel_runtime::Result<usize>,
) -> (Vec<K>, Vec<V>, Vec<usize>, BatchCursor) {
    let mut cursor = BatchCursor::new();
    let (mut keys, mut values, mut counts) = (Vec::new(), Vec::new(), Vec::new());
    loop {
        let n = call(&mut cursor, &mut keys, &mut values).unwrap();
        counts.push(n);
        if n == 0 {
            assert!(cursor.is_done(), "0 entries only at the end");
            break;
        }
        assert!(counts.len() < 100_000, "the walk does not end");
    }
    (keys, values, counts, cursor)
}

fn errno(e: &Error) -> i32 {
    e.raw_os_error()
        .unwrap_or_else(|| panic!("an error with an errno: {e}"))
}

#[test]
fn hash_update_lookup_iter_delete_10k() {
    with_skel("hash_update_lookup_iter_delete_10k", |skel| {
        let hash = skel.maps().hash();
        let keys: Vec<key> = (0..N).map(key_of).collect();
        let values: Vec<value> = (0..N).map(value_of).collect();
        hash.update_batch(&keys, &values).unwrap();
        let expected: HashMap<key, value> = keys.iter().copied().zip(values.clone()).collect();
        assert_eq!(expected.len(), N as usize);

        // lookup_batch in chunks of 3,000: whole buckets, never more than
        // asked, every entry once.
        let (got_keys, got_values, counts, cursor) =
            read_in_chunks(|c, k, v| hash.lookup_batch(c, k, v, 3000));
        assert!(!cursor.is_key_walk(), "a hash map has batch commands");
        assert!(counts.iter().all(|&n| n <= 3000), "{counts:?}");
        assert!(
            counts.len() >= 5,
            "four full chunks and the rest: {counts:?}"
        );
        assert_eq!(got_keys.len(), N as usize);
        let got: HashMap<key, value> = got_keys.into_iter().zip(got_values).collect();
        assert_eq!(got, expected);

        // The end stays the end: no error, nothing more, until reset.
        let mut cursor = cursor;
        let (mut k, mut v) = (Vec::new(), Vec::new());
        assert_eq!(
            hash.lookup_batch(&mut cursor, &mut k, &mut v, 10).unwrap(),
            0
        );
        assert!(k.is_empty() && v.is_empty());
        cursor.reset();
        assert!(hash.lookup_batch(&mut cursor, &mut k, &mut v, 10).unwrap() > 0);

        // iter() reads the same, with the batch commands and without.
        let iterated: HashMap<key, value> = hash.iter().map(Result::unwrap).collect();
        assert_eq!(iterated, expected);
        assert_eq!(hash.iter().count(), N as usize);
        let walked: HashMap<key, value> = hash
            .clone()
            .__without_batch()
            .iter()
            .map(Result::unwrap)
            .collect();
        assert_eq!(walked, expected);
        // ... and what keys() and lookup() read.
        let by_key: HashMap<key, value> = hash
            .keys()
            .map(|k| {
                let k = k.unwrap();
                (k, hash.lookup(&k).unwrap().unwrap())
            })
            .collect();
        assert_eq!(by_key, expected);

        // The fallback's lookup_batch: a key walk, exact chunks, the
        // partial one last.
        let slow = hash.clone().__without_batch();
        let (walk_keys, walk_values, counts, cursor) =
            read_in_chunks(|c, k, v| slow.lookup_batch(c, k, v, 3000));
        assert!(cursor.is_key_walk());
        assert_eq!(counts, [3000, 3000, 3000, 1000, 0]);
        let walked: HashMap<key, value> = walk_keys.into_iter().zip(walk_values).collect();
        assert_eq!(walked, expected);

        // delete_batch: every even key, with absent keys among them.
        let mut doomed: Vec<key> = (0..N).step_by(2).map(key_of).collect();
        doomed.insert(10, key_of(N + 1));
        doomed.push(key_of(N + 2));
        assert_eq!(hash.delete_batch(&doomed).unwrap(), (N / 2) as usize);
        let left: BTreeMap<u32, value> = hash
            .iter()
            .map(|e| e.map(|(k, v)| (k.id, v)).unwrap())
            .collect();
        assert_eq!(left.len(), (N / 2) as usize);
        assert!(
            left.iter()
                .all(|(&id, v)| id % 2 == 1 && *v == value_of(id))
        );
        // Deleting them again finds none.
        assert_eq!(hash.delete_batch(&doomed).unwrap(), 0);
        // The fallback deletes the same way.
        let odd: Vec<key> = (0..N).skip(1).step_by(2).map(key_of).collect();
        assert_eq!(slow.delete_batch(&odd[..100]).unwrap(), 100);
        assert_eq!(hash.delete_batch(&odd).unwrap(), odd.len() - 100);

        // Empty: iter() ends at once, lookup_batch returns 0 and is done.
        assert_eq!(hash.iter().count(), 0);
        assert_eq!(slow.iter().count(), 0);
        let mut cursor = BatchCursor::new();
        assert_eq!(
            hash.lookup_batch(&mut cursor, &mut k, &mut v, 64).unwrap(),
            0
        );
        assert!(cursor.is_done());
        assert_eq!(hash.delete_batch(&[]).unwrap(), 0);
        hash.update_batch(&[], &[]).unwrap();
        assert_eq!(hash.iter().count(), 0);

        // The fallback updates the same way.
        slow.update_batch(&keys[..500], &values[..500]).unwrap();
        let back: HashMap<key, value> = hash.iter().map(Result::unwrap).collect();
        let want: HashMap<key, value> = keys[..500]
            .iter()
            .copied()
            .zip(values[..500].iter().copied())
            .collect();
        assert_eq!(back, want);
    });
}

#[test]
fn hash_batches_hold_whole_buckets() {
    with_skel("hash_batches_hold_whole_buckets", |skel| {
        let hash = skel.maps().hash();
        let keys: Vec<key> = (0..N).map(key_of).collect();
        let values: Vec<value> = (0..N).map(value_of).collect();
        hash.update_batch(&keys, &values).unwrap();
        // 10,000 keys in 16,384 buckets: many buckets hold two or more,
        // which a batch of one cannot take (ENOSPC); the cursor stays put,
        // and a larger batch goes on from there.
        let mut cursor = BatchCursor::new();
        let (mut k, mut v) = (Vec::new(), Vec::new());
        let mut refused = 0;
        while !cursor.is_done() {
            match hash.lookup_batch(&mut cursor, &mut k, &mut v, 1) {
                Ok(n) => assert!(n <= 1),
                Err(e) => {
                    assert_eq!(errno(&e), libc::ENOSPC, "{e}");
                    assert!(matches!(e, Error::MapOp { .. }), "{e:?}");
                    assert!(e.to_string().contains("ENOSPC"), "{e}");
                    refused += 1;
                    hash.lookup_batch(&mut cursor, &mut k, &mut v, 64).unwrap();
                }
            }
        }
        assert!(refused > 0, "some bucket holds two keys");
        let got: HashMap<key, value> = k.into_iter().zip(v).collect();
        assert_eq!(got.len(), N as usize);
        assert!(got.iter().all(|(k, v)| *v == value_of(k.id)));
        // iter() starts small enough for most buckets and grows on ENOSPC.
        assert_eq!(hash.iter().count(), N as usize);
    });
}

#[test]
fn per_cpu_hashes_10k() {
    with_skel("per_cpu_hashes_10k", |skel| {
        let cpus = possible_cpus().unwrap();
        // 12-byte values: a 16-byte slot per CPU, packed and unpacked.
        let percpu = skel.maps().percpu();
        let keys: Vec<u32> = (0..N).map(|i| i * 3).collect();
        let values: Vec<small> = (0..N)
            .flat_map(|i| (0..cpus).map(move |cpu| small_of(i, cpu)))
            .collect();
        percpu.update_batch(&keys, &values).unwrap();
        let expected: HashMap<u32, Vec<small>> = keys
            .iter()
            .copied()
            .zip(values.chunks(cpus).map(<[small]>::to_vec))
            .collect();
        // The single-key lookup agrees with what the batch wrote.
        assert_eq!(percpu.lookup(&3).unwrap().unwrap(), expected[&3]);

        let (got_keys, got_values, counts, _) =
            read_in_chunks(|c, k, v| percpu.lookup_batch(c, k, v, 4096));
        assert!(counts.iter().all(|&n| n <= 4096), "{counts:?}");
        assert_eq!(got_values.len(), got_keys.len() * cpus);
        let got: HashMap<u32, Vec<small>> = got_keys
            .into_iter()
            .zip(got_values.chunks(cpus).map(<[small]>::to_vec))
            .collect();
        assert_eq!(got, expected);
        let iterated: HashMap<u32, Vec<small>> = percpu.iter().map(Result::unwrap).collect();
        assert_eq!(iterated, expected);
        let slow = percpu.clone().__without_batch();
        let walked: HashMap<u32, Vec<small>> = slow.iter().map(Result::unwrap).collect();
        assert_eq!(walked, expected);
        let (_, _, counts, cursor) = read_in_chunks(|c, k, v| slow.lookup_batch(c, k, v, 4096));
        assert!(cursor.is_key_walk());
        assert_eq!(counts, [4096, 4096, 1808, 0]);

        assert_eq!(
            percpu.delete_batch(&keys[..N as usize / 2]).unwrap(),
            N as usize / 2
        );
        assert_eq!(percpu.iter().count(), N as usize / 2);
        assert_eq!(slow.delete_batch(&keys).unwrap(), N as usize / 2);
        assert_eq!(percpu.iter().count(), 0);

        // u64 values: slots without padding, read straight into the Vec.
        let wide = skel.maps().percpu_wide();
        let values: Vec<u64> = (0..N as u64 * cpus as u64).collect();
        wide.update_batch(&keys, &values).unwrap();
        let got: HashMap<u32, Vec<u64>> = wide.iter().map(Result::unwrap).collect();
        let expected: HashMap<u32, Vec<u64>> = keys
            .iter()
            .copied()
            .zip(values.chunks(cpus).map(<[u64]>::to_vec))
            .collect();
        assert_eq!(got, expected);
        let walked: HashMap<u32, Vec<u64>> = wide
            .clone()
            .__without_batch()
            .iter()
            .map(Result::unwrap)
            .collect();
        assert_eq!(walked, expected);
        assert_eq!(wide.delete_batch(&keys).unwrap(), N as usize);

        // One value per possible CPU per key, or an error naming the count.
        let e = percpu
            .update_batch(&keys[..2], &values_of_len(cpus * 2 - 1))
            .unwrap_err();
        assert!(
            matches!(
                e,
                Error::BatchLength { keys: 2, per_key, .. } if per_key == cpus
            ),
            "{e:?}"
        );
        assert!(e.to_string().contains("map `percpu`"), "{e}");
    });
}

fn values_of_len(n: usize) -> Vec<small> {
    (0..n as u32).map(|i| small_of(i, 0)).collect()
}

#[test]
fn lpm_trie_and_arrays_walk_by_key_position() {
    with_skel("lpm_trie_and_arrays_walk_by_key_position", |skel| {
        // An LPM trie's batch position is a key (8 bytes here): exact
        // chunks, the partial one last.
        let trie = skel.maps().trie();
        let keys: Vec<trie_key> = (0..500u32)
            .map(|i| trie_key {
                prefixlen: 24,
                addr: [10, (i >> 8) as u8, i as u8, 0],
            })
            .collect();
        let values: Vec<u32> = (0..500).collect();
        trie.update_batch(&keys, &values).unwrap();
        let (got_keys, got_values, counts, cursor) =
            read_in_chunks(|c, k, v| trie.lookup_batch(c, k, v, 128));
        assert!(!cursor.is_key_walk(), "an LPM trie has batch commands");
        assert_eq!(counts, [128, 128, 128, 116, 0]);
        let got: BTreeMap<[u8; 4], u32> = got_keys
            .iter()
            .map(|k| k.addr)
            .zip(got_values.iter().copied())
            .collect();
        let expected: BTreeMap<[u8; 4], u32> = keys
            .iter()
            .map(|k| k.addr)
            .zip(values.iter().copied())
            .collect();
        assert_eq!(got, expected);
        assert_eq!(trie.iter().count(), 500);
        // A prefix longer than the key's 32 bits: the kernel refuses it,
        // after the entries before it.
        let bad = trie_key {
            prefixlen: 33,
            addr: [1, 2, 3, 4],
        };
        let fresh = trie_key {
            prefixlen: 8,
            addr: [192, 0, 0, 0],
        };
        let e = trie.update_batch(&[fresh, bad], &[1, 2]).unwrap_err();
        assert_eq!(errno(&e), libc::EINVAL, "{e}");
        assert_eq!(trie.lookup(&fresh).unwrap(), Some(1));
        assert_eq!(trie.delete_batch(&keys).unwrap(), 500);
        assert_eq!(trie.iter().map(Result::unwrap).count(), 1);

        // Arrays: batch lookups and updates by index.
        let array = skel.maps().array();
        let indexes: Vec<u32> = (0..100).rev().collect();
        let values: Vec<value> = indexes.iter().map(|&i| value_of(i)).collect();
        array.update_batch(&indexes, &values).unwrap();
        let (got_indexes, got_values, counts, _) =
            read_in_chunks(|c, k, v| array.lookup_batch(c, k, v, 30));
        assert_eq!(counts, [30, 30, 30, 10, 0]);
        assert_eq!(got_indexes, (0..100).collect::<Vec<u32>>());
        assert!(got_values.iter().zip(0..).all(|(v, i)| *v == value_of(i)));
        // Past the end: E2BIG, from the batch command.
        let e = array.update_batch(&[100], &[value_of(0)]).unwrap_err();
        assert_eq!(errno(&e), libc::E2BIG, "{e}");
        assert!(e.to_string().contains("update batch"), "{e}");
        let e = array.update_batch(&[1, 2], &[value_of(0)]).unwrap_err();
        assert!(
            matches!(
                e,
                Error::BatchLength {
                    keys: 2,
                    values: 1,
                    per_key: 1,
                    ..
                }
            ),
            "{e:?}"
        );

        let cpus = possible_cpus().unwrap();
        let percpu_array = skel.maps().percpu_array();
        let indexes: Vec<u32> = (0..100).collect();
        let values: Vec<small> = (0..100)
            .flat_map(|i| (0..cpus).map(move |cpu| small_of(i, cpu)))
            .collect();
        percpu_array.update_batch(&indexes, &values).unwrap();
        let (got_indexes, got_values, counts, _) =
            read_in_chunks(|c, k, v| percpu_array.lookup_batch(c, k, v, 64));
        assert_eq!(counts, [64, 36, 0]);
        assert_eq!(got_indexes, indexes);
        assert_eq!(got_values, values);
    });
}

#[test]
fn stack_trace_map_without_batch_commands_walks_by_key() {
    with_skel(
        "stack_trace_map_without_batch_commands_walks_by_key",
        |skel| {
            skel.attach().unwrap();
            for _ in 0..4 {
                getppid();
            }
            let stacks = skel.maps().stacks();
            // What keys() and lookup() read...
            let expected: BTreeMap<u32, Vec<u64>> = stacks
                .keys()
                .map(|k| {
                    let k = k.unwrap();
                    (k, stacks.lookup(&k).unwrap().unwrap().to_vec())
                })
                .collect();
            assert!(!expected.is_empty(), "the program recorded stacks");
            // ... lookup_batch reads key by key (the kernel has no batch
            // commands for stack trace maps), one entry per call here ...
            let (keys, values, counts, cursor) =
                read_in_chunks(|c, k, v| stacks.lookup_batch(c, k, v, 1));
            assert!(
                cursor.is_key_walk(),
                "stack trace maps have no batch commands"
            );
            assert_eq!(counts.len(), expected.len() + 1);
            let got: BTreeMap<u32, Vec<u64>> = keys
                .into_iter()
                .zip(values.iter().map(|v| v.to_vec()))
                .collect();
            assert_eq!(got, expected);
            // ... and so does iter().
            let iterated: BTreeMap<u32, Vec<u64>> = stacks
                .iter()
                .map(|e| e.map(|(k, v)| (k, v.to_vec())).unwrap())
                .collect();
            assert_eq!(iterated, expected);
            // Stack trace maps refuse updates from user space: an error with
            // the kernel's errno, from the per-key fallback.
            let e = stacks.update_batch(&[1], &[[0u64; 127]]).unwrap_err();
            assert_eq!(errno(&e), libc::EINVAL, "{e}");
            // Deletes, key by key.
            let absent = (0..64).find(|k| !expected.contains_key(k)).unwrap();
            let mut doomed: Vec<u32> = expected.keys().copied().collect();
            doomed.insert(0, absent);
            assert_eq!(stacks.delete_batch(&doomed).unwrap(), expected.len());
            assert_eq!(stacks.iter().count(), 0);
        },
    );
}

#[test]
fn handles_whose_types_disagree_with_the_map_refuse_batches() {
    with_skel(
        "handles_whose_types_disagree_with_the_map_refuse_batches",
        |skel| {
            let hash = skel.maps().hash();
            // `hash` has 8-byte keys and 16-byte values.
            let wrong: Hash<'_, u64, u64> = Hash::__new((*hash).clone());
            let mut cursor = BatchCursor::new();
            let (mut k, mut v) = (Vec::new(), Vec::new());
            let e = wrong
                .lookup_batch(&mut cursor, &mut k, &mut v, 10)
                .unwrap_err();
            assert!(
                matches!(
                    e,
                    Error::MapTypeSize {
                        what: "value",
                        expected: 8,
                        actual: 16,
                        ..
                    }
                ),
                "{e:?}"
            );
            assert!(matches!(
                wrong.update_batch(&[1], &[2]).unwrap_err(),
                Error::MapTypeSize { .. }
            ));
            assert!(matches!(
                wrong.delete_batch(&[1]).unwrap_err(),
                Error::MapTypeSize { .. }
            ));
            let mut it = wrong.iter();
            assert!(matches!(it.next(), Some(Err(Error::MapTypeSize { .. }))));
            assert!(it.next().is_none());
        },
    );
}
