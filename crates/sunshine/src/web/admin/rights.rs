//! What each back-office route requires, in its handler's signature. A handler that takes a
//! [`UnitEditor`] runs only for someone who may edit that unit's items; one that takes [`Staff`]
//! only for someone signed in. The route table (`web::router`) records each route's right from
//! the handler's first argument, and every refusal passes through [`refuse`], which writes it to
//! the audit log.

use super::Staff;
use crate::db::units::{self, Owned, Unit};
use crate::service::{self, Error};
use crate::web::error::PageError;
use crate::web::extract::parse_id;
use crate::web::AppState;
use axum::extract::{FromRequestParts, RawPathParams};
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use std::marker::PhantomData;
use sunshine_core::policy::{Denied, Grants};
use sunshine_core::unit::UnitCode;

/// A right a route requires, as it is named in the route table.
pub trait Right {
    fn describe() -> String;
}

/// A unit-level rule from the core's policy.
pub trait Rule: Send + Sync + 'static {
    const NAME: &'static str;
    /// Whether a record of another unit is answered "not found" under this rule (viewing and
    /// editing), or refused in words (acting in a review, whose refusal names the rule).
    const HIDES: bool = true;
    fn check(grants: &Grants, unit_id: i64) -> Result<(), Denied>;
}

/// Reading a unit's drafts, cases and settings: its staff and its supervisors.
pub struct Read;
/// Writing items, cases and letters: the unit's staff.
pub struct Edit;
/// Settings, columns and the review policy: the unit's administrator.
pub struct Manage;
/// Taking a review step: the unit's staff; which step is whose is the review policy's rule,
/// applied by the review service.
pub struct Review;

impl Rule for Read {
    const NAME: &'static str = "read";
    fn check(grants: &Grants, unit_id: i64) -> Result<(), Denied> {
        grants.can_read_unit(unit_id)
    }
}
impl Rule for Edit {
    const NAME: &'static str = "edit";
    fn check(grants: &Grants, unit_id: i64) -> Result<(), Denied> {
        grants.can_edit_items(unit_id)
    }
}
impl Rule for Review {
    const NAME: &'static str = "review";
    const HIDES: bool = false;
    fn check(grants: &Grants, unit_id: i64) -> Result<(), Denied> {
        grants.can_edit_items(unit_id)
    }
}
impl Rule for Manage {
    const NAME: &'static str = "manage";
    fn check(grants: &Grants, unit_id: i64) -> Result<(), Denied> {
        grants.can_manage_unit(unit_id)
    }
}

/// A record a path names by `{id}`.
pub trait Kind: Send + Sync + 'static {
    const NAME: &'static str;
    const OWNED: Owned;
    /// Whether another unit's record is answered "not found" (as if it did not exist) rather
    /// than refused in words.
    const HIDDEN: bool;
}
pub struct OfItem;
pub struct OfCase;
pub struct OfColumn;
pub struct OfAttachment;
impl Kind for OfItem {
    const NAME: &'static str = "item";
    const OWNED: Owned = Owned::Item;
    const HIDDEN: bool = true;
}
impl Kind for OfCase {
    const NAME: &'static str = "application";
    const OWNED: Owned = Owned::Application;
    const HIDDEN: bool = false;
}
impl Kind for OfColumn {
    const NAME: &'static str = "column";
    const OWNED: Owned = Owned::Column;
    const HIDDEN: bool = false;
}
impl Kind for OfAttachment {
    const NAME: &'static str = "attachment";
    const OWNED: Owned = Owned::Attachment;
    const HIDDEN: bool = true;
}

/// A signed-in staff member holding rule `R` in the unit the path names by `{code}`.
pub struct InUnit<R> {
    pub staff: Staff,
    pub unit: Unit,
    rule: PhantomData<fn() -> R>,
}

/// A signed-in staff member holding rule `R` in the unit of the record `K` the path names by
/// `{id}`.
pub struct On<K, R> {
    pub staff: Staff,
    pub id: i64,
    pub unit: Unit,
    rule: PhantomData<fn() -> (K, R)>,
}

pub type UnitReader = InUnit<Read>;
pub type UnitEditor = InUnit<Edit>;
pub type UnitAdmin = InUnit<Manage>;
pub type ItemReader = On<OfItem, Read>;
pub type ItemEditor = On<OfItem, Edit>;
pub type ItemReviewer = On<OfItem, Review>;
pub type CaseReader = On<OfCase, Read>;
pub type CaseEditor = On<OfCase, Edit>;
pub type ColumnAdmin = On<OfColumn, Manage>;
pub type AttachmentReader = On<OfAttachment, Read>;
pub type AttachmentEditor = On<OfAttachment, Edit>;

/// A supervisor, with the units their grant covers.
pub struct Supervisor {
    pub staff: Staff,
    pub units: Vec<i64>,
}

