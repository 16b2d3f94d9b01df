//! Links a skeleton keeps: they cannot outlive the object they belong to.

use std::marker::PhantomData;
use std::ops::Deref;

/// An attached program or registered struct_ops map. Dropping it detaches
/// (for struct_ops: unregisters). It borrows the skeleton's storage, so it
/// cannot outlive the maps it refers to; use it as a [`libbpf_rs::Link`]
/// through `Deref`.
///
/// `Send` and `Sync`, as libbpf-rs's link: it owns a `bpf_link`, whose
/// `&self` operations (detach, fd, pin path) are `bpf()` calls or reads of
/// what libbpf set when it attached; dropping it needs it exclusively.
#[derive(Debug)]
pub struct Link<'obj> {
    link: libbpf_rs::Link,
    _obj: PhantomData<(&'obj crate::ObjectStorage, crate::Brand<'obj>)>,
}

impl Link<'_> {
    pub(crate) fn new(link: libbpf_rs::Link) -> Self {
        Link {
            link,
            _obj: PhantomData,
        }
    }
}

impl Deref for Link<'_> {
    type Target = libbpf_rs::Link;

    fn deref(&self) -> &libbpf_rs::Link {
        &self.link
    }
}
