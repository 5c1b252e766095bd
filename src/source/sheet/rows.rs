//! The rows of one worksheet, in order, whatever the file format.
//!
//! XLSX/XLSM and XLSB sheets are streamed: calamine's cell reader parses the sheet XML (or
//! binary records) as it goes, so only the shared strings, the styles and a bounded queue of
//! rows are in memory. Its reader borrows the workbook, so a worker thread owns both and
//! hands rows over a bounded channel. XLS and ODS have no such reader: their sheet is loaded
//! once as a calamine `Range`, which holds every cell of the sheet.

use std::fs::File;
use std::io::BufReader;
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::thread::{self, JoinHandle};

use anyhow::{Result, bail};
use calamine::{Cell, Data, DataRef, Range, Reader, Sheets, Xlsb, Xlsx};

/// Rows the worker may read ahead of the consumer.
const QUEUE_ROWS: usize = 256;

/// A row with at least one cell, the cells placed by column from column A.
#[derive(Debug)]
pub struct Row {
    /// 0-based row index; Excel shows `index + 1`.
    pub index: u32,
    pub cells: Vec<Data>,
}

pub enum Rows {
    Streamed(Streamed),
    Loaded(Loaded),
}

impl Rows {
    /// Starts reading `sheet`, which the caller has checked the workbook has.
    pub fn open(workbook: Sheets<BufReader<File>>, sheet: &str) -> Result<Rows> {
        Ok(match workbook {
            Sheets::Xlsx(workbook) => Rows::Streamed(Streamed::xlsx(workbook, sheet.to_string())),
            Sheets::Xlsb(workbook) => Rows::Streamed(Streamed::xlsb(workbook, sheet.to_string())),
            mut workbook => Rows::Loaded(Loaded {
                range: workbook.worksheet_range(sheet)?,
                next: 0,
            }),
        })
    }

    pub fn next(&mut self) -> Result<Option<Row>> {
        match self {
            Rows::Streamed(rows) => rows.next(),
            Rows::Loaded(rows) => Ok(rows.next()),
        }
    }
}

pub struct Streamed {
    receiver: Receiver<Result<Row>>,
    worker: Option<JoinHandle<()>>,
}

impl Streamed {
    fn xlsx(mut workbook: Xlsx<BufReader<File>>, sheet: String) -> Streamed {
        Streamed::spawn(move |sender| {
            let mut reader = workbook.worksheet_cells_reader(&sheet)?;
            send_rows(|| Ok(reader.next_cell()?), sender)
        })
    }

    fn xlsb(mut workbook: Xlsb<BufReader<File>>, sheet: String) -> Streamed {
        Streamed::spawn(move |sender| {
            let mut reader = workbook.worksheet_cells_reader(&sheet)?;
            send_rows(|| Ok(reader.next_cell()?), sender)
        })
    }

    /// Runs `read` on a worker thread; its error, if any, becomes the last item sent.
    fn spawn<F>(read: F) -> Streamed
    where
        F: FnOnce(&SyncSender<Result<Row>>) -> Result<()> + Send + 'static,
    {
        let (sender, receiver) = sync_channel(QUEUE_ROWS);
        let worker = thread::spawn(move || {
            if let Err(err) = read(&sender) {
                // The receiver is gone only if the source was dropped: nobody to tell.
                let _ = sender.send(Err(err));
            }
        });
        Streamed {
            receiver,
            worker: Some(worker),
        }
    }

    fn next(&mut self) -> Result<Option<Row>> {
        match self.receiver.recv() {
            Ok(row) => row.map(Some),
            // The worker has finished; a panic must not pass for the end of the sheet.
            Err(_) => match self.worker.take().map(JoinHandle::join) {
                Some(Err(_)) => bail!("the sheet reader stopped unexpectedly"),
                _ => Ok(None),
            },
        }
    }
}

