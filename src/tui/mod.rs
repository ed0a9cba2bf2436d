//! The terminal UI: state, messages, update, views and widgets.
