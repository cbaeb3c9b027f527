//! XLSX reader (via calamine).
//!
//! - Reads the first sheet, or the one named in the options (exact name
//!   first, then case-insensitive). The sheet's cells are loaded whole, but
//!   only the cells the file holds: never a grid as large as the area they
//!   span (a cell in A1 and another in XFD1048576 would be a grid of 17
//!   billion cells, which calamine's dense `Range` would try to allocate).
//! - The first non-empty row is the header; fully blank rows are skipped.
//! - `Record::line` is the sheet row number as Excel shows it.
//! - Cell text: strings trimmed; integral numbers without ".0"; other
//!   numbers with full (shortest round-trip) precision; booleans
//!   "true"/"false"; dates and date-times "YYYY-MM-DDTHH:MM:SS"; time-only
//!   values (serial < 1) "HH:MM:SS"; durations "HH:MM:SS" (hours may exceed
//!   24); Excel errors "" plus a row problem naming the cell.

use std::fmt::Write;
use std::path::Path;

use calamine::{open_workbook, Data, Reader, Xlsx};

use super::{no_header_detail, push_number, HeaderMap, Record, RecordSource, SourceError};

/// The non-empty cells of a sheet in (row, column) order, absolute 0-based positions.
struct Cells {
    cells: Vec<((u32, u32), Data)>,
    /// The sheet's first used column: file column 0 of the header map.
    first_col: u32,
}

impl Cells {
    /// The cells of the row starting at index `at`: (row, its cells).
    fn row(&self, at: usize) -> (u32, &[((u32, u32), Data)]) {
        let row = self.cells[at].0 .0;
        let len = self.cells[at..]
            .iter()
            .take_while(|((r, _), _)| *r == row)
            .count();
        (row, &self.cells[at..at + len])
    }
}

fn is_blank(cells: &[((u32, u32), Data)]) -> bool {
    cells.iter().all(|(_, d)| match d {
        Data::Empty => true,
        Data::String(s) => s.trim().is_empty(),
        _ => false,
    })
}

pub struct XlsxSource {
    cells: Cells,
    /// Index of the next cell to read (the first of a row).
    next: usize,
    map: HeaderMap,
    ncols: usize,
    sheet: String,
    sheet_count: usize,
}

fn xlsx_err(path: &Path, detail: impl ToString) -> SourceError {
    SourceError::Xlsx {
        path: path.to_path_buf(),
        detail: detail.to_string(),
    }
}