/// Groups the cells of a sheet, which come row after row, into rows and sends them on;
/// returns early, without error, once the receiver is gone.
fn send_rows<'a, F>(mut next_cell: F, sender: &SyncSender<Result<Row>>) -> Result<()>
where
    F: FnMut() -> Result<Option<Cell<DataRef<'a>>>>,
{
    let mut row: Option<Row> = None;
    while let Some(cell) = next_cell()? {
        let (index, column) = cell.get_position();
        if matches!(cell.get_value(), DataRef::Empty) {
            // A formatted cell without a value: not content, and not a row either.
            continue;
        }
        if row.as_ref().is_some_and(|row| row.index != index) {
            let done = row.take().expect("checked just above");
            if index < done.index {
                bail!(
                    "row {} comes after row {} in the file; rows out of order are not supported",
                    index + 1,
                    done.index + 1
                );
            }
            if sender.send(Ok(done)).is_err() {
                return Ok(());
            }
        }
        let row = row.get_or_insert_with(|| Row {
            index,
            cells: Vec::new(),
        });
        place(&mut row.cells, column, Data::from(cell.get_value().clone()));
    }
    if let Some(row) = row {
        let _ = sender.send(Ok(row));
    }
    Ok(())
}

/// Puts `value` in its column, filling the gap before it with empty cells.
fn place(cells: &mut Vec<Data>, column: u32, value: Data) {
    let column = column as usize;
    if cells.len() <= column {
        cells.resize(column + 1, Data::Empty);
    }
    cells[column] = value;
}

pub struct Loaded {
    range: Range<Data>,
    /// Next row, relative to the start of the range.
    next: usize,
}

impl Loaded {
    fn next(&mut self) -> Option<Row> {
        let (first_row, first_column) = self.range.start()?;
        let at = self.next;
        if at >= self.range.height() {
            return None;
        }
        self.next += 1;
        let mut cells = vec![Data::Empty; first_column as usize];
        cells.extend(
            (0..self.range.width())
                .map(|column| self.range.get((at, column)).cloned().unwrap_or(Data::Empty)),
        );
        let index = first_row + u32::try_from(at).expect("a sheet has fewer than 2^32 rows");
        Some(Row { index, cells })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cell(row: u32, column: u32, text: &str) -> Result<Option<Cell<DataRef<'static>>>> {
        Ok(Some(Cell::new((row, column), DataRef::String(text.into()))))
    }

    fn grouped(cells: Vec<Result<Option<Cell<DataRef<'static>>>>>) -> Vec<Result<Row>> {
        let (sender, receiver) = sync_channel(16);
        let mut cells = cells.into_iter();
        if let Err(err) = send_rows(|| cells.next().unwrap_or(Ok(None)), &sender) {
            sender.send(Err(err)).expect("receiver alive");
        }
        drop(sender);
        receiver.into_iter().collect()
    }

    #[test]
    fn cells_are_grouped_into_rows_placed_by_column() {
        let empty = Ok(Some(Cell::new((4, 9), DataRef::Empty)));
        let rows = grouped(vec![
            cell(0, 1, "b"),
            cell(2, 0, "a"),
            cell(2, 2, "c"),
            empty,
        ]);
        let rows: Vec<Row> = rows.into_iter().map(|row| row.expect("row")).collect();
        assert_eq!(rows.len(), 2, "{rows:?}");
        assert_eq!(rows[0].index, 0);
        assert_eq!(rows[0].cells, [Data::Empty, Data::String("b".into())]);
        assert_eq!(rows[1].index, 2);
        assert_eq!(rows[1].cells[2], Data::String("c".into()));
        assert_eq!(rows[1].cells.len(), 3);
    }

    #[test]
    fn rows_out_of_order_are_an_error() {
        let rows = grouped(vec![cell(5, 0, "x"), cell(3, 0, "y")]);
        assert_eq!(rows.len(), 1);
        let err = rows[0].as_ref().expect_err("out of order");
        assert!(err.to_string().contains("row 4 comes after row 6"), "{err}");
    }

    #[test]
    fn a_loaded_range_is_placed_at_its_start() {
        let mut range = Range::new((2, 1), (3, 2));
        range.set_value((2, 1), Data::String("b3".into()));
        range.set_value((3, 2), Data::Int(7));
        let mut rows = Loaded { range, next: 0 };
        let first = rows.next().expect("row 3");
        assert_eq!(first.index, 2);
        assert_eq!(
            first.cells,
            [Data::Empty, Data::String("b3".into()), Data::Empty]
        );
        let second = rows.next().expect("row 4");
        assert_eq!((second.index, &second.cells[2]), (3, &Data::Int(7)));
        assert!(rows.next().is_none());
    }
}
