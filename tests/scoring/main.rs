//! The scoring test suite (one binary): the SQL of `queries/` against an independent
//! implementation of DESIGN §6 in plain Rust, golden files for every query, and the SQL
//! side of the business calendar. Run with `cargo test --test scoring`.

mod calendar_sql;
mod calibration;
mod cells;
mod facts;
mod golden;
mod pipeline;
mod reference;
mod util;
