//! The type-keeper header: the C header that makes clang put the types
//! the build script names (`.types`, `.event_type`) in BTF.

use super::build::create_dir;
use super::*;

impl SkeletonBuilder {
    /// A clang error in the type-keeper header (see
    /// [`write_type_keeper`](Self::write_type_keeper)) comes from the names
    /// the build script gave: a `struct` the sources define as a `union`,
    /// say. The error says so.
    pub(super) fn type_keeper_hint(&self, mut e: Error, keeper: &Path) -> Error {
        let Error::ClangFailed { stderr, hint, .. } = &mut e else {
            return e;
        };
        let name = keeper.file_name().map(|n| n.to_string_lossy());
        if name.is_some_and(|name| stderr.contains(&*name)) {
            let types: Vec<String> = self
                .tagged_types()
                .iter()
                .map(|t| format!("`{t}`"))
                .collect();
            *hint = Some(format!(
                "`{}` is skel-builder's: it declares the types named with `.types` and \
                 `.event_type` ({}) before each source, so that clang puts them in BTF; name each \
                 with the keyword the sources define it with (`struct`, `union` or `enum`), and \
                 each once",
                keeper.display(),
                types.join(", ")
            ));
        }
        e
    }

    /// The tagged types the build script names (`.types`, `.event_type`),
    /// as `struct event`: those clang can be made to put in BTF.
    pub(super) fn tagged_types(&self) -> Vec<String> {
        let named = self.request.types.iter();
        let events = self.request.events.iter().map(|(_, ty)| ty);
        let keys = self.request.map_keys.iter().map(|(_, ty)| ty);
        let values = self.request.map_values.iter().map(|(_, ty)| ty);
        let mut out: Vec<String> = named
            .chain(events)
            .chain(keys)
            .chain(values)
            .filter_map(|spelling| {
                let (keyword, tag) = spelling.trim().split_once(char::is_whitespace)?;
                let tag = tag.trim();
                let is_ident = tag.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                    && tag.chars().next().is_some_and(|c| !c.is_ascii_digit());
                (matches!(keyword, "struct" | "union" | "enum") && is_ident)
                    .then(|| format!("{keyword} {tag}"))
            })
            .collect();
        out.sort();
        out.dedup();
        out
    }

    pub(super) fn type_keeper_path(&self, work_dir: &Path) -> Option<PathBuf> {
        let name = self.skeleton_name().ok()?;
        (!self.tagged_types().is_empty()).then(|| work_dir.join(format!("{name}.types.h")))
    }

    /// clang puts a type in BTF only when something that reaches BTF (a
    /// global, a map, a function's signature) uses it, and an event
    /// struct is usually used only inside a program. So the types the
    /// build script names by tag are declared and taken by a function of
    /// their own, in a header clang includes before each source (`-include`):
    /// BTF is written at the end of the compile, by when the source has
    /// defined them, so the whole type is there. The function is a static
    /// `.text` subprogram no program calls; libbpf loads nothing of it.
    pub(super) fn write_type_keeper(&self, name: &str, work_dir: &Path) -> Result<(), Error> {
        let types = self.tagged_types();
        if types.is_empty() {
            return Ok(());
        }
        let mut text = String::from(
            "/* Written by skel-builder: the types the build script names\n * (`.types`, `.event_type`), so that clang puts them in BTF. */\n",
        );
        for ty in &types {
            text.push_str(&format!("{ty};\n"));
        }
        let params: Vec<String> = types
            .iter()
            .enumerate()
            .map(|(i, ty)| format!("{ty} *t{i}"))
            .collect();
        let uses: String = (0..types.len()).map(|i| format!(" (void)t{i};")).collect();
        text.push_str(&format!(
            "__attribute__((used)) static void __skel_keep_types({}) {{{uses} }}\n",
            params.join(", ")
        ));
        create_dir(work_dir)?;
        write::write_if_changed(&work_dir.join(format!("{name}.types.h")), text.as_bytes())?;
        Ok(())
    }
}
