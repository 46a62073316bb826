//! Room on the stack for the items of a caller's C array once converted to the core's form,
//! so that the encoder walks them in place as it walks a `Vec` (a list read through a
//! function of the index costs an indirect call and a conversion per item, twice: once to
//! size the packet and once to write it).

use core::mem::MaybeUninit;
use core::slice;

/// How many items of a list the encoder converts in place on a 64-bit host; a longer list
/// is read through the index. None on smaller targets: firmware keeps its stack.
pub(crate) const LIST_SLOTS: usize = if cfg!(target_pointer_width = "64") {
    16
} else {
    0
};

/// How many User Properties of a property block are converted in place on a 64-bit host.
pub(crate) const USER_PROPERTY_SLOTS: usize = if cfg!(target_pointer_width = "64") {
    4
} else {
    0
};

/// Up to `N` converted items, written by [`ItemSlots::fill`] and never dropped (the items are
/// borrowed views).
pub(crate) struct ItemSlots<T, const N: usize> {
    slots: [MaybeUninit<T>; N],
}

impl<T, const N: usize> Default for ItemSlots<T, N> {
    fn default() -> Self {
        // Uninitialised: nothing is written until `fill`, so an encode that does not use the
        // room pays nothing for it.
        ItemSlots {
            slots: [const { MaybeUninit::uninit() }; N],
        }
    }
}

impl<T, const N: usize> ItemSlots<T, N> {
    /// The items `make(0)` to `make(count - 1)`, kept here; `None` when `count` exceeds the
    /// room, the first error of `make` if one fails.
    pub(crate) fn fill<E>(
        &mut self,
        count: usize,
        mut make: impl FnMut(usize) -> Result<T, E>,
    ) -> Option<Result<&[T], E>> {
        let slots = self.slots.get_mut(..count)?;
        for (i, slot) in slots.iter_mut().enumerate() {
            match make(i) {
                Ok(item) => {
                    slot.write(item);
                }
                Err(e) => return Some(Err(e)),
            }
        }
        // SAFETY: the first `count` slots were all written just above, and `MaybeUninit<T>`
        // has the layout of `T`.
        Some(Ok(unsafe {
            slice::from_raw_parts(slots.as_ptr().cast::<T>(), count)
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::ItemSlots;

    #[test]
    fn fills_up_to_its_room_and_stops_at_the_first_error() {
        let mut slots = ItemSlots::<u32, 3>::default();
        assert_eq!(
            slots.fill(3, |i| Ok::<_, ()>(i as u32 * 2)),
            Some(Ok(&[0, 2, 4][..]))
        );
        assert_eq!(slots.fill(4, |i| Ok::<_, ()>(i as u32)), None);
        assert_eq!(
            slots.fill(2, |i| if i == 1 { Err("bad") } else { Ok(7) }),
            Some(Err("bad"))
        );
        assert_eq!(slots.fill(0, |_| Ok::<_, ()>(1)), Some(Ok(&[][..])));
    }
}
