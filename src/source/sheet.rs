//! Spreadsheets (XLSX, XLS, ODS) read with calamine.