/// Someone who may read an audit log: of the units they administer and those they supervise.
pub struct Auditor {
    pub staff: Staff,
    pub units: Vec<i64>,
}

/// The sign-in pages: open to anyone.
pub struct Visitor;

impl Right for Staff {
    fn describe() -> String {
        "signed in".into()
    }
}
impl Right for Visitor {
    fn describe() -> String {
        "anyone (sign-in)".into()
    }
}
impl Right for Supervisor {
    fn describe() -> String {
        "supervisor".into()
    }
}
impl Right for Auditor {
    fn describe() -> String {
        "unit administrator or supervisor".into()
    }
}
impl<R: Rule> Right for InUnit<R> {
    fn describe() -> String {
        format!("{} unit {{code}}", R::NAME)
    }
}
impl<K: Kind, R: Rule> Right for On<K, R> {
    fn describe() -> String {
        format!("{} unit of {} {{id}}", R::NAME, K::NAME)
    }
}

/// The one place a refusal is decided: an allowed action passes; a refused one is written to
/// the audit log with its rule code and answered in words.
pub async fn refuse<T>(
    state: &AppState,
    staff: &Staff,
    unit_id: Option<i64>,
    target: String,
    verdict: Result<T, Denied>,
) -> Result<T, Error> {
    match verdict {
        Ok(v) => Ok(v),
        Err(d) => {
            service::audit_denial(state, &staff.actor(), unit_id, target, d).await;
            Err(d.into())
        }
    }
}

fn page(e: Error) -> Response {
    PageError::from(e).into_response()
}

/// A named segment of the matched path.
async fn param(parts: &mut Parts, state: &AppState, name: &str) -> Result<String, Error> {
    let params = RawPathParams::from_request_parts(parts, state)
        .await
        .map_err(|_| Error::NotFound)?;
    params
        .iter()
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_owned())
        .ok_or(Error::NotFound)
}

impl<R: Rule> FromRequestParts<AppState> for InUnit<R> {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let staff = Staff::from_request_parts(parts, state).await?;
        let raw = param(parts, state, "code").await.map_err(page)?;
        let code = UnitCode::parse(&raw).map_err(|_| page(Error::NotFound))?;
        let unit = async {
            let mut conn = state.db.pool.acquire().await?;
            units::by_code(&mut conn, code.as_str()).await
        }
        .await
        .map_err(|e| page(e.into()))?
        .ok_or_else(|| page(Error::NotFound))?;
        let verdict = R::check(&staff.grants, unit.id);
        refuse(
            state,
            &staff,
            Some(unit.id),
            format!("unit:{}", unit.code),
            verdict,
        )
        .await
        .map_err(page)?;
        Ok(InUnit {
            staff,
            unit,
            rule: PhantomData,
        })
    }
}

impl<K: Kind, R: Rule> FromRequestParts<AppState> for On<K, R> {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let staff = Staff::from_request_parts(parts, state).await?;
        let raw = param(parts, state, "id").await.map_err(page)?;
        let id = parse_id(&raw).map_err(page)?;
        let owner = async {
            let mut conn = state.db.pool.acquire().await?;
            units::owner_of(&mut conn, K::OWNED, id).await
        }
        .await
        .map_err(|e| page(e.into()))?;
        let Some(unit) = owner else {
            return Err(page(Error::NotFound));
        };
        let unit_id = unit.id;
        let target = format!("{}:{id}", K::NAME);
        if K::HIDDEN && R::HIDES {
            let seen = staff.grants.can_read_unit(unit_id);
            if refuse(state, &staff, Some(unit_id), target.clone(), seen)
                .await
                .is_err()
            {
                return Err(page(Error::NotFound));
            }
        }
        let verdict = R::check(&staff.grants, unit_id);
        refuse(state, &staff, Some(unit_id), target, verdict)
            .await
            .map_err(page)?;
        Ok(On {
            staff,
            id,
            unit,
            rule: PhantomData,
        })
    }
}

impl FromRequestParts<AppState> for Supervisor {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let staff = Staff::from_request_parts(parts, state).await?;
        let verdict = staff.grants.can_supervise().map(<[i64]>::to_vec);
        let target = format!("path:{}", parts.uri.path());
        let units = refuse(state, &staff, None, target, verdict)
            .await
            .map_err(page)?;
        Ok(Supervisor { staff, units })
    }
}

impl FromRequestParts<AppState> for Auditor {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let staff = Staff::from_request_parts(parts, state).await?;
        let verdict = staff.grants.audited_units();
        let target = format!("path:{}", parts.uri.path());
        let units = refuse(state, &staff, None, target, verdict)
            .await
            .map_err(page)?;
        Ok(Auditor { staff, units })
    }
}

impl FromRequestParts<AppState> for Visitor {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(_: &mut Parts, _: &AppState) -> Result<Self, Self::Rejection> {
        Ok(Visitor)
    }
}
