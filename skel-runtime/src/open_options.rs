//! libbpf's options for opening a skeleton's object (`bpf_object_open_opts`).

use std::ffi::CString;
use std::path::{Path, PathBuf};

use libbpf_sys::bpf_object_open_opts;

use crate::errno::Errno;
use crate::error::{Error, Result};

/// libbpf's open options of a skeleton's object: a generated
/// `*SkelBuilder`'s `open_options`. Each setter is one field of libbpf's
/// `bpf_object_open_opts`; what is not set keeps libbpf's default. The
/// object's name is the skeleton's, set at open.
///
/// ```ignore
/// let mut builder = FooSkelBuilder::default();
/// builder
///     .open_options
///     .btf_custom_path("/boot/vmlinux.btf")
///     .pin_root_path("/sys/fs/bpf/foo");
/// let open = builder.open(&mut storage)?;
/// ```
///
/// `Send` and `Sync`: plain owned data, turned into libbpf's C strings
/// only for the open call.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct OpenOptions {
    btf_custom_path: Option<PathBuf>,
    pin_root_path: Option<PathBuf>,
    kconfig: Option<String>,
    kernel_log_level: u32,
}

impl OpenOptions {
    /// The kernel BTF libbpf relocates CO-RE programs against, instead of
    /// the running kernel's (`/sys/kernel/btf/vmlinux`): for kernels
    /// without BTF of their own (a BTFHub file).
    pub fn btf_custom_path(&mut self, path: impl Into<PathBuf>) -> &mut Self {
        self.btf_custom_path = Some(path.into());
        self
    }

    /// The directory maps pinned by name (`LIBBPF_PIN_BY_NAME`) are pinned
    /// in, instead of `/sys/fs/bpf`.
    pub fn pin_root_path(&mut self, path: impl Into<PathBuf>) -> &mut Self {
        self.pin_root_path = Some(path.into());
        self
    }

    /// Kernel config lines (`CONFIG_X=y`, one a line, as in
    /// `/proc/config.gz`) that `__kconfig` externs are resolved from first;
    /// those they leave unresolved come from the running kernel's config.
    pub fn kconfig(&mut self, config: impl Into<String>) -> &mut Self {
        self.kconfig = Some(config.into());
        self
    }

    /// The kernel's log level for loading the object's BTF and programs
    /// (0, libbpf's default, logs only on failure; 1 and 2 log the
    /// verifier's work, and `| 4` its statistics). The log reaches libbpf's
    /// print callback, and so [`LibbpfLog`](crate::LibbpfLog).
    pub fn kernel_log_level(&mut self, level: u32) -> &mut Self {
        self.kernel_log_level = level;
        self
    }

    /// Calls `f` with libbpf's options for object `name`; the C strings
    /// they point to live until `f` returns.
    pub(crate) fn with_raw<R>(
        &self,
        name: &str,
        f: impl FnOnce(&bpf_object_open_opts) -> R,
    ) -> Result<R> {
        let name = c_string("object name", name.as_bytes())?;
        let path = |what, p: &Option<PathBuf>| {
            p.as_deref()
                .map(|p: &Path| c_string(what, p.as_os_str().as_encoded_bytes()))
                .transpose()
        };
        let btf_custom_path = path("btf_custom_path", &self.btf_custom_path)?;
        let pin_root_path = path("pin_root_path", &self.pin_root_path)?;
        let kconfig = self
            .kconfig
            .as_deref()
            .map(|k| c_string("kconfig", k.as_bytes()))
            .transpose()?;
        let ptr = |s: &Option<CString>| s.as_ref().map_or(std::ptr::null(), |s| s.as_ptr());
        let opts = bpf_object_open_opts {
            sz: size_of::<bpf_object_open_opts>() as libbpf_sys::size_t,
            object_name: name.as_ptr(),
            btf_custom_path: ptr(&btf_custom_path),
            pin_root_path: ptr(&pin_root_path),
            kconfig: ptr(&kconfig),
            kernel_log_level: self.kernel_log_level,
            ..Default::default()
        };
        Ok(f(&opts))
    }
}

/// `bytes` as a C string, or an error naming the option with a NUL byte.
fn c_string(what: &str, bytes: &[u8]) -> Result<CString> {
    CString::new(bytes).map_err(|_| Error::Libbpf {
        what: format!("open option `{what}` contains a NUL byte"),
        errno: Some(Errno::new(libc::EINVAL)),
    })
}

#[cfg(test)]
mod tests {
    use std::ffi::CStr;

    use super::*;

    // Each option lands in its field of libbpf's options, as a C string
    // alive for the call; unset ones stay null (libbpf's defaults).
    #[test]
    fn options_fill_libbpf_fields() {
        // SAFETY: a C string of the options, read while they live.
        let text = |p: *const std::ffi::c_char| unsafe { CStr::from_ptr(p) }.to_str().unwrap();
        let defaults = OpenOptions::default();
        defaults
            .with_raw("obj", |o| {
                assert_eq!(o.sz as usize, size_of::<bpf_object_open_opts>());
                assert_eq!(text(o.object_name), "obj");
                assert!(o.btf_custom_path.is_null() && o.pin_root_path.is_null());
                assert!(o.kconfig.is_null());
                assert_eq!(o.kernel_log_level, 0);
            })
            .unwrap();

        let mut set = OpenOptions::default();
        set.btf_custom_path("/b.btf")
            .pin_root_path("/sys/fs/bpf/x")
            .kconfig("CONFIG_X=y\n")
            .kernel_log_level(1);
        set.with_raw("obj", |o| {
            assert_eq!(text(o.btf_custom_path), "/b.btf");
            assert_eq!(text(o.pin_root_path), "/sys/fs/bpf/x");
            assert_eq!(text(o.kconfig), "CONFIG_X=y\n");
            assert_eq!(o.kernel_log_level, 1);
        })
        .unwrap();

        let mut nul = OpenOptions::default();
        nul.kconfig("CONFIG_X=y\0");
        let e = nul.with_raw("obj", |_| ()).unwrap_err();
        assert_eq!(e.raw_os_error(), Some(libc::EINVAL));
        assert!(
            e.to_string().contains("`kconfig` contains a NUL byte"),
            "{e}"
        );
    }
}
