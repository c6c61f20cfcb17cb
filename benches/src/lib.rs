//! criterion benches for cfsign; see `benches/cfsign.rs` and `cargo xtask bench-report`.
