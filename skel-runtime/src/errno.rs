//! [`Errno`]: an errno as libbpf and the kernel return it, printed with its
//! name.
//!
//! `strerror` knows only the errnos of the user-space ABI. BPF calls also
//! return the kernel's internal ones (512..=531, `include/linux/errno.h`):
//! a struct_ops callback the kernel takes no BPF program for fails with 524, which
//! `std::io::Error` prints as "Unknown error 524". Here it is `ENOTSUPP`.

use std::fmt;

/// `ENOTSUPP`: the kernel-internal "operation is not supported" (524), not
/// to be confused with user space's `ENOTSUP` (= `EOPNOTSUPP`, 95).
pub const ENOTSUPP: i32 = 524;

/// The kernel-internal errnos (`include/linux/errno.h`), which should never
/// reach user space but do through the bpf() syscall.
const KERNEL_INTERNAL: &[(i32, &str, &str)] = &[
    (
        512,
        "ERESTARTSYS",
        "interrupted system call, to be restarted",
    ),
    (513, "ERESTARTNOINTR", "system call to be restarted"),
    (
        514,
        "ERESTARTNOHAND",
        "to be restarted if no signal handler",
    ),
    (515, "ENOIOCTLCMD", "no such ioctl command"),
    (
        516,
        "ERESTART_RESTARTBLOCK",
        "to be restarted through restart_syscall",
    ),
    (517, "EPROBE_DEFER", "driver asks to be probed again"),
    (518, "EOPENSTALE", "open found a stale dentry"),
    (519, "ENOPARAM", "parameter not supported"),
    (521, "EBADHANDLE", "illegal NFS file handle"),
    (522, "ENOTSYNC", "update synchronization mismatch"),
    (523, "EBADCOOKIE", "cookie is stale"),
    (ENOTSUPP, "ENOTSUPP", "operation is not supported"),
    (525, "ETOOSMALL", "buffer or request is too small"),
    (526, "ESERVERFAULT", "an untranslatable error occurred"),
    (527, "EBADTYPE", "type not supported by server"),
    (
        528,
        "EJUKEBOX",
        "request will not complete before its timeout",
    ),
    (529, "EIOCBQUEUED", "iocb queued, completion event to come"),
    (530, "ERECALLCONFLICT", "conflict with recalled state"),
    (531, "ENOGRACE", "NFS file lock reclaim refused"),
];

