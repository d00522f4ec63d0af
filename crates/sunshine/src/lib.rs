//! Sunshine (阳光政务公开平台): the shell around `sunshine_core` — storage, web, CLI.
//! See `docs/ARCHITECTURE.md` for the layers and where a request goes.

pub mod app;
pub mod auth;
pub mod blobs;
pub mod changes;
pub mod cli;
pub mod clicks;
pub mod config;
pub mod cpu;
pub mod crypto;
pub mod csvout;
pub mod db;
pub mod demo;
pub mod extract;
pub mod files;
pub mod gen;
pub mod search;
pub mod server;
pub mod service;
pub mod web;
