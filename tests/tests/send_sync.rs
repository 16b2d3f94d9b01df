//! Which types are `Send` and `Sync`, checked at compile time: every public
//! type of skel-runtime and every kind of type a skeleton generates (here
//! those of `tcp_ca`, `typed` and `resize`). Each type's docs say why; in
//! short:
//! - skeletons (borrowed and owned, open and loaded) are `Send`: they move
//!   to another thread or task with their object (libbpf objects have no
//!   thread affinity), but not `Sync`: libbpf's setters are not
//!   synchronized, and the live views a shared skeleton lends write BPF
//!   memory with plain (non-atomic) volatile accesses;
//! - the views a skeleton lends from `&self` (`maps()`, `progs()`,
//!   `struct_ops()`, live sections, open map settings, resizable sections)
//!   hold a shared borrow of that `!Sync` core: neither `Send` nor `Sync`.
//!   The exclusive views (`maps_mut()`, ...) hold `&mut` of a `Send` core:
//!   `Send` like any `&mut` of a `Send` value, not `Sync`. The handles they
//!   give (`OpenMapMut`, `OpenProgramMut`, `LoadedProgramMut`,
//!   `SectionMut`) stay on the thread they are made on: neither;
//! - program tokens, loaded programs, map handles (typed or not, borrowed
//!   or owned), links, the storage, and the kernel's answers (read-back
//!   struct_ops, kernel BTF, errors) are `Send` and `Sync`: their `&self`
//!   methods make `bpf()` calls on a file descriptor or read what libbpf
//!   set once and never changes while they live;
//! - event consumers own their buffers and `Send` callbacks: `Send`, not
//!   `Sync` (polling runs the callbacks); `EventStream<T>` is `Send` when
//!   its events are.

use static_assertions::{assert_impl_all, assert_not_impl_any};

use skel_runtime::events::{EventStream, PerfConsumer, PerfEvents, RingBuf, RingBufConsumer};
use skel_runtime::maps::{Array, Hash, Keys, MapFlags, MapOfMaps, PerCpuArray, PerCpuHash, Queue};
use skel_runtime::{
    Errno, Error, KernelBtf, KernelConsts, KernelStructOps, LibbpfLog, Link, Live, LiveSlice,
    LoadedProgram, LoadedProgramMut, MapHandle, MapInfo, ObjectStorage, OpenMap, OpenMapMut,
    OpenOptions, OpenProgramMut, Program, Section, SectionMut, TestRun, TestRunOutput,
};
use skel_tests::resize_skel::{DataSlotsLive, types::data_slots, types::slot};
use skel_tests::tcp_ca_skel::{
    BssLive, OpenTcpCaMaps, OpenTcpCaMapsMut, OpenTcpCaProgs, OpenTcpCaProgsMut, OpenTcpCaSkel,
    OpenTcpCaStructOps, OpenTcpCaStructOpsMut, OwnedOpenTcpCaSkel, OwnedTcpCaSkel, TcpCaLinks,
    TcpCaMaps, TcpCaProgs, TcpCaProgsMut, TcpCaSkel, TcpCaSkelBuilder, TcpCaStructOps,
    TcpCaStructOpsMut, types::bss,
};
use skel_tests::typed_skel::types::event;

