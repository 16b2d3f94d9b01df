//! Which types are `Send` and `Sync`, checked at compile time, as the
//! README's "Threads" section decides them:
//! - skeletons (borrowed and owned, open and loaded) are `Send`: they can
//!   move to another thread or task with their object, but not `Sync`:
//!   libbpf's setters behind their `&mut self` methods are not
//!   synchronized, and `&self` access from several threads at once is not
//!   something libbpf promises;
//! - `Program` tokens, links, the storage, typed map and event handles and
//!   read-back values are `Send` and `Sync`: their `&self` methods make
//!   `bpf()` calls or read fields libbpf set once;
//! - event consumers call back user closures, which need not be `Send`:
//!   they are neither; `EventStream` is `Send` when its events are.

use static_assertions::{assert_impl_all, assert_not_impl_any};

use skel_runtime::events::{PerfConsumer, RingBuf, RingBufConsumer};
use skel_runtime::maps::{Array, Hash, MapOfMaps, PerCpuArray, Queue};
use skel_runtime::{KernelStructOps, Link, ObjectStorage, Program};
use skel_tests::tcp_ca_skel::{
    OpenTcpCaSkel, OwnedOpenTcpCaSkel, OwnedTcpCaSkel, TcpCaMaps, TcpCaSkel,
};
use skel_tests::typed_skel::types::event;

assert_impl_all!(OwnedOpenTcpCaSkel: Send);
assert_impl_all!(OwnedTcpCaSkel: Send);
assert_not_impl_any!(OwnedOpenTcpCaSkel: Sync);
assert_not_impl_any!(OwnedTcpCaSkel: Sync);

assert_impl_all!(OpenTcpCaSkel<'static>: Send);
assert_impl_all!(TcpCaSkel<'static>: Send);
assert_not_impl_any!(OpenTcpCaSkel<'static>: Sync);
assert_not_impl_any!(TcpCaSkel<'static>: Sync);
assert_not_impl_any!(TcpCaMaps<'static>: Sync);

assert_impl_all!(ObjectStorage: Send, Sync);
assert_impl_all!(Program<'static>: Send, Sync);
assert_impl_all!(Link<'static>: Send, Sync);
assert_impl_all!(KernelStructOps: Send, Sync);
assert_impl_all!(Hash<'static, u32, u64>: Send, Sync);
assert_impl_all!(Array<'static, u64>: Send, Sync);
assert_impl_all!(PerCpuArray<'static, u64>: Send, Sync);
assert_impl_all!(Queue<'static, u32>: Send, Sync);
assert_impl_all!(MapOfMaps<'static, u32, Hash<'static, u32, u64>>: Send, Sync);

assert_impl_all!(RingBuf<'static, event>: Send, Sync);
assert_not_impl_any!(RingBufConsumer<'static>: Send, Sync);
assert_not_impl_any!(PerfConsumer<'static>: Send, Sync);
assert_impl_all!(skel_runtime::events::EventStream<'static, event>: Send);

/// The assertions above are the test; this one runs so the file shows up.
#[test]
fn send_and_sync_are_decided_per_type() {}