/// The names of user-space errnos (values from the libc crate, so they are
/// right on every architecture).
const USER: &[(i32, &str)] = &[
    (libc::EPERM, "EPERM"),
    (libc::ENOENT, "ENOENT"),
    (libc::ESRCH, "ESRCH"),
    (libc::EINTR, "EINTR"),
    (libc::EIO, "EIO"),
    (libc::ENXIO, "ENXIO"),
    (libc::E2BIG, "E2BIG"),
    (libc::ENOEXEC, "ENOEXEC"),
    (libc::EBADF, "EBADF"),
    (libc::ECHILD, "ECHILD"),
    (libc::EAGAIN, "EAGAIN"),
    (libc::ENOMEM, "ENOMEM"),
    (libc::EACCES, "EACCES"),
    (libc::EFAULT, "EFAULT"),
    (libc::ENOTBLK, "ENOTBLK"),
    (libc::EBUSY, "EBUSY"),
    (libc::EEXIST, "EEXIST"),
    (libc::EXDEV, "EXDEV"),
    (libc::ENODEV, "ENODEV"),
    (libc::ENOTDIR, "ENOTDIR"),
    (libc::EISDIR, "EISDIR"),
    (libc::EINVAL, "EINVAL"),
    (libc::ENFILE, "ENFILE"),
    (libc::EMFILE, "EMFILE"),
    (libc::ENOTTY, "ENOTTY"),
    (libc::ETXTBSY, "ETXTBSY"),
    (libc::EFBIG, "EFBIG"),
    (libc::ENOSPC, "ENOSPC"),
    (libc::ESPIPE, "ESPIPE"),
    (libc::EROFS, "EROFS"),
    (libc::EMLINK, "EMLINK"),
    (libc::EPIPE, "EPIPE"),
    (libc::EDOM, "EDOM"),
    (libc::ERANGE, "ERANGE"),
    (libc::EDEADLK, "EDEADLK"),
    (libc::ENAMETOOLONG, "ENAMETOOLONG"),
    (libc::ENOLCK, "ENOLCK"),
    (libc::ENOSYS, "ENOSYS"),
    (libc::ENOTEMPTY, "ENOTEMPTY"),
    (libc::ELOOP, "ELOOP"),
    (libc::ENOMSG, "ENOMSG"),
    (libc::EIDRM, "EIDRM"),
    (libc::ENOSTR, "ENOSTR"),
    (libc::ENODATA, "ENODATA"),
    (libc::ETIME, "ETIME"),
    (libc::ENOSR, "ENOSR"),
    (libc::ENOLINK, "ENOLINK"),
    (libc::EPROTO, "EPROTO"),
    (libc::EBADMSG, "EBADMSG"),
    (libc::EOVERFLOW, "EOVERFLOW"),
    (libc::EBADFD, "EBADFD"),
    (libc::EILSEQ, "EILSEQ"),
    (libc::EUSERS, "EUSERS"),
    (libc::ENOTSOCK, "ENOTSOCK"),
    (libc::EDESTADDRREQ, "EDESTADDRREQ"),
    (libc::EMSGSIZE, "EMSGSIZE"),
    (libc::EPROTOTYPE, "EPROTOTYPE"),
    (libc::ENOPROTOOPT, "ENOPROTOOPT"),
    (libc::EPROTONOSUPPORT, "EPROTONOSUPPORT"),
    (libc::ESOCKTNOSUPPORT, "ESOCKTNOSUPPORT"),
    (libc::EOPNOTSUPP, "EOPNOTSUPP"),
    (libc::EPFNOSUPPORT, "EPFNOSUPPORT"),
    (libc::EAFNOSUPPORT, "EAFNOSUPPORT"),
    (libc::EADDRINUSE, "EADDRINUSE"),
    (libc::EADDRNOTAVAIL, "EADDRNOTAVAIL"),
    (libc::ENETDOWN, "ENETDOWN"),
    (libc::ENETUNREACH, "ENETUNREACH"),
    (libc::ENETRESET, "ENETRESET"),
    (libc::ECONNABORTED, "ECONNABORTED"),
    (libc::ECONNRESET, "ECONNRESET"),
    (libc::ENOBUFS, "ENOBUFS"),
    (libc::EISCONN, "EISCONN"),
    (libc::ENOTCONN, "ENOTCONN"),
    (libc::ESHUTDOWN, "ESHUTDOWN"),
    (libc::ETOOMANYREFS, "ETOOMANYREFS"),
    (libc::ETIMEDOUT, "ETIMEDOUT"),
    (libc::ECONNREFUSED, "ECONNREFUSED"),
    (libc::EHOSTDOWN, "EHOSTDOWN"),
    (libc::EHOSTUNREACH, "EHOSTUNREACH"),
    (libc::EALREADY, "EALREADY"),
    (libc::EINPROGRESS, "EINPROGRESS"),
    (libc::ESTALE, "ESTALE"),
    (libc::EDQUOT, "EDQUOT"),
    (libc::ECANCELED, "ECANCELED"),
    (libc::ENOKEY, "ENOKEY"),
    (libc::EKEYEXPIRED, "EKEYEXPIRED"),
    (libc::EKEYREVOKED, "EKEYREVOKED"),
    (libc::EKEYREJECTED, "EKEYREJECTED"),
    (libc::EOWNERDEAD, "EOWNERDEAD"),
    (libc::ENOTRECOVERABLE, "ENOTRECOVERABLE"),
    (libc::ERFKILL, "ERFKILL"),
    (libc::EHWPOISON, "EHWPOISON"),
];

/// An errno from libbpf or the kernel (positive: libbpf's `-ENOENT` is
/// `Errno(ENOENT)`), printed as `ENOENT (2): No such file or directory`.
/// `Send` and `Sync`: a number.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Errno(i32);

impl Errno {
    /// The errno `code`; a negative `code` (libbpf's return convention) is
    /// taken as its absolute value.
    pub const fn new(code: i32) -> Self {
        Errno(code.saturating_abs())
    }

