//! Keys at rest: provider API keys, the Vertex credentials path and the Temporal API key.
//!
//! They live in the OS keyring (Secret Service on Linux, Keychain on macOS, Credential Manager on
//! Windows), never in `settings.json` or a project. Where no keyring service answers (a headless
//! worker, a desktop without gnome-keyring or KWallet) they go to a file in the data dir that only
//! the user can read (0600), and [`Secrets::backend`] says so, with the reason, so the window can
//! tell the creator instead of falling back silently.

//!
//! [`StoredSecret`] is a key once read, as the rest of the studio holds it in memory. It needs
//! nothing of the store, so the crates under the API (providers, engine) depend on this crate
//! without the `store` feature and never link a keyring.

mod stored;
pub use stored::StoredSecret;

#[cfg(feature = "store")]
mod store;
#[cfg(feature = "store")]
pub use store::*;