// Skeletons: Send, not Sync.
assert_impl_all!(OpenTcpCaSkel<'static>: Send);
assert_impl_all!(TcpCaSkel<'static>: Send);
assert_impl_all!(OwnedOpenTcpCaSkel: Send);
assert_impl_all!(OwnedTcpCaSkel: Send);
assert_not_impl_any!(OpenTcpCaSkel<'static>: Sync);
assert_not_impl_any!(TcpCaSkel<'static>: Sync);
assert_not_impl_any!(OwnedOpenTcpCaSkel: Sync);
assert_not_impl_any!(OwnedTcpCaSkel: Sync);
// The builder holds its `OpenOptions` (owned paths and strings, made C
// strings only for the open call): both. Links: both.
assert_impl_all!(TcpCaSkelBuilder: Send, Sync);
assert_impl_all!(OpenOptions: Send, Sync);
assert_impl_all!(TcpCaLinks<'static>: Send, Sync);

// Shared views: neither.
assert_not_impl_any!(OpenTcpCaMaps<'static, 'static>: Send, Sync);
assert_not_impl_any!(OpenTcpCaProgs<'static, 'static>: Send, Sync);
assert_not_impl_any!(OpenTcpCaStructOps<'static, 'static>: Send, Sync);
assert_not_impl_any!(TcpCaMaps<'static, 'static>: Send, Sync);
assert_not_impl_any!(TcpCaProgs<'static, 'static>: Send, Sync);
assert_not_impl_any!(TcpCaStructOps<'static, 'static>: Send, Sync);
// Live sections: neither (two threads' volatile writes would race).
assert_not_impl_any!(BssLive<'static>: Send, Sync);
assert_not_impl_any!(DataSlotsLive<'static>: Send, Sync);
assert_not_impl_any!(Live<'static, bss>: Send, Sync);
assert_not_impl_any!(LiveSlice<'static, slot>: Send, Sync);
// Before load: map settings and resizable sections, neither.
assert_not_impl_any!(OpenMap<'static>: Send, Sync);
assert_not_impl_any!(Section<'static, data_slots, slot>: Send, Sync);

// Exclusive views: `&mut` of a Send core, so Send; not Sync.
assert_impl_all!(OpenTcpCaMapsMut<'static, 'static>: Send);
assert_impl_all!(OpenTcpCaProgsMut<'static, 'static>: Send);
assert_impl_all!(OpenTcpCaStructOpsMut<'static, 'static>: Send);
assert_impl_all!(TcpCaProgsMut<'static, 'static>: Send);
assert_impl_all!(TcpCaStructOpsMut<'static, 'static>: Send);
assert_not_impl_any!(OpenTcpCaMapsMut<'static, 'static>: Sync);
assert_not_impl_any!(OpenTcpCaProgsMut<'static, 'static>: Sync);
assert_not_impl_any!(OpenTcpCaStructOpsMut<'static, 'static>: Sync);
assert_not_impl_any!(TcpCaProgsMut<'static, 'static>: Sync);
assert_not_impl_any!(TcpCaStructOpsMut<'static, 'static>: Sync);
// The exclusive handles they give stay on their thread: neither.
assert_not_impl_any!(OpenMapMut<'static>: Send, Sync);
assert_not_impl_any!(OpenProgramMut<'static>: Send, Sync);
assert_not_impl_any!(LoadedProgramMut<'static>: Send, Sync);
assert_not_impl_any!(SectionMut<'static, data_slots, slot>: Send, Sync);

// Programs, map handles, links, storage: both.
assert_impl_all!(Program<'static>: Send, Sync);
assert_impl_all!(LoadedProgram<'static>: Send, Sync);
assert_impl_all!(TestRun<'static>: Send, Sync);
assert_impl_all!(TestRunOutput: Send, Sync);
assert_impl_all!(MapHandle<'static>: Send, Sync);
assert_impl_all!(MapInfo: Send, Sync);
assert_impl_all!(MapFlags: Send, Sync);
assert_impl_all!(Hash<'static, u32, u64>: Send, Sync);
assert_impl_all!(PerCpuHash<'static, u32, u64>: Send, Sync);
assert_impl_all!(Array<'static, u64>: Send, Sync);
assert_impl_all!(PerCpuArray<'static, u64>: Send, Sync);
assert_impl_all!(Queue<'static, u32>: Send, Sync);
assert_impl_all!(MapOfMaps<'static, u32, Hash<'static, u32, u64>>: Send, Sync);
assert_impl_all!(RingBuf<'static, event>: Send, Sync);
assert_impl_all!(PerfEvents<'static, event>: Send, Sync);
assert_impl_all!(Keys<'static, u32>: Send, Sync);
assert_impl_all!(Link<'static>: Send, Sync);
assert_impl_all!(ObjectStorage: Send, Sync);

// Event consumers: Send, not Sync; a stream is Send when its events are.
assert_impl_all!(RingBufConsumer<'static>: Send);
assert_impl_all!(PerfConsumer<'static>: Send);
assert_not_impl_any!(RingBufConsumer<'static>: Sync);
assert_not_impl_any!(PerfConsumer<'static>: Sync);
assert_impl_all!(EventStream<event>: Send);
assert_not_impl_any!(EventStream<std::rc::Rc<u8>>: Send);

// What the kernel and libbpf answer: both.
assert_impl_all!(KernelStructOps: Send, Sync);
assert_impl_all!(KernelBtf: Send, Sync);
assert_impl_all!(KernelConsts: Send, Sync);
assert_impl_all!(Error: Send, Sync);
assert_impl_all!(Errno: Send, Sync);
assert_impl_all!(LibbpfLog: Send, Sync);

/// The assertions above are the test; this one runs so the file shows up.
#[test]
fn send_and_sync_are_decided_per_type() {}
