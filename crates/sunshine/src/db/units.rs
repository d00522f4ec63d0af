//! Units and their settings.

use super::Conn;
use serde::Serialize;
use sunshine_core::unit::{OfficeContact, UnitKind};

#[derive(Debug, Clone, sqlx::FromRow, Serialize)]
pub struct Unit {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub kind: String,
    pub parent_id: Option<i64>,
    pub org_code: String,
    pub sort_order: i64,
    pub office_address: String,
    pub office_hours: String,
    pub office_phone: String,
    pub office_fax: String,
    pub office_email: String,
    pub index_pattern: String,
    pub report_due: String,
    /// 主办单位 as the footer names it (empty: the unit's name).
    pub host_org: String,
    /// 网站标识码 (the national register's code of the site).
    pub site_code: String,
    /// ICP 备案号.
    pub icp_no: String,
    /// 公网安备 number.
    pub police_no: String,
    /// The host name of the unit's own site, if it has one.
    pub host: Option<String>,
    /// The mourning mode's period (kept on the root unit), Unix seconds.
    pub mourning_from: Option<i64>,
    pub mourning_until: Option<i64>,
}

impl Unit {
    pub fn kind(&self) -> UnitKind {
        UnitKind::parse(&self.kind).unwrap_or(UnitKind::Department)
    }
    /// Whether the site is in mourning mode at `now` (read on the root unit).
    pub fn mourning_at(&self, now: i64) -> bool {
        self.mourning_from.is_some_and(|from| from <= now)
            && self.mourning_until.is_none_or(|until| now < until)
    }
    pub fn contact(&self) -> OfficeContact {
        OfficeContact {
            address: self.office_address.clone(),
            hours: self.office_hours.clone(),
            phone: self.office_phone.clone(),
            fax: self.office_fax.clone(),
            email: self.office_email.clone(),
        }
    }
}

const COLS: &str =
    "id, code, name, kind, parent_id, org_code, sort_order, office_address, office_hours, \
    office_phone, office_fax, office_email, index_pattern, report_due, host_org, site_code, \
    icp_no, police_no, host, mourning_from, mourning_until";

pub struct NewUnit<'a> {
    pub code: &'a str,
    pub name: &'a str,
    pub kind: UnitKind,
    pub parent_id: Option<i64>,
    pub org_code: &'a str,
    pub sort_order: i64,
    pub contact: OfficeContact,
}

pub async fn insert(conn: &mut Conn, u: &NewUnit<'_>) -> sqlx::Result<i64> {
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO units (code, name, kind, parent_id, org_code, sort_order, office_address, office_hours, \
         office_phone, office_fax, office_email, created_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12) RETURNING id",
    )
    .bind(u.code)
    .bind(u.name)
    .bind(u.kind.as_str())
    .bind(u.parent_id)
    .bind(u.org_code)
    .bind(u.sort_order)
    .bind(&u.contact.address)
    .bind(&u.contact.hours)
    .bind(&u.contact.phone)
    .bind(&u.contact.fax)
    .bind(&u.contact.email)
    .bind(super::now())
    .fetch_one(&mut *conn)
    .await?;
    super::items::log_site_change(conn, id, "unit.create").await?;
    Ok(id)
}

pub async fn all(conn: &mut Conn) -> sqlx::Result<Vec<Unit>> {
    sqlx::query_as(&format!("SELECT {COLS} FROM units ORDER BY sort_order, id"))
        .fetch_all(conn)
        .await
}

pub async fn by_code(conn: &mut Conn, code: &str) -> sqlx::Result<Option<Unit>> {
    sqlx::query_as(&format!("SELECT {COLS} FROM units WHERE code = $1"))
        .bind(code)
        .fetch_optional(conn)
        .await
}

pub async fn by_id(conn: &mut Conn, id: i64) -> sqlx::Result<Option<Unit>> {
    sqlx::query_as(&format!("SELECT {COLS} FROM units WHERE id = $1"))
        .bind(id)
        .fetch_optional(conn)
        .await
}

/// Saves the settings an administrator may change.
pub async fn update_settings(
    conn: &mut Conn,
    id: i64,
    name: &str,
    org_code: &str,
    contact: &OfficeContact,
    index_pattern: &str,
) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE units SET name=$1, org_code=$2, office_address=$3, office_hours=$4, office_phone=$5, \
         office_fax=$6, office_email=$7, index_pattern=$8 WHERE id=$9",
    )
    .bind(name)
    .bind(org_code)
    .bind(&contact.address)
    .bind(&contact.hours)
    .bind(&contact.phone)
    .bind(&contact.fax)
    .bind(&contact.email)
    .bind(index_pattern)
    .bind(id)
    .execute(&mut *conn)
    .await?;
    super::items::log_site_change(conn, id, "unit.settings").await?;
    Ok(())
}

