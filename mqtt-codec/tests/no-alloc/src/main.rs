//! The bare-metal image: no std, no heap, no `#[global_allocator]`. Linking it proves that
//! nothing in the borrowed parse or the encoder reaches for an allocator.

#![no_std]
#![no_main]

use core::panic::PanicInfo;

/// The reset handler: runs the vectors and keeps the result where a debugger can read it.
#[no_mangle]
pub extern "C" fn reset() -> ! {
    let failures = mqtt_codec_no_alloc::check_all();
    loop {
        core::hint::black_box(failures);
    }
}

/// The reset vector, right after the initial stack pointer (see memory.x).
#[link_section = ".vector_table.reset"]
#[no_mangle]
pub static RESET_VECTOR: extern "C" fn() -> ! = reset;

#[panic_handler]
fn panic(_: &PanicInfo) -> ! {
    loop {}
}
