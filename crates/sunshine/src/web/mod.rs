//! The web shell: routes, shared state, middleware. Handlers are short; rules live in
//! `sunshine_core`, queries in `crate::db`.

pub mod admin;
pub mod api;

pub mod apply;
pub mod cache;
pub mod catalog;
pub mod error;
pub mod extract;
pub mod feed;
pub mod frame;
pub mod i18n;
pub mod public;
mod router;
pub mod search;
pub mod site;
pub mod views;

pub use router::{router, staff_rights, Declared};

pub use crate::app::{App, AppState};