impl XlsxSource {
    pub fn open(
        path: &Path,
        columns: &[&str],
        sheet: Option<&str>,
    ) -> Result<XlsxSource, SourceError> {
        if let Err(e) = std::fs::metadata(path) {
            return Err(SourceError::Io {
                path: path.to_path_buf(),
                source: e,
            });
        }
        let opened = std::panic::catch_unwind(|| open_workbook::<Xlsx<_>, _>(path));
        let mut wb: Xlsx<_> = match opened {
            Ok(wb) => wb.map_err(|e| xlsx_err(path, e))?,
            Err(_) => return Err(xlsx_err(path, "the workbook is damaged")),
        };
        let names = wb.sheet_names();
        let name = match sheet {
            None => match names.first() {
                Some(n) => n.clone(),
                None => {
                    return Err(SourceError::Empty {
                        path: path.to_path_buf(),
                    });
                }
            },
            Some(want) => {
                let found = names.iter().find(|n| *n == want).or_else(|| {
                    names
                        .iter()
                        .find(|n| n.trim().to_lowercase() == want.trim().to_lowercase())
                });
                match found {
                    Some(n) => n.clone(),
                    None => {
                        return Err(SourceError::SheetNotFound {
                            path: path.to_path_buf(),
                            sheet: want.to_string(),
                            available: names.clone(),
                        });
                    }
                }
            }
        };
        let sheet_err = |e: calamine::XlsxError| xlsx_err(path, format!("sheet '{name}': {e}"));
        // calamine 0.30 panics on some damaged sheets (a shared-string index past the
        // table, found by fuzzing): that is a damaged workbook, not a crash.
        let read = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            let mut cells = Vec::new();
            match wb.worksheet_cells_reader(&name) {
                Ok(mut reader) => {
                    while let Some(cell) = reader.next_cell().map_err(sheet_err)? {
                        if matches!(cell.get_value(), calamine::DataRef::Empty) {
                            continue;
                        }
                        cells.push((cell.get_position(), Data::from(cell.get_value().clone())));
                    }
                }
                // A chart sheet or the like: no cells.
                Err(calamine::XlsxError::NotAWorksheet(_)) => {}
                Err(e) => return Err(sheet_err(e)),
            }
            Ok(cells)
        }));
        let mut cells = match read {
            Ok(cells) => cells?,
            Err(_) => {
                return Err(xlsx_err(
                    path,
                    format!("sheet '{name}' is damaged (a cell refers to something the workbook does not have); open it in Excel and save it again"),
                ))
            }
        };
        // Usually in order already; the sort is stable and cheap then.
        cells.sort_by_key(|(pos, _)| *pos);
        let first_col = cells.iter().map(|((_, c), _)| *c).min().unwrap_or(0);
        let mut src = XlsxSource {
            cells: Cells { cells, first_col },
            next: 0,
            map: HeaderMap::new(&[], columns),
            ncols: columns.len(),
            sheet: name,
            sheet_count: names.len(),
        };

        // Header = first row with a non-blank cell.
        let mut header: Option<Vec<String>> = None;
        let mut scratch = Record::default();
        while src.next < src.cells.cells.len() {
            let (row, cells) = src.cells.row(src.next);
            src.next += cells.len();
            if is_blank(cells) {
                continue;
            }
            let first_col = src.cells.first_col;
            let width = cells.last().map_or(0, |((_, c), _)| c - first_col + 1) as usize;
            let mut names = vec![String::new(); width];
            for ((_, c), cell) in cells {
                let i = (c - first_col) as usize;
                cell_text(cell, &mut names[i], &mut scratch, cell_ref(row, *c));
            }
            header = Some(names);
            break;
        }
        let Some(header) = header else {
            return Err(SourceError::Empty {
                path: path.to_path_buf(),
            });
        };
        let map = HeaderMap::new(&header, columns);
        if !columns.is_empty() && !map.any_present() {
            return Err(SourceError::NotTabular {
                path: path.to_path_buf(),
                detail: format!(
                    "sheet '{}': {}",
                    src.sheet,
                    no_header_detail(&header, columns)
                ),
            });
        }
        src.map = map;
        Ok(src)
    }
}

/// Excel-style reference ("C5") of a cell at an absolute 0-based position; built lazily.
fn cell_ref(r: u32, c: u32) -> impl Fn() -> String {
    move || {
        let row = r as u64 + 1;
        let mut col = c as u64 + 1;
        let mut letters = Vec::new();
        while col > 0 {
            let rem = ((col - 1) % 26) as u8;
            letters.push(b'A' + rem);
            col = (col - 1) / 26;
        }
        letters.reverse();
        format!("{}{row}", String::from_utf8(letters).unwrap_or_default())
    }
}