    /// The number, as `std::io::Error::raw_os_error` gives it.
    pub const fn raw(self) -> i32 {
        self.0
    }

    /// The symbolic name (`EINVAL`, `ENOTSUPP`), if it is a known errno.
    pub fn name(self) -> Option<&'static str> {
        USER.iter()
            .find(|(code, _)| *code == self.0)
            .map(|(_, name)| *name)
            .or_else(|| self.kernel_internal().map(|(name, _)| name))
    }

    /// Is it one of the kernel's internal errnos (512..=531), which
    /// `strerror` does not know?
    pub fn is_kernel_internal(self) -> bool {
        self.kernel_internal().is_some()
    }

    fn kernel_internal(self) -> Option<(&'static str, &'static str)> {
        KERNEL_INTERNAL
            .iter()
            .find(|(code, _, _)| *code == self.0)
            .map(|(_, name, text)| (*name, *text))
    }

    /// What it means: the C library's text, or the kernel header's for
    /// kernel-internal errnos.
    pub fn description(self) -> String {
        if let Some((_, text)) = self.kernel_internal() {
            return format!("{text} (a kernel-internal errno)");
        }
        // io::Error prints strerror's text followed by " (os error N)".
        let text = std::io::Error::from_raw_os_error(self.0).to_string();
        let suffix = format!(" (os error {})", self.0);
        text.strip_suffix(&suffix).unwrap_or(&text).to_owned()
    }
}

impl fmt::Display for Errno {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name() {
            Some(name) => write!(f, "{name} ({}): {}", self.0, self.description()),
            None => write!(f, "errno {}: {}", self.0, self.description()),
        }
    }
}

impl fmt::Debug for Errno {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name() {
            Some(name) => write!(f, "{name}"),
            None => write!(f, "Errno({})", self.0),
        }
    }
}

/// The errno the last libc or libbpf call on this thread left (libbpf
/// returns NULL and sets errno for failed constructors).
pub(crate) fn last_errno() -> Errno {
    Errno::new(
        std::io::Error::last_os_error()
            .raw_os_error()
            .unwrap_or(libc::EINVAL),
    )
}

impl From<Errno> for std::io::Error {
    fn from(e: Errno) -> Self {
        std::io::Error::from_raw_os_error(e.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kernel_internal_errnos_have_names() {
        let e = Errno::new(-524);
        assert_eq!(e.raw(), 524);
        assert_eq!(e.name(), Some("ENOTSUPP"));
        assert!(e.is_kernel_internal());
        assert_eq!(
            e.to_string(),
            "ENOTSUPP (524): operation is not supported (a kernel-internal errno)"
        );
        for (code, name) in [
            (512, "ERESTARTSYS"),
            (523, "EBADCOOKIE"),
            (525, "ETOOSMALL"),
            (531, "ENOGRACE"),
        ] {
            assert_eq!(Errno::new(code).name(), Some(name));
        }
        // 520 is unassigned in the kernel's header.
        assert_eq!(Errno::new(520).name(), None);
        assert!(Errno::new(520).to_string().starts_with("errno 520: "));
    }

    #[test]
    #[cfg_attr(miri, ignore = "Miri's strerror_r shim words errors differently")]
    fn user_errnos_print_name_number_and_text() {
        assert_eq!(
            Errno::new(libc::EINVAL).to_string(),
            "EINVAL (22): Invalid argument"
        );
        assert_eq!(Errno::new(-libc::EPERM).name(), Some("EPERM"));
        assert_eq!(Errno::new(libc::EOPNOTSUPP).name(), Some("EOPNOTSUPP"));
        assert!(!Errno::new(libc::EOPNOTSUPP).is_kernel_internal());
        let io: std::io::Error = Errno::new(libc::EEXIST).into();
        assert_eq!(io.raw_os_error(), Some(libc::EEXIST));
    }

    #[test]
    fn names_are_unique() {
        let mut names: Vec<&str> = USER.iter().map(|(_, n)| *n).collect();
        names.extend(KERNEL_INTERNAL.iter().map(|(_, n, _)| *n));
        let before = names.len();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), before);
    }
}
