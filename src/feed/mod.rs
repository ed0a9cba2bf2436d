//! The background task layer: what to poll, when, within which rate budget; emits messages to the UI.
