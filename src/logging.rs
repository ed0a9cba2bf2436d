//! Logging: tracing to daily rolling files in the state dir; stderr too in headless modes.
