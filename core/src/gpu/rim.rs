//! (module under construction — see gpu/mod.rs)
