//! Workbooks for the tests: XLSX written with rust_xlsxwriter (edited inside the zip for the
//! 1904 date system, which rust_xlsxwriter does not write), ODS assembled by hand.

use std::fs::File;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use rust_xlsxwriter::{Workbook, Worksheet, XlsxError};
use tempfile::TempDir;
use zip::write::SimpleFileOptions;

pub type Build = fn(&mut Worksheet) -> Result<(), XlsxError>;

/// Writes `name` with one worksheet per `(sheet name, contents)`.
pub fn xlsx(dir: &TempDir, name: &str, sheets: &[(&str, Build)]) -> PathBuf {
    let mut workbook = Workbook::new();
    for (sheet, build) in sheets {
        let worksheet = workbook.add_worksheet();
        worksheet.set_name(*sheet).expect("valid sheet name");
        build(worksheet).expect("cells written");
    }
    let path = dir.path().join(name);
    workbook.save(&path).expect("workbook saved");
    path
}

/// Rows of strings from A1 down; "" leaves the cell out.
pub fn strings(worksheet: &mut Worksheet, rows: &[&[&str]]) -> Result<(), XlsxError> {
    for (row, cells) in (0..).zip(rows) {
        for (column, text) in (0..).zip(cells.iter()) {
            if !text.is_empty() {
                worksheet.write_string(row, column, *text)?;
            }
        }
    }
    Ok(())
}

/// Copies an XLSX, switching its workbook to the 1904 date system.
pub fn set_1904(from: &Path, to: &Path) {
    let mut archive = zip::ZipArchive::new(File::open(from).expect("xlsx")).expect("zip");
    let mut writer = zip::ZipWriter::new(File::create(to).expect("copy"));
    for index in 0..archive.len() {
        let mut entry = archive.by_index(index).expect("entry");
        let mut content = Vec::new();
        entry.read_to_end(&mut content).expect("entry read");
        let name = entry.name().expect("entry name").into_owned();
        if name == "xl/workbook.xml" {
            let xml = String::from_utf8(content).expect("utf-8 xml");
            assert!(xml.contains("<workbookPr "), "{xml}");
            content = xml
                .replace("<workbookPr ", r#"<workbookPr date1904="1" "#)
                .into_bytes();
        }
        writer
            .start_file(name, SimpleFileOptions::default())
            .expect("entry started");
        writer.write_all(&content).expect("entry written");
    }
    writer.finish().expect("zip finished");
}

/// A minimal OpenDocument spreadsheet: a title row, the header, a row, an empty row, a row.
pub fn write_ods(path: &Path) {
    let cell = |kind: &str, value: &str| match kind {
        "string" => format!(
            r#"<table:table-cell office:value-type="string"><text:p>{value}</text:p></table:table-cell>"#
        ),
        "date" => {
            format!(r#"<table:table-cell office:value-type="date" office:date-value="{value}"/>"#)
        }
        _ => format!(r#"<table:table-cell office:value-type="float" office:value="{value}"/>"#),
    };
    let row = |cells: &[String]| format!("<table:table-row>{}</table:table-row>", cells.concat());
    let rows = [
        row(&[cell("string", "Leads export")]),
        row(&[
            cell("string", "email"),
            cell("string", "signed up"),
            cell("string", "score"),
        ]),
        row(&[
            cell("string", "a@x.io"),
            cell("date", "2024-01-01"),
            cell("float", "0.30000000000000004"),
        ]),
        row(&[]),
        row(&[cell("string", "b@x.io")]),
    ];
    let content = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2"><office:body><office:spreadsheet><table:table table:name="Leads">{}</table:table></office:spreadsheet></office:body></office:document-content>"#,
        rows.concat()
    );
    let manifest = r#"<?xml version="1.0" encoding="UTF-8"?>
<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2"><manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/><manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/></manifest:manifest>"#;
    let mut writer = zip::ZipWriter::new(File::create(path).expect("ods"));
    let parts = [
        ("mimetype", "application/vnd.oasis.opendocument.spreadsheet"),
        ("META-INF/manifest.xml", manifest),
        ("content.xml", content.as_str()),
    ];
    for (name, text) in parts {
        writer
            .start_file(name, SimpleFileOptions::default())
            .expect("part started");
        writer.write_all(text.as_bytes()).expect("part written");
    }
    writer.finish().expect("zip finished");
}
