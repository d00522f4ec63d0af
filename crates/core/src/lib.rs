//! The pure domain core of Sunshine: the rules about units, catalog columns, items, index
//! numbers, uploads and permissions, as plain types and functions with no I/O.
//!
//! Everything here is deterministic and tested on its own; the `sunshine` crate wraps it with
//! storage, the web and the CLI (see `docs/ARCHITECTURE.md`).

pub mod application;
pub mod calendar;
pub mod case_step;
pub mod catalog;
pub mod deadline;
pub mod fees;
pub mod html;
pub mod index_no;
pub mod item;
pub mod page;
pub mod policy;
pub mod report;
pub mod report_text;
pub mod review;
pub mod role;
pub mod screening;
pub mod search;
pub mod text;
pub mod unit;
pub mod upload;

/// A field-level validation failure: which form/JSON field, and what to tell the user.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct FieldError {
    pub field: &'static str,
    pub message: String,
}

impl FieldError {
    pub fn new(field: &'static str, message: impl Into<String>) -> Self {
        Self {
            field,
            message: message.into(),
        }
    }
}

impl std::fmt::Display for FieldError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.field, self.message)
    }
}