impl Unit {
    /// The day the report for `year` is due: the unit's setting (MM-DD), or 31 January of the next
    /// year, 31 March for a city government (Art. 49).
    pub fn report_due_on(&self, year: i32) -> Option<chrono::NaiveDate> {
        let (m, d) = match self
            .report_due
            .split_once('-')
            .and_then(|(m, d)| Some((m.parse().ok()?, d.parse().ok()?)))
        {
            Some(md) => md,
            None if self.kind() == sunshine_core::unit::UnitKind::City => (3, 31),
            None => (1, 31),
        };
        chrono::NaiveDate::from_ymd_opt(year + 1, m, d)
    }
}

pub async fn set_report_due(conn: &mut Conn, id: i64, due: &str) -> sqlx::Result<()> {
    sqlx::query("UPDATE units SET report_due = $1 WHERE id = $2")
        .bind(due)
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

/// Whether the unit pauses an application's clock while a fee is unpaid (the default, also for
/// a unit not found).
pub async fn fee_pause(conn: &mut Conn, id: i64) -> sqlx::Result<bool> {
    let v: Option<i64> = sqlx::query_scalar("SELECT pause_clock_for_fee FROM units WHERE id = $1")
        .bind(id)
        .fetch_optional(conn)
        .await?;
    Ok(v.is_none_or(|p| p != 0))
}

pub async fn set_fee_pause(conn: &mut Conn, id: i64, pause: bool) -> sqlx::Result<()> {
    sqlx::query("UPDATE units SET pause_clock_for_fee = $1 WHERE id = $2")
        .bind(i64::from(pause))
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

/// What a unit's site says of itself: the footer's registrations and its own host name.
pub struct SiteRow<'a> {
    pub host_org: &'a str,
    pub site_code: &'a str,
    pub icp_no: &'a str,
    pub police_no: &'a str,
    pub host: Option<&'a str>,
}

pub async fn set_site(conn: &mut Conn, id: i64, s: &SiteRow<'_>) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE units SET host_org = $1, site_code = $2, icp_no = $3, police_no = $4, host = $5 \
         WHERE id = $6",
    )
    .bind(s.host_org)
    .bind(s.site_code)
    .bind(s.icp_no)
    .bind(s.police_no)
    .bind(s.host)
    .bind(id)
    .execute(&mut *conn)
    .await?;
    super::items::log_site_change(conn, id, "unit.site").await?;
    Ok(())
}

/// Sets the site-wide mourning period (on the root unit): `from` None switches it off.
pub async fn set_mourning(
    conn: &mut Conn,
    id: i64,
    from: Option<i64>,
    until: Option<i64>,
) -> sqlx::Result<()> {
    sqlx::query("UPDATE units SET mourning_from = $1, mourning_until = $2 WHERE id = $3")
        .bind(from)
        .bind(until)
        .bind(id)
        .execute(&mut *conn)
        .await?;
    super::items::log_site_change(conn, id, "unit.mourning").await?;
    Ok(())
}

/// The unit whose own site is served at `host`, if any.
pub async fn by_host(conn: &mut Conn, host: &str) -> sqlx::Result<Option<Unit>> {
    sqlx::query_as(&format!("SELECT {COLS} FROM units WHERE host = $1"))
        .bind(host)
        .fetch_optional(conn)
        .await
}

/// The unit at the root of the tree (the city whose site this is), if there is one.
pub async fn root(conn: &mut Conn) -> sqlx::Result<Option<Unit>> {
    sqlx::query_as(&format!(
        "SELECT {COLS} FROM units WHERE parent_id IS NULL ORDER BY sort_order, id LIMIT 1"
    ))
    .fetch_optional(conn)
    .await
}

/// Records that belong to a unit: the kinds a back-office path names by id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Owned {
    Item,
    Application,
    Column,
    Attachment,
}

/// The unit a record belongs to, read in one query without loading the record: the rights on
/// a path are checked against it before any of the record is read.
pub async fn owner_of(conn: &mut Conn, what: Owned, id: i64) -> sqlx::Result<Option<Unit>> {
    let table = match what {
        Owned::Item => "items",
        Owned::Application => "applications",
        Owned::Column => "columns",
        Owned::Attachment => "attachments",
    };
    sqlx::query_as(&format!(
        "SELECT {COLS} FROM units WHERE id = (SELECT unit_id FROM {table} WHERE id = $1)"
    ))
    .bind(id)
    .fetch_optional(conn)
    .await
}
