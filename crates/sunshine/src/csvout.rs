//! CSV for people who open it in a spreadsheet: written with the `csv` crate (quoting, line
//! ends), a byte-order mark for Excel and WPS, and every cell that a spreadsheet would run as a
//! formula (beginning with `=`, `+`, `-`, `@`, a tab or a carriage return) neutralised with a
//! leading apostrophe. Numbers are written as numbers and never begin with those characters.

/// Rows into one CSV text.
pub struct Writer {
    inner: csv::Writer<Vec<u8>>,
}

impl Default for Writer {
    fn default() -> Self {
        Self::new()
    }
}

/// A cell as a spreadsheet may safely open it.
pub fn neutralise(cell: &str) -> std::borrow::Cow<'_, str> {
    match cell.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{cell}").into(),
        _ => cell.into(),
    }
}

impl Writer {
    pub fn new() -> Writer {
        Writer {
            inner: csv::WriterBuilder::new()
                .terminator(csv::Terminator::CRLF)
                .from_writer(Vec::new()),
        }
    }

    /// One row; each cell neutralised.
    pub fn row<I, S>(&mut self, cells: I)
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let cells: Vec<String> = cells
            .into_iter()
            .map(|c| neutralise(c.as_ref()).into_owned())
            .collect();
        // Writing to memory cannot fail.
        let _ = self.inner.write_record(&cells);
    }

    /// The CSV text (without a byte-order mark).
    pub fn finish(self) -> String {
        let bytes = self.inner.into_inner().unwrap_or_default();
        String::from_utf8(bytes).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_neutralised_and_fields_quoted() {
        let mut w = Writer::new();
        w.row([
            "=HYPERLINK(\"http://x\")",
            "禄丰市, 妥安乡",
            "+1",
            "-2",
            "@a",
            "\tx",
            "ok",
        ]);
        let csv = w.finish();
        assert_eq!(
            csv,
            "\"'=HYPERLINK(\"\"http://x\"\")\",\"禄丰市, 妥安乡\",'+1,'-2,'@a,'\tx,ok\r\n"
        );
        let text = format!("h1,h2,h3,h4,h5,h6,h7\r\n{csv}");
        let mut r = csv::Reader::from_reader(text.as_bytes());
        let rec = r.records().next().unwrap().unwrap();
        assert_eq!(&rec[1], "禄丰市, 妥安乡");
        assert!(rec.iter().all(|c| !c.starts_with(['=', '+', '-', '@'])));
    }
}
