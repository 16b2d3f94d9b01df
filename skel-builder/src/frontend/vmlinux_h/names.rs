//! C names for BTF types. Kernel BTF can hold several distinct types of one
//! name (two `struct foo` from different files that dedup kept apart). C
//! allows one of each per namespace, so the second becomes `foo___2`, the
//! third `foo___3`: the `___` suffix is what libbpf's CO-RE ignores when it
//! matches a type against the kernel's, so relocations still find `foo`.
//!
//! Struct, union and enum tags share one namespace; typedef names and
//! enumerators share the ordinary one. Names are given in the order types
//! are printed, so a type always gets its name before its first use.

use std::collections::HashMap;

/// How many times each name was taken, per namespace.
#[derive(Default)]
pub struct Namespace<'a> {
    taken: HashMap<&'a str, u32>,
}

impl<'a> Namespace<'a> {
    /// Takes `name` once more; returns how many times it is now taken
    /// (1 for the first).
    pub fn take(&mut self, name: &'a str) -> u32 {
        let n = self.taken.entry(name).or_insert(0);
        *n += 1;
        *n
    }
}

/// `name`, or `name___<n>` for its n-th holder (n > 1).
pub fn numbered(name: &str, n: u32) -> String {
    if n <= 1 {
        name.to_owned()
    } else {
        format!("{name}___{n}")
    }
}

/// A C identifier: ASCII letters, digits and `_`, not starting with a
/// digit. Everything printed as a name is checked, so no input can put
/// arbitrary text into the header.
pub fn is_identifier(name: &str) -> bool {
    let bytes = name.as_bytes();
    !bytes.is_empty()
        && !bytes[0].is_ascii_digit()
        && bytes
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || *b == b'_')
}

/// The name of a base type (`long unsigned int`, `_Bool`): identifiers
/// separated by single spaces.
pub fn is_base_type_name(name: &str) -> bool {
    !name.is_empty() && name.split(' ').all(is_identifier)
}

/// A type tag's value, printed inside a string literal.
pub fn is_tag_text(text: &str) -> bool {
    text.bytes()
        .all(|b| (b' '..=b'~').contains(&b) && b != b'"' && b != b'\\')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn duplicates_are_numbered() {
        let mut ns = Namespace::default();
        assert_eq!(numbered("foo", ns.take("foo")), "foo");
        assert_eq!(numbered("bar", ns.take("bar")), "bar");
        assert_eq!(numbered("foo", ns.take("foo")), "foo___2");
        assert_eq!(numbered("foo", ns.take("foo")), "foo___3");
    }

    #[test]
    fn only_identifiers_pass() {
        assert!(is_identifier("task_struct"));
        assert!(is_identifier("_x9"));
        for bad in ["", "9x", "a b", "a;b", "x*/", "é"] {
            assert!(!is_identifier(bad), "{bad}");
        }
        assert!(is_base_type_name("long unsigned int"));
        assert!(!is_base_type_name("long  int"));
        assert!(!is_base_type_name("int;"));
        assert!(is_tag_text("rcu"));
        assert!(!is_tag_text("a\"b"));
    }
}
