//! Stores for daily bars and the stock universe: SQLite (default) and PostgreSQL.
