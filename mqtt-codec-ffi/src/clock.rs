//! The session's clock: the caller's 32-bit millisecond tick, which wraps every 49.7 days
//! (what firmware timers and `HAL_GetTick()` give), made into the monotonic 64-bit
//! milliseconds the core's session works in.
//!
//! Each tick adds its wrapped difference from the one before, so a tick that crosses
//! `0xFFFFFFFF` → `0` moves the clock forward by the few milliseconds that passed. A
//! difference of 2^31 ms or more reads as a tick from the past (the caller passed a stale
//! one), which moves nothing: the caller must pass a tick at least once every 2^31 ms (24.8
//! days), which any connection with a keep alive does many times over.

use codec::client::Millis;

/// The 64-bit clock of one session.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Clock {
    /// The last tick taken, or `None` before the first.
    last: Option<u32>,
    /// The clock's reading at `last`. It starts at the first tick, so that its low 32 bits
    /// are always the last tick: a deadline's tick is its low 32 bits.
    now: Millis,
}

impl Clock {
    /// Takes the caller's `tick` and returns the clock's reading.
    pub(crate) fn advance(&mut self, tick: u32) -> Millis {
        match self.last {
            None => self.now = Millis::from(tick),
            Some(last) => {
                let delta = tick.wrapping_sub(last);
                // A difference of 2^31 or more is a tick from before `last`: no time passes.
                if delta < 1 << 31 {
                    self.now += Millis::from(delta);
                } else {
                    return self.now;
                }
            }
        }
        self.last = Some(tick);
        self.now
    }

    /// The tick at which the clock reads `at` (its low 32 bits, since the clock started at
    /// a tick and moves with them).
    pub(crate) fn tick_of(at: Millis) -> u32 {
        at as u32
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_clock_moves_with_the_tick_across_the_32_bit_wrap() {
        let mut c = Clock::default();
        assert_eq!(c.advance(0xFFFF_FF00), 0xFFFF_FF00);
        assert_eq!(c.advance(0xFFFF_FFFF), 0xFFFF_FFFF);
        assert_eq!(c.advance(0x0000_0010), 0x1_0000_0010);
        assert_eq!(Clock::tick_of(0x1_0000_0010), 0x10);
        assert_eq!(c.advance(0x7FFF_FFFF), 0x1_7FFF_FFFF);
    }

    #[test]
    fn a_stale_tick_moves_nothing() {
        let mut c = Clock::default();
        c.advance(1000);
        assert_eq!(c.advance(999), 1000);
        assert_eq!(c.advance(1001), 1001);
        // The largest step forward the clock takes in one call: 2^31 - 1 ms.
        assert_eq!(c.advance(1001 + 0x7FFF_FFFF), 1001 + 0x7FFF_FFFF);
    }
}
