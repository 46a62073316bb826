//! The wire layer: data types of §1.5 (integers, Variable Byte Integers, strings, binary data)
//! read by one bounds-checked cursor and written by one set of writers.

pub(crate) mod move_down;
pub(crate) mod reader;
pub(crate) mod varint;
pub(crate) mod writer;
