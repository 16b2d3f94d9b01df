// Hole 2 of issue 21, as it was reproduced: `SkelBuilder` was a safe
// trait, but `OwnedOpen::get` casts the skeleton's lifetime, which is only
// sound for the implementations generated code writes. This one stores a
// reference through `get()` (interior mutability over `'o`) and reads it
// back after its referent is gone. Now the trait is `unsafe`: implementing
// it takes an `unsafe impl`, which promises its `# Safety` section.
use std::cell::Cell;

use skel_runtime::{ObjectStorage, OwnedOpen, Result, SkelBuilder};

struct Evil;

impl SkelBuilder for Evil {
    type Open<'o> = Cell<Option<&'o u64>>;
    type Loaded<'o> = ();
    fn __open(self, _: &mut ObjectStorage) -> Result<Self::Open<'_>> {
        Ok(Cell::new(None))
    }
    fn __load(_: Self::Open<'_>) -> Result<Self::Loaded<'_>> {
        Ok(())
    }
    fn __attach(_: &mut Self::Loaded<'_>) -> Result<()> {
        Ok(())
    }
}

fn main() {
    let open = OwnedOpen::new(Evil).unwrap();
    {
        let gone = 7u64;
        open.get().set(Some(&gone));
    }
    println!("{:?}", open.get().get());
}
