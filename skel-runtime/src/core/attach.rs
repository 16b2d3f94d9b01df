//! Attaching a loaded skeleton: programs by their sections, struct_ops maps
//! by registering them, all at once or one map at a time.
//!
//! `attach()` is all or nothing: if one program or map fails, the links
//! this call made are dropped again (programs detached, maps
//! unregistered) before the error returns, so the skeleton is as it was
//! before the call. A half-attached skeleton (one of two congestion
//! controls registered, a scheduler's tracing programs running without
//! its struct_ops) is a state the caller did not ask for and could only
//! find by inspecting every link; after a failed `attach()` there is
//! nothing to undo, and calling it again after fixing the cause (e.g.
//! turning off a map's autoattach) starts from the same state. Links
//! made by earlier calls stay.

use std::ptr::NonNull;

use libbpf_sys::bpf_link;

use super::{LoadedCore, autoattach, map_created};
use crate::errno::Errno;
use crate::error::{Error, Result};
use crate::libbpf_log::{LibbpfLog, capture};
use crate::link::Link;

/// What `attach()` attaches, in order: generated code lists each with the
/// link field it fills.
#[doc(hidden)]
#[derive(Clone, Copy, Debug)]
pub enum AttachTarget {
    /// Program `index` of the spec.
    Program(usize),
    /// Map `index` of the spec, a struct_ops map.
    StructOps(usize),
}

impl<'obj> LoadedCore<'obj> {
    /// Attaches every target whose link is empty and that libbpf's
    /// skeleton attach would attach: programs loaded, with autoattach on
    /// and a section naming their target; struct_ops maps created, with
    /// autoattach on. On failure, drops the links it made (see the module
    /// docs) and returns the first error.
    pub fn attach_all(
        &self,
        targets: &mut [(AttachTarget, &mut Option<Link<'obj>>)],
    ) -> Result<()> {
        let mut made = vec![];
        for (i, (target, link)) in targets.iter_mut().enumerate() {
            if link.is_some() {
                continue;
            }
            let attached = match *target {
                AttachTarget::Program(index) => self.attach_program(index),
                AttachTarget::StructOps(index) => {
                    let map = self.object.map(index);
                    if !map_created(map) || !autoattach(map) {
                        continue;
                    }
                    self.register(index).map(Some)
                }
            };
            match attached {
                Ok(new) => {
                    if new.is_some() {
                        made.push(i);
                    }
                    **link = new;
                }
                Err(e) => {
                    for j in made {
                        *targets[j].1 = None;
                    }
                    return Err(e);
                }
            }
        }
        Ok(())
    }

    /// Registers struct_ops map `index` into `link`, whatever its
    /// autoattach setting; nothing to do if `link` is already set.
    pub fn attach_struct_ops(&self, index: usize, link: &mut Option<Link<'obj>>) -> Result<()> {
        if link.is_some() {
            return Ok(());
        }
        if !map_created(self.object.map(index)) {
            return Err(Error::NotCreated {
                map: self.object.map_name(index).to_owned(),
                what: "attach it",
            });
        }
        *link = Some(self.register(index)?);
        Ok(())
    }

    /// Attaches program `index` the way its section says into `link`,
    /// whatever its autoattach setting; nothing to do if `link` is already
    /// set. A program not loaded, or whose section names no target, is an
    /// error saying so.
    pub fn attach_one_program(&self, index: usize, link: &mut Option<Link<'obj>>) -> Result<()> {
        if link.is_some() {
            return Ok(());
        }
        let prog = self.object.progs[index].as_ptr();
        let name = self.object.spec.progs[index].name;
        // SAFETY: prog is a program of the loaded object.
        if unsafe { libbpf_sys::bpf_program__fd(prog) } < 0 {
            return Err(self.attach_error(
                "program",
                name,
                Errno::new(libc::ENOENT),
                LibbpfLog::default(),
                "\nhint: the program was not loaded (its autoload was off, or load skipped it as \
                 optional: see `skipped_programs()`)",
            ));
        }
        // SAFETY: as above. (errno is read right after the call.)
        let (new, log) =
            capture(|| new_link(unsafe { libbpf_sys::bpf_program__attach(prog) }, name));
        match new {
            Ok(new) => {
                *link = Some(new);
                Ok(())
            }
            Err(errno) if errno.raw() == libc::EOPNOTSUPP => Err(self.attach_error(
                "program",
                name,
                errno,
                log,
                "\nhint: its section names no attach target; attach it yourself with \
                 libbpf-rs's `attach_xdp`, `attach_kprobe`, ... through \
                 `skel.progs_mut().<program>().libbpf()` (skel-runtime's `libbpf-rs` feature)",
            )),
            Err(errno) => Err(self.attach_error("program", name, errno, log, "")),
        }
    }

    /// Attaches program `index` the way its section says, as libbpf's
    /// skeleton attach does: programs not loaded, with auto-attach off, or
    /// whose section gives no attach target are skipped (`Ok(None)`).
    fn attach_program(&self, index: usize) -> Result<Option<Link<'obj>>> {
        let prog = self.object.progs[index].as_ptr();
        // SAFETY: prog is a program of the loaded object.
        let skip = unsafe {
            !libbpf_sys::bpf_program__autoload(prog) || !libbpf_sys::bpf_program__autoattach(prog)
        };
        if skip || self.object.spec.progs[index].struct_ops {
            return Ok(None);
        }
        let name = self.object.spec.progs[index].name;
        // SAFETY: as above. (errno is read right after the call.)
        let (link, log) =
            capture(|| new_link(unsafe { libbpf_sys::bpf_program__attach(prog) }, name));
        match link {
            Ok(link) => Ok(Some(link)),
            // No auto-attach for this section: nothing to attach.
            Err(errno) if errno.raw() == libc::EOPNOTSUPP => Ok(None),
            Err(errno) => Err(self.attach_error("program", name, errno, log, "")),
        }
    }

    /// Registers struct_ops map `index` with the kernel (`.struct_ops.link`
    /// maps through a BPF link).
    fn register(&self, index: usize) -> Result<Link<'obj>> {
        let map = self.object.map(index).as_ptr();
        let name = self.object.map_name(index);
        // SAFETY: map is a created struct_ops map of the loaded object.
        // (errno is read right after the call.)
        let (link, log) =
            capture(|| new_link(unsafe { libbpf_sys::bpf_map__attach_struct_ops(map) }, name));
        link.map_err(|errno| self.attach_error("struct_ops map", name, errno, log, ""))
    }

