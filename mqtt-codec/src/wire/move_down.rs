//! Moving bytes towards the start of a buffer, for the heap-free buffers that compact.
#![deny(clippy::indexing_slicing, clippy::arithmetic_side_effects)]

use core::ops::Range;

/// Moves `buf[from]` to start at `to`, where `to <= from.start`, in copies that never overlap.
///
/// `copy_within` would call `memmove`, which on a Cortex-M links 1.5 KB of compiler_builtins
/// that nothing else needs, while `memcpy` is linked by every firmware image anyway. A move
/// down copies each block of `from.start - to` bytes into the space just freed, so it is one
/// `memcpy` when the gap is at least as large as what moves, as when a decoder keeps the tail
/// of a packet after consuming the packets before it. Ranges out of bounds move nothing.
pub(crate) fn move_down(buf: &mut [u8], from: Range<usize>, to: usize) {
    let Some(gap) = from.start.checked_sub(to) else {
        return;
    };
    if gap == 0 || from.end > buf.len() {
        return;
    }
    let mut src = from.start;
    let mut dst = to;
    while src < from.end {
        let n = gap.min(from.end.saturating_sub(src));
        let (head, tail) = buf.split_at_mut(src);
        if let (Some(d), Some(s)) = (head.get_mut(dst..dst.saturating_add(n)), tail.get(..n)) {
            d.copy_from_slice(s);
        }
        src = src.saturating_add(n);
        dst = dst.saturating_add(n);
    }
}

#[cfg(test)]
#[allow(clippy::indexing_slicing, clippy::arithmetic_side_effects)]
mod tests {
    use super::move_down;
    use proptest::prelude::*;

    proptest! {
        // Agrees with `copy_within` for every gap, small ones (many blocks) included.
        #[test]
        fn agrees_with_copy_within(
            bytes in proptest::collection::vec(any::<u8>(), 0..64),
            a in 0usize..64, b in 0usize..64, c in 0usize..64,
        ) {
            let mut sorted = [a, b, c];
            sorted.sort_unstable();
            let [to, start, end] = sorted;
            prop_assume!(end <= bytes.len());
            let mut ours = bytes.clone();
            move_down(&mut ours, start..end, to);
            let mut theirs = bytes;
            theirs.copy_within(start..end, to);
            prop_assert_eq!(ours, theirs);
        }
    }

    #[test]
    fn out_of_range_moves_nothing() {
        let mut buf = *b"abcdef";
        move_down(&mut buf, 2..9, 0);
        move_down(&mut buf, 2..4, 3);
        assert_eq!(&buf, b"abcdef");
    }
}
