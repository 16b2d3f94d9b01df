//! The pure pipeline: object bytes → [`model`](crate::model) → code. No
//! clang, no files, no environment: [`crate::builder`] gathers the input,
//! this reads the object (`object`), translates it (`translate`), names
//! it (`translate::naming`), prints it (`codegen`, `write`).

use std::path::Path;

use crate::error::{Error, Problem};
use crate::model::{ObjectPath, Skeleton};
use crate::target::{Endian, Target};
use crate::translate::naming;
use crate::{codegen, object, suggest, translate, write};

/// What the pipeline reads: the object and the builder's options.
pub(crate) struct Input<'a> {
    /// The skeleton's name, checked.
    pub name: &'a str,
    /// The object's path, as errors name it.
    pub object_path: &'a Path,
    /// How the generated code finds the object.
    pub reference: ObjectPath,
    pub bytes: &'a [u8],
    /// The input named in the generated file's header.
    pub shown: &'a str,
    /// The types and event types the build script names.
    pub request: &'a translate::Request,
    /// The programs to mark optional.
    pub optional: &'a [String],
    pub target: &'a Target,
}

/// What [`SkeletonBuilder::generate`](crate::SkeletonBuilder::generate)
/// returns.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Generated {
    /// The skeleton's Rust source.
    pub code: String,
    /// The model it was printed from.
    pub skeleton: Skeleton,
}

/// The whole pipeline: the model, with the optional programs marked, and
/// the code printed from it.
pub(crate) fn generate(input: &Input) -> Result<Generated, Error> {
    let mut skeleton = model(input)?;
    mark_optional(&mut skeleton, input.optional, input.object_path)?;
    let tokens = codegen::generate(&skeleton);
    let code = write::render(input.name, tokens, input.shown)?;
    Ok(Generated { code, skeleton })
}

/// The object name handed to libbpf: the skeleton name, cut to the 15
/// bytes libbpf keeps.
fn object_name(name: &str) -> String {
    name.chars().take(15).collect()
}

/// The named model of an object for the target: read, checked against the
/// target's byte order, translated, named.
fn model(input: &Input) -> Result<Skeleton, Error> {
    let Input {
        name,
        object_path,
        bytes,
        target,
        ..
    } = *input;
    let layout = target.layout().map_err(|reason| Error::BadTarget {
        target: target.to_string(),
        reason,
    })?;
    let object_name = object_name(name);
    let obj = object::read(object_path, bytes, &object_name)?;
    if obj.big_endian != layout.big_endian {
        return Err(Error::WrongEndian {
            path: object_path.to_owned(),
            object: if obj.big_endian {
                Endian::Big
            } else {
                Endian::Little
            },
            target: target.clone(),
        });
    }
    let mut skeleton = translate::skeleton(
        object_path,
        &obj,
        name,
        &object_name,
        input.reference.clone(),
        input.request,
        layout,
    )?;
    naming::assign(&mut skeleton);
    Ok(skeleton)
}

/// Marks the programs named with
/// [`SkeletonBuilder::optional_programs`](crate::SkeletonBuilder::optional_programs);
/// every name must be a program of the object that is not a struct_ops
/// program (all problems reported at once).
fn mark_optional(skeleton: &mut Skeleton, names: &[String], path: &Path) -> Result<(), Error> {
    let mut problems = vec![];
    for name in names {
        match skeleton.progs.iter_mut().find(|p| &p.name == name) {
            Some(p) if p.struct_ops => problems.push(Problem::OptionalStructOps {
                program: name.clone(),
            }),
            Some(p) => p.optional = true,
            None => problems.push(Problem::NoProgram {
                program: name.clone(),
                suggestion: suggest::closest(name, skeleton.progs.iter().map(|p| p.name.as_str()))
                    .map(str::to_owned),
                count: skeleton.progs.len(),
            }),
        }
    }
    problems.dedup();
    if problems.is_empty() {
        Ok(())
    } else {
        Err(Error::Object {
            path: path.to_owned(),
            inputs: vec![],
            problems,
        })
    }
}
