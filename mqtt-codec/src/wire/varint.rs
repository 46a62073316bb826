//! Variable Byte Integers (§1.5.5): remaining length, property length, property identifiers
//! and Subscription Identifiers.

#![deny(clippy::indexing_slicing, clippy::arithmetic_side_effects)]

/// The largest value a Variable Byte Integer can hold (`FF FF FF 7F`).
pub const MAX_VARINT: u32 = 268_435_455;

/// Why a Variable Byte Integer could not be read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum VarIntError {
    /// More bytes are needed.
    Incomplete,
    /// The fourth byte has its continuation bit set.
    TooLong,
    /// The value did not use the fewest bytes possible ([MQTT-1.5.5-1]).
    NonMinimal,
}

/// Incremental decoder state, so a streaming caller examines each byte once.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct VarIntState {
    value: u32,
    count: u8,
}

impl VarIntState {
    /// Feeds one byte; `Ok(Some((value, byte_count)))` when the integer is complete.
    pub(crate) fn push(&mut self, byte: u8) -> Result<Option<(u32, usize)>, VarIntError> {
        let shift = 7 * u32::from(self.count);
        self.value |= u32::from(byte & 0x7F) << shift;
        self.count = self.count.saturating_add(1);
        if byte & 0x80 == 0 {
            // A last byte of zero after at least one other byte means a shorter form existed.
            if byte == 0 && self.count > 1 {
                return Err(VarIntError::NonMinimal);
            }
            return Ok(Some((self.value, usize::from(self.count))));
        }
        if self.count >= 4 {
            return Err(VarIntError::TooLong);
        }
        Ok(None)
    }
}

/// Reads a Variable Byte Integer from the start of `buf`: `(value, bytes used)`.
pub(crate) fn read_varint(buf: &[u8]) -> Result<(u32, usize), VarIntError> {
    let mut state = VarIntState::default();
    for &byte in buf.iter().take(4) {
        if let Some(done) = state.push(byte)? {
            return Ok(done);
        }
    }
    Err(VarIntError::Incomplete)
}

/// The number of bytes `value` takes as a Variable Byte Integer (its shortest form).
pub const fn varint_len(value: u32) -> usize {
    match value {
        0..=127 => 1,
        128..=16_383 => 2,
        16_384..=2_097_151 => 3,
        _ => 4,
    }
}
