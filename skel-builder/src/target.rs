//! The machine a skeleton is built for. The BPF object follows it (clang's
//! `-target bpfel` or `bpfeb`, and the `__TARGET_ARCH_<arch>` that
//! libbpf's `bpf_tracing.h` needs for its register macros), and so do the
//! generated Rust types: pointer width (struct_ops program slots), the
//! alignment of 64- and 128-bit scalars, and the bit order of bitfields.

use std::fmt;

use crate::model::TargetLayout;

/// Byte order of a [`Target`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Endian {
    /// Least significant byte first (x86, arm, riscv, loongarch,
    /// powerpc64le): BPF objects for it are `bpfel`.
    Little,
    /// Most significant byte first (s390x, powerpc64, powerpc): BPF objects
    /// for it are `bpfeb`.
    Big,
}

impl Endian {
    /// The host's byte order.
    pub const fn host() -> Endian {
        if cfg!(target_endian = "big") {
            Endian::Big
        } else {
            Endian::Little
        }
    }

    /// As `CARGO_CFG_TARGET_ENDIAN` spells it: `little` or `big`.
    pub fn from_cargo(value: &str) -> Option<Endian> {
        match value {
            "little" => Some(Endian::Little),
            "big" => Some(Endian::Big),
            _ => None,
        }
    }

    /// `little` or `big`.
    pub fn as_str(self) -> &'static str {
        match self {
            Endian::Little => "little",
            Endian::Big => "big",
        }
    }
}

/// The machine the crate using a skeleton is compiled for, as Rust names
/// it: `target_arch`, `target_endian` and `target_pointer_width`.
///
/// A build script takes it from cargo (`CARGO_CFG_TARGET_ARCH`,
/// `CARGO_CFG_TARGET_ENDIAN`, `CARGO_CFG_TARGET_POINTER_WIDTH`), so a cross
/// build (`cargo build --target s390x-unknown-linux-gnu`) compiles its BPF
/// programs for that machine, not the one running the build; set one with
/// [`SkeletonBuilder::target`](crate::SkeletonBuilder::target) to generate
/// for another.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Target {
    arch: String,
    endian: Endian,
    pointer_width: u32,
}

impl Target {
    /// A target by its Rust `target_arch` (`x86_64`, `aarch64`, `s390x`,
    /// `x86` for i686, ...), byte order, and `target_pointer_width` in bits
    /// (64, or 32 for `x86`, `arm`, `powerpc`, ...).
    pub fn new(arch: impl Into<String>, endian: Endian, pointer_width: u32) -> Target {
        Target {
            arch: arch.into(),
            endian,
            pointer_width,
        }
    }

    /// The machine running this code (for a build script, the one running
    /// the build, which is not the crate's target in a cross build).
    pub fn host() -> Target {
        Target::new(std::env::consts::ARCH, Endian::host(), usize::BITS)
    }

    /// The Rust `target_arch`.
    pub fn arch(&self) -> &str {
        &self.arch
    }

    /// The byte order.
    pub fn endian(&self) -> Endian {
        self.endian
    }

    /// The pointer width in bits.
    pub fn pointer_width(&self) -> u32 {
        self.pointer_width
    }

