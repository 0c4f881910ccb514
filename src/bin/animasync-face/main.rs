//! The native command-line tool: the same core as the WebAssembly package, for scripts, offline
//! rendering and benchmarks. Errors print one line on stderr and exit with code 2.

#[cfg(not(target_arch = "wasm32"))]
mod bench;
#[cfg(not(target_arch = "wasm32"))]
mod cli;
#[cfg(not(target_arch = "wasm32"))]
mod emotion_cmd;
#[cfg(not(target_arch = "wasm32"))]
mod render_cmd;

#[cfg(not(target_arch = "wasm32"))]
mod soak;

#[cfg(not(target_arch = "wasm32"))]
fn main() -> std::process::ExitCode {
    cli::main()
}

/// The CLI is native-only (its dependencies stay off the wasm build). Cargo still builds every
/// binary when it builds integration tests for wasm32, so the target exists there, empty.
#[cfg(target_arch = "wasm32")]
fn main() {}
