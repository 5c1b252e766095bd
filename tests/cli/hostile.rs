//! Hostile input: every bad file is imported correctly or rejected per row, never a panic or a hang.