    fn attach_error(
        &self,
        what: &'static str,
        name: &str,
        errno: Errno,
        log: LibbpfLog,
        hint: &'static str,
    ) -> Error {
        let hint = match (what, errno.raw()) {
            _ if !hint.is_empty() => hint,
            ("struct_ops map", libc::EEXIST) => {
                "\nhint: a struct_ops of that name is already registered (a TCP congestion \
                 control's name, a sched_ext scheduler, ...); set another `name` in the shadow"
            }
            ("struct_ops map", libc::EINVAL) => {
                "\nhint: the kernel checks a struct_ops map when it registers it: a required \
                 callback left empty or an invalid name is refused (`dmesg` may say which)"
            }
            (_, libc::EPERM) => "\nhint: attaching needs root, or CAP_BPF and CAP_PERFMON",
            _ => "",
        };
        Error::Attach {
            skeleton: self.object.spec.skeleton,
            what,
            name: name.to_owned(),
            errno,
            log,
            hint,
        }
    }
}

/// A link libbpf returned for the program or map `name` of a loaded
/// object that lives for `'obj`, or the errno it failed with.
fn new_link<'obj>(link: *mut bpf_link, name: &'static str) -> Result<Link<'obj>, Errno> {
    // SAFETY: libbpf_get_error only inspects the pointer value (and errno
    // for a null pointer).
    let err = unsafe { libbpf_sys::libbpf_get_error(link.cast()) };
    match NonNull::new(link) {
        // SAFETY: a new link we own, of the skeleton's object.
        Some(link) if err == 0 => Ok(unsafe { Link::new(link, name) }),
        _ => Err(Errno::new(i32::try_from(err).unwrap_or(-libc::EINVAL))),
    }
}