/// Appends the text of one cell to `out`; Excel errors become a problem on
/// `rec`.
fn cell_text(cell: &Data, out: &mut String, rec: &mut Record, cref: impl Fn() -> String) {
    match cell {
        Data::Empty => {}
        Data::String(s) => out.push_str(s.trim()),
        Data::Int(i) => {
            write!(out, "{i}").ok();
        }
        Data::Float(f) => push_number(out, *f),
        Data::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Data::DateTime(dt) => {
            if dt.is_duration() {
                push_duration(out, dt.as_f64());
            } else if (0.0..1.0).contains(&dt.as_f64()) {
                // Time of day without a date.
                push_duration(out, dt.as_f64());
            } else if let Some(ndt) = dt.as_datetime() {
                write!(out, "{}", ndt.format("%Y-%m-%dT%H:%M:%S")).ok();
            } else {
                push_number(out, dt.as_f64());
            }
        }
        Data::DateTimeIso(s) => {
            match chrono::NaiveDateTime::parse_from_str(s.trim(), "%Y-%m-%dT%H:%M:%S%.f") {
                Ok(ndt) => {
                    write!(out, "{}", ndt.format("%Y-%m-%dT%H:%M:%S")).ok();
                }
                Err(_) => out.push_str(s.trim()),
            }
        }
        Data::DurationIso(s) => out.push_str(s.trim()),
        Data::Error(e) => {
            rec.add_problem(format_args!("cell {} holds the Excel error {e}", cref()));
        }
    }
}

/// Serial days → "HH:MM:SS" (rounded to the second; hours not wrapped).
fn push_duration(out: &mut String, days: f64) {
    let total = (days * 86_400.0).round();
    let neg = total < 0.0;
    let total = total.abs().min(i64::MAX as f64) as i64;
    let (h, m, s) = (total / 3600, total / 60 % 60, total % 60);
    if neg {
        out.push('-');
    }
    write!(out, "{h:02}:{m:02}:{s:02}").ok();
}

impl RecordSource for XlsxSource {
    fn present(&self) -> &[bool] {
        &self.map.present
    }

    fn unknown_columns(&self) -> &[String] {
        &self.map.unknown
    }

    fn describe(&self) -> String {
        format!(
            "XLSX, sheet '{}' (of {} sheet{})",
            self.sheet,
            self.sheet_count,
            if self.sheet_count == 1 { "" } else { "s" }
        )
    }