    /// clang's BPF target for this byte order: `bpfel` or `bpfeb`.
    pub fn bpf_target(&self) -> &'static str {
        match self.endian {
            Endian::Little => "bpfel",
            Endian::Big => "bpfeb",
        }
    }

    /// The `<arch>` of `__TARGET_ARCH_<arch>`, as libbpf's `bpf_tracing.h`
    /// names it (`x86`, `arm64`, `s390`, ...), for the architectures it
    /// knows; `None` for others (then no `__TARGET_ARCH_` is defined, and a
    /// program using the register macros fails to compile, saying so).
    pub fn bpf_arch(&self) -> Option<&'static str> {
        Some(match self.arch.as_str() {
            "x86_64" | "x86" => "x86",
            "aarch64" => "arm64",
            "arm" => "arm",
            // bpf_tracing.h's riscv registers are RV64's.
            "riscv64" => "riscv",
            "powerpc64" | "powerpc" => "powerpc",
            "s390x" => "s390",
            "loongarch64" => "loongarch",
            "mips" | "mips64" => "mips",
            "sparc64" => "sparc",
            _ => return None,
        })
    }

    /// The Debian/Ubuntu multiarch triple (`x86_64-linux-gnu`), whose
    /// include directory holds the `asm/` headers of the kernel's UAPI.
    pub(crate) fn multiarch(&self) -> Option<&'static str> {
        let little = self.endian == Endian::Little;
        Some(match (self.arch.as_str(), self.pointer_width) {
            ("x86_64", 64) => "x86_64-linux-gnu",
            ("x86_64", 32) => "x86_64-linux-gnux32",
            ("x86", _) => "i386-linux-gnu",
            ("aarch64", _) => "aarch64-linux-gnu",
            ("arm", _) => "arm-linux-gnueabihf",
            ("riscv64", _) => "riscv64-linux-gnu",
            ("powerpc64", _) if little => "powerpc64le-linux-gnu",
            ("powerpc64", _) => "powerpc64-linux-gnu",
            ("powerpc", _) => "powerpc-linux-gnu",
            ("s390x", _) => "s390x-linux-gnu",
            ("loongarch64", _) => "loongarch64-linux-gnu",
            ("mips64", _) if little => "mips64el-linux-gnuabi64",
            ("mips64", _) => "mips64-linux-gnuabi64",
            ("mips", _) if little => "mipsel-linux-gnu",
            ("mips", _) => "mips-linux-gnu",
            ("sparc64", _) => "sparc64-linux-gnu",
            _ => return None,
        })
    }

    /// What the generated Rust types must match on this target, or why it
    /// has none.
    pub(crate) fn layout(&self) -> Result<TargetLayout, String> {
        let pointer_size = match self.pointer_width {
            16 | 32 | 64 => u64::from(self.pointer_width / 8),
            other => {
                return Err(format!(
                    "a pointer width of {other} bits (Rust targets have 16, 32 or 64)"
                ));
            }
        };
        if self.arch.is_empty() {
            return Err("an empty architecture name".to_owned());
        }
        // Rust's alignment of u64/i64/f64 and of u128/i128 (from each
        // target's LLVM data layout, which rustc follows; checked with
        // `align_of` on x86_64, i686, armv7, powerpc and s390x): BPF
        // aligns them to 8 and 16, and some 32-bit ABIs less. An arch not
        // listed gets 8 and 16.
        let align_8 = match self.arch.as_str() {
            // i686: `i64` and `f64` are 4-aligned (`f64:32:64`).
            "x86" | "csky" => 4,
            _ => 8,
        };
        let align_16 = match self.arch.as_str() {
            // `i128:128` in their data layouts.
            "x86_64" | "x86" | "aarch64" | "riscv64" | "powerpc64" | "loongarch64" | "mips64"
            | "sparc64" => 16,
            // No `i128` entry: rustc gives u128 the alignment of u64.
            "arm" | "s390x" | "powerpc" | "riscv32" | "mips" | "sparc" => 8,
            _ => 16,
        };
        Ok(TargetLayout {
            pointer_size,
            align_8,
            align_16,
            big_endian: self.endian == Endian::Big,
        })
    }
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} ({}-endian, {}-bit)",
            self.arch,
            self.endian.as_str(),
            self.pointer_width
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bpf_names() {
        let t = |arch: &str| Target::new(arch, Endian::Little, 64);
        let cases = [
            ("x86_64", Some("x86")),
            ("x86", Some("x86")),
            ("aarch64", Some("arm64")),
            ("arm", Some("arm")),
            ("riscv64", Some("riscv")),
            ("s390x", Some("s390")),
            ("powerpc64", Some("powerpc")),
            ("loongarch64", Some("loongarch")),
            ("wasm32", None),
        ];
        for (arch, want) in cases {
            assert_eq!(t(arch).bpf_arch(), want, "{arch}");
        }
        assert_eq!(t("x86_64").bpf_target(), "bpfel");
        assert_eq!(Target::new("s390x", Endian::Big, 64).bpf_target(), "bpfeb");
    }

    #[test]
    fn layouts() {
        let l = |arch: &str, endian, width| Target::new(arch, endian, width).layout().unwrap();
        let x86_64 = l("x86_64", Endian::Little, 64);
        assert_eq!(x86_64, TargetLayout::default());
        let i686 = l("x86", Endian::Little, 32);
        assert_eq!((i686.pointer_size, i686.align_8, i686.align_16), (4, 4, 16));
        let arm = l("arm", Endian::Little, 32);
        assert_eq!((arm.pointer_size, arm.align_8, arm.align_16), (4, 8, 8));
        let s390x = l("s390x", Endian::Big, 64);
        assert_eq!(
            (
                s390x.pointer_size,
                s390x.align_8,
                s390x.align_16,
                s390x.big_endian
            ),
            (8, 8, 8, true)
        );
        assert!(Target::new("x86_64", Endian::Little, 12).layout().is_err());
        assert!(Target::new("", Endian::Little, 64).layout().is_err());
    }

    #[test]
    fn multiarch_dirs() {
        let m = |arch: &str, endian, width| Target::new(arch, endian, width).multiarch();
        assert_eq!(m("x86_64", Endian::Little, 64), Some("x86_64-linux-gnu"));
        assert_eq!(
            m("powerpc64", Endian::Little, 64),
            Some("powerpc64le-linux-gnu")
        );
        assert_eq!(m("powerpc64", Endian::Big, 64), Some("powerpc64-linux-gnu"));
        assert_eq!(m("x86", Endian::Little, 32), Some("i386-linux-gnu"));
        assert_eq!(m("wasm32", Endian::Little, 32), None);
    }
}
