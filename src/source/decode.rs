//! Text encodings and delimiters of CSV files as they arrive.
