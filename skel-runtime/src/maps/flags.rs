//! The flags of a map update.

use std::fmt;
use std::ops::{BitOr, BitOrAssign};

/// Flags of an update (`BPF_ANY`, `BPF_NOEXIST`, `BPF_EXIST`,
/// `BPF_F_LOCK`), combined with `|`: the constants libbpf-rs's `MapFlags`
/// has, with the same values.
#[derive(Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct MapFlags(u64);

impl MapFlags {
    /// `BPF_ANY`: create the entry or update it.
    pub const ANY: MapFlags = MapFlags(libbpf_sys::BPF_ANY as u64);
    /// `BPF_NOEXIST`: create the entry only if it does not exist.
    pub const NO_EXIST: MapFlags = MapFlags(libbpf_sys::BPF_NOEXIST as u64);
    /// `BPF_EXIST`: update the entry only if it exists (for a queue or
    /// stack: push out the oldest value when full).
    pub const EXIST: MapFlags = MapFlags(libbpf_sys::BPF_EXIST as u64);
    /// `BPF_F_LOCK`: take the value's `bpf_spin_lock` for the update.
    pub const LOCK: MapFlags = MapFlags(libbpf_sys::BPF_F_LOCK as u64);

    /// The flags as the kernel takes them.
    pub const fn bits(self) -> u64 {
        self.0
    }

    /// Flags from the kernel's bits, also bits without a constant here.
    pub const fn from_bits_retain(bits: u64) -> MapFlags {
        MapFlags(bits)
    }

    /// Are all of `other`'s flags set?
    pub const fn contains(self, other: MapFlags) -> bool {
        self.0 & other.0 == other.0
    }
}

impl BitOr for MapFlags {
    type Output = MapFlags;

    fn bitor(self, other: MapFlags) -> MapFlags {
        MapFlags(self.0 | other.0)
    }
}

impl BitOrAssign for MapFlags {
    fn bitor_assign(&mut self, other: MapFlags) {
        self.0 |= other.0;
    }
}

impl fmt::Debug for MapFlags {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const NAMED: [(MapFlags, &str); 3] = [
            (MapFlags::NO_EXIST, "NO_EXIST"),
            (MapFlags::EXIST, "EXIST"),
            (MapFlags::LOCK, "LOCK"),
        ];
        let mut names: Vec<String> = NAMED
            .iter()
            .filter(|(flag, _)| self.contains(*flag))
            .map(|(_, name)| (*name).to_owned())
            .collect();
        let rest = NAMED.iter().fold(self.0, |bits, (flag, _)| bits & !flag.0);
        if rest != 0 {
            names.push(format!("{rest:#x}"));
        }
        if names.is_empty() {
            names.push("ANY".to_owned());
        }
        write!(f, "MapFlags({})", names.join(" | "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_are_the_kernels_bits_and_combine() {
        assert_eq!(MapFlags::ANY.bits(), 0);
        assert_eq!(MapFlags::NO_EXIST.bits(), 1);
        assert_eq!(MapFlags::EXIST.bits(), 2);
        assert_eq!(MapFlags::LOCK.bits(), 4);
        assert_eq!(MapFlags::default(), MapFlags::ANY);
        let mut f = MapFlags::EXIST | MapFlags::LOCK;
        assert_eq!(f.bits(), 6);
        assert!(f.contains(MapFlags::LOCK) && !f.contains(MapFlags::NO_EXIST));
        assert!(f.contains(MapFlags::ANY));
        f |= MapFlags::from_bits_retain(0x10);
        assert_eq!(format!("{f:?}"), "MapFlags(EXIST | LOCK | 0x10)");
        assert_eq!(format!("{:?}", MapFlags::ANY), "MapFlags(ANY)");
    }
}
