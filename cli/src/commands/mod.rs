//! One module per subcommand: its arguments (`Args`) and its `run`.

#[cfg(feature = "net")]
pub(crate) mod attest;
pub(crate) mod audit;
#[cfg(feature = "net")]
pub(crate) mod chat;
pub(crate) mod checks;
#[cfg(feature = "net")]
pub(crate) mod demo;
pub(crate) mod nonce;
pub(crate) mod recover_address;
pub(crate) mod sandbox;
#[cfg(feature = "net")]
pub(crate) mod ui;
pub(crate) mod verify_bundle;
pub(crate) mod verify_eat;
pub(crate) mod verify_gpu;
pub(crate) mod verify_report;
pub(crate) mod verify_response;
pub(crate) mod verify_stream;
pub(crate) mod verify_tdx;
