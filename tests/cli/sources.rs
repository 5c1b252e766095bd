//! Sources end to end through the binary: CSV encodings and delimiters, spreadsheets, HTTP APIs.