    fn next_record(&mut self, rec: &mut Record) -> Result<bool, SourceError> {
        while self.next < self.cells.cells.len() {
            let (row, cells) = self.cells.row(self.next);
            self.next += cells.len();
            if is_blank(cells) {
                continue;
            }
            rec.reset(self.ncols);
            rec.line = row as u64 + 1;
            for ((_, c), cell) in cells {
                let i = (c - self.cells.first_col) as usize;
                // Only wanted cells are converted, so an Excel error in an
                // unwanted column does not flag the row.
                if let Some(w) = self.map.by_file_col.get(i).copied().flatten() {
                    let mut v = std::mem::take(&mut rec.values[w]);
                    cell_text(cell, &mut v, rec, cell_ref(row, *c));
                    rec.values[w] = v;
                }
            }
            return Ok(true);
        }
        Ok(false)
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::super::{open, ReadOptions};
    use super::*;
    use std::io::Write as _;

    /// A cell for the test workbook writer.
    pub enum C {
        S(&'static str),
        N(f64),
        /// Number with a style: 1 = date, 2 = date-time, 3 = [h]:mm:ss.
        Styled(f64, u8),
        B(bool),
        E(&'static str),
        Blank,
    }

    fn col_letter(c: usize) -> String {
        cell_ref(0, c as u32)().trim_end_matches('1').to_string()
    }

    fn xml_escape(s: &str) -> String {
        s.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
    }

    fn sheet_xml(rows: &[(u32, Vec<C>)]) -> String {
        let mut x = String::from(
            r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>"#,
        );
        for (rn, cells) in rows {
            write!(x, r#"<row r="{rn}">"#).unwrap();
            for (ci, cell) in cells.iter().enumerate() {
                let r = format!("{}{rn}", col_letter(ci));
                match cell {
                    C::S(s) => write!(
                        x,
                        r#"<c r="{r}" t="inlineStr"><is><t>{}</t></is></c>"#,
                        xml_escape(s)
                    ),
                    C::N(n) => write!(x, r#"<c r="{r}"><v>{n}</v></c>"#),
                    C::Styled(n, s) => write!(x, r#"<c r="{r}" s="{s}"><v>{n}</v></c>"#),
                    C::B(b) => write!(x, r#"<c r="{r}" t="b"><v>{}</v></c>"#, *b as u8),
                    C::E(e) => write!(x, r#"<c r="{r}" t="e"><v>{e}</v></c>"#),
                    C::Blank => Ok(()),
                }
                .unwrap();
            }
            x.push_str("</row>");
        }
        x.push_str("</sheetData></worksheet>");
        x
    }

    /// A sheet for the writer: name and (row number, cells) pairs.
    pub type Sheet = (&'static str, Vec<(u32, Vec<C>)>);

    /// Writes a minimal, valid XLSX (no external writer crate needed).
    pub fn write_xlsx(sheets: &[Sheet]) -> tempfile::NamedTempFile {
        use zip::write::SimpleFileOptions;
        let f = tempfile::Builder::new().suffix(".xlsx").tempfile().unwrap();
        let mut z = zip::ZipWriter::new(f.reopen().unwrap());
        let opt = SimpleFileOptions::default();
        let ns = "http://schemas.openxmlformats.org";
        let mut ct = format!(
            r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Types xmlns="{ns}/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>"#
        );
        let mut wb = format!(
            r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><workbook xmlns="{ns}/spreadsheetml/2006/main" xmlns:r="{ns}/officeDocument/2006/relationships"><sheets>"#
        );
        let mut rels = format!(
            r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="{ns}/package/2006/relationships"><Relationship Id="rIdS" Type="{ns}/officeDocument/2006/relationships/styles" Target="styles.xml"/>"#
        );
        for (i, (name, rows)) in sheets.iter().enumerate() {
            let n = i + 1;
            write!(ct, r#"<Override PartName="/xl/worksheets/sheet{n}.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>"#).unwrap();
            write!(wb, r#"<sheet name="{name}" sheetId="{n}" r:id="rId{n}"/>"#).unwrap();
            write!(rels, r#"<Relationship Id="rId{n}" Type="{ns}/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet{n}.xml"/>"#).unwrap();
            z.start_file(format!("xl/worksheets/sheet{n}.xml"), opt)
                .unwrap();
            z.write_all(sheet_xml(rows).as_bytes()).unwrap();
        }
        ct.push_str("</Types>");
        wb.push_str("</sheets></workbook>");
        rels.push_str("</Relationships>");
        let styles = format!(
            r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><styleSheet xmlns="{ns}/spreadsheetml/2006/main"><cellXfs count="4"><xf numFmtId="0"/><xf numFmtId="14" applyNumberFormat="1"/><xf numFmtId="22" applyNumberFormat="1"/><xf numFmtId="46" applyNumberFormat="1"/></cellXfs></styleSheet>"#
        );
        let root_rels = format!(
            r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="{ns}/package/2006/relationships"><Relationship Id="rId1" Type="{ns}/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#
        );
        for (name, body) in [
            ("[Content_Types].xml", ct),
            ("_rels/.rels", root_rels),
            ("xl/workbook.xml", wb),
            ("xl/_rels/workbook.xml.rels", rels),
            ("xl/styles.xml", styles),
        ] {
            z.start_file(name, opt).unwrap();
            z.write_all(body.as_bytes()).unwrap();
        }
        z.finish().unwrap();
        f
    }

    fn read_all(
        path: &Path,
        cols: &[&str],
        sheet: Option<&str>,
    ) -> Result<(Box<dyn RecordSource>, Vec<Record>), SourceError> {
        let opts = ReadOptions {
            format: None,
            sheet: sheet.map(String::from),
        };
        let mut src = open(path, cols, &opts)?;
        let mut out = Vec::new();
        let mut rec = Record::default();
        while src.next_record(&mut rec)? {
            out.push(rec.clone());
        }
        Ok((src, out))
    }

    fn two_sheets() -> tempfile::NamedTempFile {
        write_xlsx(&[
            (
                "Calls",
                vec![
                    (
                        2,
                        vec![C::S(" Interaction ID "), C::S("Duration"), C::S("Note")],
                    ),
                    (3, vec![C::S(" A1 "), C::N(42.0), C::S("x")]),
                    (4, vec![C::Blank, C::Blank, C::S("  ")]),
                    (5, vec![C::S("A2"), C::N(0.1), C::B(true)]),
                    (6, vec![C::S("A3"), C::E("#N/A"), C::Blank]),
                ],
            ),
            (
                "Agents",
                vec![
                    (
                        1,
                        vec![
                            C::S("agent"),
                            C::S("start"),
                            C::S("at"),
                            C::S("talk"),
                            C::S("t"),
                        ],
                    ),
                    (
                        2,
                        vec![
                            C::S("Ana"),
                            C::Styled(45366.0, 1),
                            C::Styled(45366.5208449074, 2),
                            C::Styled(1.5, 3),
                            C::Styled(0.4375, 1),
                        ],
                    ),
                ],
            ),
        ])
    }

    #[test]
    fn first_sheet() {
        let f = two_sheets();
        let (src, recs) =
            read_all(f.path(), &["interaction_id", "duration", "queue"], None).unwrap();
        assert_eq!(src.present(), &[true, true, false]);
        assert_eq!(src.unknown_columns(), &["Note".to_string()]);
        assert_eq!(src.describe(), "XLSX, sheet 'Calls' (of 2 sheets)");
        assert_eq!(recs.len(), 3, "blank row 4 is skipped");
        assert_eq!(recs[0].values, vec!["A1", "42", ""]);
        assert_eq!(recs[0].line, 3);
        assert_eq!(recs[1].values, vec!["A2", "0.1", ""]);
        assert_eq!(recs[1].line, 5);
        assert_eq!(recs[2].values, vec!["A3", "", ""]);
        assert_eq!(
            recs[2].problem.as_deref(),
            Some("cell B6 holds the Excel error #N/A")
        );
    }

    #[test]
    fn named_sheet_and_dates() {
        let f = two_sheets();
        let (src, recs) = read_all(
            f.path(),
            &["agent", "start", "at", "talk", "t"],
            Some("agents"),
        )
        .unwrap();
        assert!(src.describe().contains("'Agents'"));
        assert_eq!(
            recs[0].values,
            vec![
                "Ana",
                "2024-03-15T00:00:00",
                "2024-03-15T12:30:01",
                "36:00:00",
                "10:30:00"
            ]
        );
        assert!(recs[0].problem.is_none());
    }

    #[test]
    fn missing_sheet() {
        let f = two_sheets();
        let e = read_all(f.path(), &["a"], Some("Queues")).err().unwrap();
        match &e {
            SourceError::SheetNotFound {
                sheet, available, ..
            } => {
                assert_eq!(sheet, "Queues");
                assert_eq!(available, &vec!["Calls".to_string(), "Agents".to_string()]);
            }
            other => panic!("{other}"),
        }
        assert!(e.to_string().contains("'Calls', 'Agents'"), "{e}");
    }

    #[test]
    fn not_a_workbook() {
        let mut f = tempfile::Builder::new().suffix(".xlsx").tempfile().unwrap();
        f.write_all(b"id,name\n1,2\n").unwrap();
        let e = read_all(f.path(), &["id"], None).err().unwrap();
        assert!(matches!(e, SourceError::Xlsx { .. }), "{e}");

        let f = write_xlsx(&[("Empty", vec![])]);
        let e = read_all(f.path(), &["id"], None).err().unwrap();
        assert!(matches!(e, SourceError::Empty { .. }), "{e}");
    }

    #[test]
    fn cell_refs_and_durations() {
        assert_eq!(cell_ref(4, 2)(), "C5");
        assert_eq!(cell_ref(0, 26)(), "AA1");
        assert_eq!(cell_ref(9, 702)(), "AAA10");
        let mut s = String::new();
        push_duration(&mut s, 1.0 / 24.0 + 1.0 / 86_400.0);
        assert_eq!(s, "01:00:01");
    }
}
