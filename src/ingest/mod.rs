//! `hoga --ingest`: universe → fetch → validate → store, resumable and idempotent.
