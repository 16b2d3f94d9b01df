//! The macros generated skeletons declare their views with: one
//! invocation per container (maps, programs, struct_ops), one line per
//! map or program, so the generated file says what the skeleton has and
//! this file says how each view reaches it. Every accessor is `#[inline]`:
//! a crate pays code generation only for what it calls.
//!
//! A view holds `&'a` (or `&'a mut`) the skeleton's private core; the
//! skeleton makes one per call (`skel.maps()`), so nothing of one
//! skeleton can be swapped into another. Accessors take the view by value
//! and return what borrows the skeleton for `'a`.

/// A view type: `shared` views are `Copy`, `exclusive` ones hold the core
/// mutably.
#[doc(hidden)]
#[macro_export]
macro_rules! __view {
    ($(#[$d:meta])* $name:ident $core:ident shared) => {
        $(#[$d])*
        ///
        /// Neither `Send` nor `Sync`: a shared borrow of the skeleton, which
        /// is not `Sync` (libbpf's settings are not synchronized, and live
        /// sections are written with non-atomic volatile accesses).
        #[derive(Clone, Copy)]
        pub struct $name<'a, 'obj> {
            core: &'a $crate::__private::$core<'obj>,
        }
        $crate::__view!(@debug $name);
    };
    ($(#[$d:meta])* $name:ident $core:ident exclusive) => {
        $(#[$d])*
        ///
        /// `Send` (an exclusive borrow of the skeleton, which is `Send`), not
        /// `Sync`; the handles it gives stay on the thread that makes them.
        pub struct $name<'a, 'obj> {
            core: &'a mut $crate::__private::$core<'obj>,
        }
        $crate::__view!(@debug $name);
    };
    (@debug $name:ident) => {
        impl ::core::fmt::Debug for $name<'_, '_> {
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                f.debug_struct(::core::stringify!($name)).finish_non_exhaustive()
            }
        }
    };
}

/// The programs views of a skeleton and its `progs()` / `progs_mut()`:
///
/// ```text
/// progs!(OpenFooSkel FooSkel; OpenFooProgs OpenFooProgsMut FooProgs FooProgsMut;
///        $(#[doc])* name INDEX; $(#[doc])* set_weight INDEX: syscall(types::weight_args); ...);
/// ```
///
/// A `syscall(T)` program is a `SEC("syscall")` program whose parameter
/// points to struct `T`: its loaded accessor gives a
/// [`SyscallProgram`](crate::SyscallProgram) typed by `T`.
#[doc(hidden)]
#[macro_export]
macro_rules! progs {
    ($open:ident $loaded:ident; $os:ident $ox:ident $ls:ident $lx:ident;
        $($(#[$d:meta])* $name:ident $i:literal $(: syscall($ctx:ty))?;)*) => {
        impl<'obj> $open<'obj> {
            /// Programs: their tokens, for struct_ops slots.
            #[inline]
            pub fn progs(&self) -> $os<'_, 'obj> {
                $os { core: &self.core }
            }
            /// Programs, to change their settings (autoload, ...).
            #[inline]
            pub fn progs_mut(&mut self) -> $ox<'_, 'obj> {
                $ox { core: &mut self.core }
            }
        }
        impl<'obj> $loaded<'obj> {
            /// Programs: file descriptors, ids, test runs.
            #[inline]
            pub fn progs(&self) -> $ls<'_, 'obj> {
                $ls { core: &self.core }
            }
            /// Programs, exclusively: autoattach, and with the `libbpf-rs`
            /// feature libbpf-rs's attach calls.
            #[inline]
            pub fn progs_mut(&mut self) -> $lx<'_, 'obj> {
                $lx { core: &mut self.core }
            }
        }
        $crate::__view!(
            /// Programs before load (`open.progs()`): each one's token, what
            /// struct_ops slots hold.
            $os OpenCore shared);
        $crate::__view!(
            /// Programs before load, to change their settings
            /// (`open.progs_mut()`).
            $ox OpenCore exclusive);
        $crate::__view!(
            /// Programs of the loaded object (`skel.progs()`).
            $ls LoadedCore shared);
        $crate::__view!(
            /// Programs of the loaded object, exclusively
            /// (`skel.progs_mut()`).
            $lx LoadedCore exclusive);
        impl<'a, 'obj> $os<'a, 'obj> {
            $($(#[$d])* #[inline] pub fn $name(self) -> &'obj $crate::Program<'obj> {
                self.core.program($i)
            })*
        }
        impl<'a, 'obj> $ox<'a, 'obj> {
            $($(#[$d])* #[inline] pub fn $name(self) -> $crate::OpenProgramMut<'a> {
                self.core.program_mut($i)
            })*
        }
        impl<'a, 'obj> $ls<'a, 'obj> {
            $($crate::progs!(@loaded $(#[$d])* $name $i $($ctx)?);)*
        }
        impl<'a, 'obj> $lx<'a, 'obj> {
            $($(#[$d])* #[inline] pub fn $name(self) -> $crate::LoadedProgramMut<'a> {
                self.core.program_mut($i)
            })*
        }
    };
    (@loaded $(#[$d:meta])* $name:ident $i:literal) => {
        $(#[$d])* #[inline] pub fn $name(self) -> $crate::LoadedProgram<'a> {
            self.core.program($i)
        }
    };
    (@loaded $(#[$d:meta])* $name:ident $i:literal $ctx:ty) => {
        $(#[$d])*
        ///
        /// A `SEC("syscall")` program: `.run(&mut ctx)` calls it with its
        /// typed context.
        #[inline] pub fn $name(self) -> $crate::SyscallProgram<'a, $ctx> {
            $crate::SyscallProgram::__new(self.core.program($i))
        }
    };
}

/// The struct_ops views of a skeleton and its `struct_ops()` /
/// `struct_ops_mut()`:
///
/// ```text
/// struct_ops!(OpenFooSkel FooSkel; OpenFooStructOps OpenFooStructOpsMut FooStructOps
///     FooStructOpsMut; $(#[doc])* cc INDEX: types::shadow_type, cc_autoattach
///     set_cc_autoattach clear_cc_missing read_cc_from_kernel attach_cc; ...);
/// ```
#[doc(hidden)]
#[macro_export]
macro_rules! struct_ops {
    ($open:ident $loaded:ident; $os:ident $ox:ident $ls:ident $lx:ident;
        $($(#[$d:meta])* $name:ident $i:literal: $($t:ident)::+, $auto:ident $set:ident
            $clear:ident $read:ident $attach:ident;)*) => {
        impl<'obj> $open<'obj> {
            /// struct_ops shadows: what load will send.
            #[inline]
            pub fn struct_ops(&self) -> $os<'_, 'obj> {
                $os { core: &self.core }
            }
            /// struct_ops shadows, to change, and their maps' settings.
            #[inline]
            pub fn struct_ops_mut(&mut self) -> $ox<'_, 'obj> {
                $ox { core: &mut self.core }
            }
        }
        impl<'obj> $loaded<'obj> {
            /// struct_ops shadows (what load sent) and the kernel's copies.
            #[inline]
            pub fn struct_ops(&self) -> $ls<'_, 'obj> {
                $ls { core: &self.core }
            }
            /// struct_ops maps' settings, to change.
            #[inline]
            pub fn struct_ops_mut(&mut self) -> $lx<'_, 'obj> {
                $lx { core: &mut self.core }
            }
        }
        $crate::__view!(
            /// struct_ops shadows before load (`open.struct_ops()`).
            $os OpenCore shared);
        $crate::__view!(
            /// struct_ops shadows before load, to change
            /// (`open.struct_ops_mut()`): `ops.slot = Some(token)` swaps a
            /// callback (a token from `open.progs()`), `None` clears it.
            $ox OpenCore exclusive);
        $crate::__view!(
            /// struct_ops shadows of the loaded object (`skel.struct_ops()`).
            $ls LoadedCore shared);
        $crate::__view!(
            /// struct_ops settings of the loaded object
            /// (`skel.struct_ops_mut()`).
            $lx LoadedCore exclusive);
        impl<'a, 'obj> $os<'a, 'obj> {
            $(
                $(#[$d])*
                #[inline]
                pub fn $name(self) -> &'a $($t)::+<'obj> {
                    self.core.shadow($i)
                }
                $crate::struct_ops!(@autoattach $auto $attach $i);
            )*
        }
        impl<'a, 'obj> $ox<'a, 'obj> {
            $(
                $(#[$d])*
                ///
                /// Writable until load.
                #[inline]
                pub fn $name(self) -> &'a mut $($t)::+<'obj> {
                    self.core.shadow_mut($i)
                }
                $crate::struct_ops!(@set $auto $set $attach $i);
                #[doc = ::core::concat!("Clears the members of [`Self::", ::core::stringify!($name),
                    "`] that the running kernel's struct lacks, and returns those that held \
                    something (their programs are then not loaded): to run on older kernels on \
                    purpose; without it, `load()` fails on such members.")]
                #[inline]
                pub fn $clear(&mut self) -> $crate::Result<::std::vec::Vec<&'static str>> {
                    self.core.clear_missing($i)
                }
            )*
        }
        impl<'a, 'obj> $ls<'a, 'obj> {
            $(
                $(#[$d])*
                ///
                /// What load sent.
                #[inline]
                pub fn $name(self) -> &'a $($t)::+<'obj> {
                    self.core.shadow($i)
                }
                $crate::struct_ops!(@autoattach $auto $attach $i);
                #[doc = ::core::concat!("Reads what the kernel holds for [`Self::", ::core::stringify!($name),
                    "`]'s map (laid out by the running kernel's BTF): its state, members, and the \
                    program in each slot by name. Blank (state `Init`) until registered.")]
                #[inline]
                pub fn $read(self) -> $crate::Result<$crate::KernelStructOps> {
                    self.core.read_back($i)
                }
            )*
        }
        impl<'a, 'obj> $lx<'a, 'obj> {
            $($crate::struct_ops!(@set $auto $set $attach $i);)*
        }
    };
    (@autoattach $auto:ident $attach:ident $i:literal) => {
        #[doc = ::core::concat!("Whether `attach()` registers this map (libbpf's autoattach; on \
            unless turned off); `", ::core::stringify!($attach), "()` registers it either way.")]
        #[inline]
        pub fn $auto(self) -> bool {
            self.core.autoattach($i)
        }
    };
    (@set $auto:ident $set:ident $attach:ident $i:literal) => {
        #[doc = ::core::concat!("Turns `", ::core::stringify!($auto), "` on or off; `",
            ::core::stringify!($attach), "()` registers the map either way.")]
        #[inline]
        pub fn $set(&mut self, on: bool) {
            self.core.set_autoattach($i, on)
        }
    };
}

/// The maps views of a skeleton and its `maps()` / `maps_mut()`: one line
/// per map, saying what the skeleton gives for it.
///
/// ```text
/// maps!(OpenFooSkel FooSkel; OpenFooMaps OpenFooMapsMut FooMaps;
///     $(#[doc])* name INDEX: handle;                        // a map handle
///     $(#[doc])* name INDEX: typed(Hash, K, V);             // skel_runtime::maps::Hash<'a, K, V>
///     $(#[doc])* name INDEX: events(RingBuf, T, "struct t");
///     $(#[doc])* name INDEX name_map: fixed(T) frozen;      // a data section and its map:
///     $(#[doc])* name INDEX name_map: fixed(T) live(TLive); //   frozen, live or unmapped
///     $(#[doc])* name INDEX name_map: fixed(T) unmapped(rw); //   after load (ro:
///                                                            //   .rodata)
///     $(#[doc])* name INDEX name_map: section(T, ..) unmapped;
///     $(#[doc])* name INDEX name_map: section(T, E, "var", OFFSET) live(TLive);
///     $(#[doc])* kconfig INDEX kconfig_map: kconfig(T);  // `.kconfig`: after load only
///     ...);
/// ```
#[doc(hidden)]
#[macro_export]
macro_rules! maps {
    ($open:ident $loaded:ident; $os:ident $ox:ident $ls:ident;
        $($(#[$d:meta])* $name:ident $i:literal $($h:ident)?: $kind:ident $(($($a:tt)*))?
            $($after:ident $(($live:ident))?)?;)*) => {
        impl<'obj> $open<'obj> {
            /// Maps: typed data sections, map settings.
            #[inline]
            pub fn maps(&self) -> $os<'_, 'obj> {
                $os { core: &self.core }
            }
            /// Maps, to change: writable data sections, map settings.
            #[inline]
            pub fn maps_mut(&mut self) -> $ox<'_, 'obj> {
                $ox { core: &mut self.core }
            }
        }
        impl<'obj> $loaded<'obj> {
            /// Maps: typed handles and data sections.
            #[inline]
            pub fn maps(&self) -> $ls<'_, 'obj> {
                $ls { core: &self.core }
            }
        }
        $crate::__view!(
            /// Maps before load (`open.maps()`).
            $os OpenCore shared);
        $crate::__view!(
            /// Maps before load, to change (`open.maps_mut()`).
            $ox OpenCore exclusive);
        $crate::__view!(
            /// Maps of the loaded object (`skel.maps()`).
            $ls LoadedCore shared);
        impl<'a, 'obj> $os<'a, 'obj> {
            $($crate::maps!(@open [$(#[$d])*] $name $i [$($h)?] $kind [$($($a)*)?]);)*
        }
        impl<'a, 'obj> $ox<'a, 'obj> {
            $($crate::maps!(@open_mut [$(#[$d])*] $name $i [$($h)?] $kind [$($($a)*)?]);)*
        }
        impl<'a, 'obj> $ls<'a, 'obj> {
            $($crate::maps!(@loaded [$(#[$d])*] $name $i [$($h)?] $kind [$($($a)*)?]
                [$($after $(($live))?)?]);)*
        }
    };

    // Before load: a map's settings, a data section's values.
    (@open [$($d:tt)*] $name:ident $i:literal [] $kind:ident [$($a:tt)*]) => {
        $($d)*
        #[inline]
        pub fn $name(self) -> $crate::OpenMap<'a> {
            self.core.map($i)
        }
    };
    (@open [$($d:tt)*] $name:ident $i:literal [$h:ident] fixed [$t:ty]) => {
        $($d)*
        ///
        /// Their initial values.
        #[inline]
        pub fn $name(self) -> &'a $t {
            self.core.data($i)
        }
        $crate::maps!(@handle $name $h OpenMap map $i);
    };
    (@open [$($d:tt)*] $name:ident $i:literal [$h:ident] section [$t:ty, $e:ty, $var:literal, $off:literal]) => {
        $($d)*
        #[inline]
        pub fn $name(self) -> $crate::Section<'a, $t, $e> {
            self.core.section($i, $var, $off)
        }
        $crate::maps!(@handle $name $h OpenMap map $i);
    };
    (@open [$($d:tt)*] $name:ident $i:literal [$h:ident] kconfig [$t:ty]) => {
        /// The `.kconfig` map; libbpf fills its values at load (read them
        /// from the loaded skeleton's `maps().kconfig()`).
        #[inline]
        pub fn $h(self) -> $crate::OpenMap<'a> {
            self.core.map($i)
        }
    };
    (@open_mut [$($d:tt)*] $name:ident $i:literal [$h:ident] kconfig [$t:ty]) => {
        /// The `.kconfig` map; libbpf fills its values at load.
        #[inline]
        pub fn $h(self) -> $crate::OpenMapMut<'a> {
            self.core.map_mut($i)
        }
    };
    (@open_mut [$($d:tt)*] $name:ident $i:literal [] $kind:ident [$($a:tt)*]) => {
        $($d)*
        #[inline]
        pub fn $name(self) -> $crate::OpenMapMut<'a> {
            self.core.map_mut($i)
        }
    };
    (@open_mut [$($d:tt)*] $name:ident $i:literal [$h:ident] fixed [$t:ty]) => {
        $($d)*
        ///
        /// Writable until load.
        #[inline]
        pub fn $name(self) -> &'a mut $t {
            self.core.data_mut($i)
        }
        $crate::maps!(@handle $name $h OpenMapMut map_mut $i);
    };
    (@open_mut [$($d:tt)*] $name:ident $i:literal [$h:ident] section [$t:ty, $e:ty, $var:literal, $off:literal]) => {
        $($d)*
        ///
        /// Resizable and writable until load.
        #[inline]
        pub fn $name(self) -> $crate::SectionMut<'a, $t, $e> {
            self.core.section_mut($i, $var, $off)
        }
        $crate::maps!(@handle $name $h OpenMapMut map_mut $i);
    };

    // After load: typed handles, live or frozen data sections.
    (@loaded [$($d:tt)*] $name:ident $i:literal [] handle [] []) => {
        $($d)*
        #[inline]
        pub fn $name(self) -> $crate::MapHandle<'a> {
            self.core.map($i)
        }
    };
    (@loaded [$($d:tt)*] $name:ident $i:literal [] typed [$h:ident, $($arg:ty),+] []) => {
        $($d)*
        #[inline]
        pub fn $name(self) -> $crate::maps::$h<'a, $($arg),+> {
            $crate::maps::$h::__new(self.core.map($i))
        }
    };
    (@loaded [$($d:tt)*] $name:ident $i:literal [] events [$h:ident, $t:ty, $c:literal] []) => {
        $($d)*
        #[inline]
        pub fn $name(self) -> $crate::events::$h<'a, $t> {
            $crate::events::$h::__new(self.core.map($i), $c)
        }
    };
    (@loaded [$($d:tt)*] $name:ident $i:literal [$h:ident] kconfig [$t:ty] []) => {
        $($d)*
        ///
        /// Filled by libbpf from the running kernel at load, then frozen:
        /// read-only for programs and user space. Externs declared
        /// `__weak` that the kernel lacks are zero.
        #[inline]
        pub fn $name(self) -> &'a $t {
            self.core.rodata($i)
        }
        $crate::maps!(@handle $name $h MapHandle map $i);
    };
    (@loaded [$($d:tt)*] $name:ident $i:literal [$h:ident] fixed [$t:ty] [frozen]) => {
        $($d)*
        ///
        /// Frozen at load: read-only for programs and user space.
        #[inline]
        pub fn $name(self) -> &'a $t {
            self.core.rodata($i)
        }
        $crate::maps!(@handle $name $h MapHandle map $i);
    };
    (@loaded [$($d:tt)*] $name:ident $i:literal [$h:ident] fixed [$($a:tt)*] [live($live:ident)]) => {
        $($d)*
        ///
        /// Live: shared with the BPF programs, each variable read and
        /// written with one volatile access.
        #[inline]
        pub fn $name(self) -> $live<'a> {
            $live::__new(self.core.live($i))
        }
        $crate::maps!(@handle $name $h MapHandle map $i);
    };
    (@loaded [$($d:tt)*] $name:ident $i:literal [$h:ident] section [$($a:tt)*] [live($live:ident)]) => {
        $($d)*
        ///
        /// Live: shared with the BPF programs, each variable read and
        /// written with one volatile access; its last array of the length
        /// it was resized to.
        #[inline]
        pub fn $name(self) -> $live<'a> {
            $live::__new(self.core.live_section($i))
        }
        $crate::maps!(@handle $name $h MapHandle map $i);
    };
    (@loaded [$($d:tt)*] $name:ident $i:literal [$h:ident] section [$t:ty, $e:ty, $var:literal, $off:literal] [frozen]) => {
        $($d)*
        ///
        /// Frozen at load: read-only for programs and user space.
        #[inline]
        pub fn $name(self) -> $crate::Section<'a, $t, $e> {
            self.core.rodata_section($i, $var, $off)
        }
        $crate::maps!(@handle $name $h MapHandle map $i);
    };
    (@loaded [$($d:tt)*] $name:ident $i:literal [$h:ident] fixed [$t:ty] [unmapped(rw)]) => {
        $($d)*
        ///
        /// Not mmapped (it holds only `static` variables): read and
        /// written as a whole, a copy through the section's map
        /// (`.copy()`, `.write(&value)`).
        #[inline]
        pub fn $name(self) -> $crate::UnmappedSection<'a, $t> {
            $crate::UnmappedSection::__new(self.core.map($i))
        }
        $crate::maps!(@handle $name $h MapHandle map $i);
    };
    (@loaded [$($d:tt)*] $name:ident $i:literal [$h:ident] fixed [$t:ty] [unmapped(ro)]) => {
        $($d)*
        ///
        /// Not mmapped (it holds only `static` variables) and frozen at
        /// load: read as a whole, a copy through the section's map
        /// (`.copy()`).
        #[inline]
        pub fn $name(self) -> $crate::UnmappedRodata<'a, $t> {
            $crate::UnmappedRodata::__new(self.core.map($i))
        }
        $crate::maps!(@handle $name $h MapHandle map $i);
    };
    (@loaded [$($d:tt)*] $name:ident $i:literal [$h:ident] $kind:ident [$($a:tt)*] [unmapped]) => {
        $crate::maps!(@handle $name $h MapHandle map $i);
    };

    (@handle $name:ident $h:ident $ty:ident $call:ident $i:literal) => {
        #[doc = ::core::concat!("The map of [`Self::", ::core::stringify!($name), "`].")]
        #[inline]
        pub fn $h(self) -> $crate::$ty<'a> {
            self.core.$call($i)
        }
    };
}
