//! Typed events: ring buffers and perf event arrays whose samples are a
//! generated Rust type.
//!
//! BTF does not say what a ring buffer or perf event array carries, so the
//! build script names it (`SkeletonBuilder::event_type("events", "struct
//! event")`); the skeleton then hands out `skel.maps().events()`, a
//! [`RingBuf<T>`] or [`PerfEvents<T>`]. Consumers call back with `&T`:
//! each sample is copied out of the kernel's memory into an aligned `T`
//! first (samples are never referenced in place: perf samples are not even
//! 8-byte aligned), and a sample shorter than `T` ends the poll with
//! [`Error::ShortEvent`](crate::Error::ShortEvent), never a read past its
//! end. A sample longer than `T` (trailing variable-length data) gives its
//! first `size_of::<T>()` bytes.
//!
//! A callback that panics makes the poll resume the panic once libbpf has
//! returned, instead of aborting the process.
//!
//! A consumer owns what it reads from: a duplicate of each map's file
//! descriptor and libbpf's ring or perf buffer. It borrows nothing of the
//! skeleton, so it can be kept beside an owned skeleton, used while the
//! skeleton changes (globals written, links attached), and moved into
//! another thread or task: callbacks must be `Send` for that, and are.

mod perf;
mod ring;
mod shared;
#[cfg(feature = "tokio")]
mod stream;
#[cfg(test)]
mod tests;

pub use perf::PerfConsumer;
pub use ring::RingBufConsumer;
#[cfg(feature = "tokio")]
pub use stream::EventStream;

use std::fmt;
use std::marker::PhantomData;
use std::ops::Deref;
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};

use crate::errno::Errno;
use crate::error::Result;
use crate::map::MapHandle;
use crate::plain::Plain;

macro_rules! event_handle {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        ///
        /// It borrows the skeleton for `'a`; `into_owned()` gives one that
        /// owns a duplicate file descriptor. Consumers made from it own
        /// theirs either way. It derefs to its [`MapHandle`].
        ///
        /// `Send` and `Sync`, as its [`MapHandle`]: it only makes consumers,
        /// which own what they read from.
        pub struct $name<'a, T> {
            map: MapHandle<'a>,
            /// The event's C type, for messages.
            c_type: &'static str,
            _types: PhantomData<fn() -> T>,
        }

        impl<'a, T: Plain> $name<'a, T> {
            #[doc(hidden)]
            pub fn __new(map: MapHandle<'a>, c_type: &'static str) -> Self {
                $name {
                    map,
                    c_type,
                    _types: PhantomData,
                }
            }

            /// This handle, owning a duplicate of the map's file
            /// descriptor.
            pub fn into_owned(self) -> Result<$name<'static, T>> {
                Ok($name {
                    map: self.map.into_owned()?,
                    c_type: self.c_type,
                    _types: PhantomData,
                })
            }

            /// A duplicate of the map's fd for a consumer, checked ready.
            fn consumer_fd(&self, what: &'static str) -> Result<OwnedFd> {
                self.map.ready(what)?;
                self.map.as_fd().try_clone_to_owned().map_err(|e| {
                    self.map.op_error(
                        what,
                        Errno::new(e.raw_os_error().unwrap_or(libc::EMFILE)),
                    )
                })
            }
        }

        impl<T> Clone for $name<'_, T> {
            fn clone(&self) -> Self {
                $name {
                    map: self.map.clone(),
                    c_type: self.c_type,
                    _types: PhantomData,
                }
            }
        }

        impl<'a, T> Deref for $name<'a, T> {
            type Target = MapHandle<'a>;

            fn deref(&self) -> &MapHandle<'a> {
                &self.map
            }
        }

        impl<T> AsFd for $name<'_, T> {
            fn as_fd(&self) -> BorrowedFd<'_> {
                self.map.as_fd()
            }
        }

        impl<T> fmt::Debug for $name<'_, T> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.debug_struct(stringify!($name))
                    .field("map", &self.map.name())
                    .field("event", &self.c_type)
                    .finish()
            }
        }
    };
}

event_handle! {
    /// A ring buffer map whose samples are `T`: `skel.maps().<map>()`.
    RingBuf
}

event_handle! {
    /// A perf event array whose samples are `T`: `skel.maps().<map>()`.
    PerfEvents
}
