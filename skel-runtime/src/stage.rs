//! The two stages of a skeleton, open and loaded, as types: a generated
//! container (`FooMaps<'obj, S>`, `FooProgs<'obj, S>`,
//! `FooStructOps<'obj, S>`) is written once for both, and what differs
//! between the stages (the libbpf-rs handle types, what may be written) is
//! decided by `S`.

use libbpf_rs::{Map, MapMut, OpenMap, OpenMapMut, OpenProgramMut, ProgramMut};

use crate::error::Result;
use crate::plain::{Plain, Shadow};
use crate::program::Program;
use crate::storage::{Maps, OpenMaps, OpenProgs, OpenShadows, Progs, Shadows};

mod sealed {
    pub trait Sealed {}
    impl Sealed for super::Open {}
    impl Sealed for super::Loaded {}
}

/// A skeleton opened but not loaded: maps, programs and shadows can be
/// changed.
#[derive(Debug)]
pub enum Open {}

/// A skeleton loaded into the kernel.
#[derive(Debug)]
pub enum Loaded {}

/// [`Open`] or [`Loaded`]: what a skeleton's containers hand out at that
/// stage.
pub trait Stage: sealed::Sealed + 'static {
    /// A map handle: libbpf-rs [`OpenMap`] or [`Map`].
    type Map<'a>;
    /// An exclusive map handle: [`OpenMapMut`] or [`MapMut`].
    type MapMut<'a>;
    /// An exclusive program handle: [`OpenProgramMut`] or [`ProgramMut`].
    type ProgramMut<'a>;
    #[doc(hidden)]
    type Maps<'obj>;
    #[doc(hidden)]
    type Progs<'obj>;
    #[doc(hidden)]
    type Shadows<'obj>;
    #[doc(hidden)]
    fn map<'a>(maps: &'a Self::Maps<'_>, index: usize) -> Self::Map<'a>;
    #[doc(hidden)]
    fn map_mut<'a>(maps: &'a mut Self::Maps<'_>, index: usize) -> Self::MapMut<'a>;
    #[doc(hidden)]
    fn data<'a, T: Plain>(maps: &'a Self::Maps<'_>, index: usize) -> Result<&'a T>;
    #[doc(hidden)]
    fn array<'a, T: Plain>(
        maps: &'a Self::Maps<'_>,
        index: usize,
        offset: usize,
    ) -> Result<&'a [T]>;
    #[doc(hidden)]
    fn program<'obj>(progs: &Self::Progs<'obj>, index: usize) -> &'obj Program<'obj>;
    #[doc(hidden)]
    fn program_mut<'a>(progs: &'a mut Self::Progs<'_>, index: usize) -> Self::ProgramMut<'a>;
    #[doc(hidden)]
    fn shadow<'a, T: Shadow>(shadows: &'a Self::Shadows<'_>, index: usize) -> &'a T;
    #[doc(hidden)]
    fn autoattach(shadows: &Self::Shadows<'_>, index: usize) -> bool;
    #[doc(hidden)]
    fn set_autoattach(shadows: &mut Self::Shadows<'_>, index: usize, on: bool);
}

impl Stage for Open {
    type Map<'a> = OpenMap<'a>;
    type MapMut<'a> = OpenMapMut<'a>;
    type ProgramMut<'a> = OpenProgramMut<'a>;
    type Maps<'obj> = OpenMaps<'obj>;
    type Progs<'obj> = OpenProgs<'obj>;
    type Shadows<'obj> = OpenShadows<'obj>;

    fn map<'a>(maps: &'a OpenMaps<'_>, index: usize) -> OpenMap<'a> {
        maps.map(index)
    }
    fn map_mut<'a>(maps: &'a mut OpenMaps<'_>, index: usize) -> OpenMapMut<'a> {
        maps.map_mut(index)
    }
    fn data<'a, T: Plain>(maps: &'a OpenMaps<'_>, index: usize) -> Result<&'a T> {
        maps.data(index)
    }
    fn array<'a, T: Plain>(maps: &'a OpenMaps<'_>, index: usize, offset: usize) -> Result<&'a [T]> {
        maps.array(index, offset)
    }
    fn program<'obj>(progs: &Self::Progs<'obj>, index: usize) -> &'obj Program<'obj> {
        progs.program(index)
    }
    fn program_mut<'a>(progs: &'a mut OpenProgs<'_>, index: usize) -> OpenProgramMut<'a> {
        progs.program_mut(index)
    }
    fn shadow<'a, T: Shadow>(shadows: &'a OpenShadows<'_>, index: usize) -> &'a T {
        shadows.get(index)
    }
    fn autoattach(shadows: &OpenShadows<'_>, index: usize) -> bool {
        shadows.autoattach(index)
    }
    fn set_autoattach(shadows: &mut OpenShadows<'_>, index: usize, on: bool) {
        shadows.set_autoattach(index, on)
    }
}

impl Stage for Loaded {
    type Map<'a> = Map<'a>;
    type MapMut<'a> = MapMut<'a>;
    type ProgramMut<'a> = ProgramMut<'a>;
    type Maps<'obj> = Maps<'obj>;
    type Progs<'obj> = Progs<'obj>;
    type Shadows<'obj> = Shadows<'obj>;

    fn map<'a>(maps: &'a Maps<'_>, index: usize) -> Map<'a> {
        maps.map(index)
    }
    fn map_mut<'a>(maps: &'a mut Maps<'_>, index: usize) -> MapMut<'a> {
        maps.map_mut(index)
    }
    fn data<'a, T: Plain>(maps: &'a Maps<'_>, index: usize) -> Result<&'a T> {
        maps.data(index)
    }
    fn array<'a, T: Plain>(maps: &'a Maps<'_>, index: usize, offset: usize) -> Result<&'a [T]> {
        maps.array(index, offset)
    }
    fn program<'obj>(progs: &Self::Progs<'obj>, index: usize) -> &'obj Program<'obj> {
        progs.program(index)
    }
    fn program_mut<'a>(progs: &'a mut Progs<'_>, index: usize) -> ProgramMut<'a> {
        progs.program_mut(index)
    }
    fn shadow<'a, T: Shadow>(shadows: &'a Shadows<'_>, index: usize) -> &'a T {
        shadows.get(index)
    }
    fn autoattach(shadows: &Shadows<'_>, index: usize) -> bool {
        shadows.autoattach(index)
    }
    fn set_autoattach(shadows: &mut Shadows<'_>, index: usize, on: bool) {
        shadows.set_autoattach(index, on)
    }
}
