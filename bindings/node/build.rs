//! Emits the linker arguments a Node addon needs (symbols resolved by the host `node`).
fn main() {
    napi_build::setup();
}
