//! Applications, their clock events, letters, remedies and complaints.

use super::listing::Sql;
use super::{BindIds, Conn, Scope};
use chrono::NaiveDate;
use serde::Serialize;
use sunshine_core::application::{ApplicantKind, Channel, Delivery, IdType, Outcome, PhaseKey};
use sunshine_core::fees::FeeMethod;

/// An application as stored, converted once into [`AppRow`].
#[derive(Debug, Clone, sqlx::FromRow)]
struct Stored {
    id: i64,
    unit_id: i64,
    tracking_no: String,
    access_code_hash: String,
    applicant_kind: String,
    applicant_name: String,
    id_type: String,
    id_number_enc: String,
    id_number_masked: String,
    applicant_hash: String,
    phone: String,
    email: String,
    address: String,
    postcode: String,
    legal_rep: String,
    contact_person: String,
    description: String,
    purpose: String,
    delivery: String,
    channel: String,
    received_on: String,
    due_on: Option<String>,
    due_provisional: i64,
    phase: String,
    outcome: Option<String>,
    replied_on: Option<String>,
    overdue: i64,
    fee_method: Option<String>,
    fee_yuan: i64,
    unit_code: String,
    unit_name: String,
}

/// An application with its unit, in the core's types. (Flags answer as 0 and 1 in JSON, as they
/// always have.)
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AppRow {
    pub id: i64,
    pub unit_id: i64,
    pub tracking_no: String,
    #[serde(skip)]
    pub access_code_hash: String,
    pub applicant_kind: ApplicantKind,
    pub applicant_name: String,
    pub id_type: IdType,
    #[serde(skip)]
    pub id_number_enc: String,
    pub id_number_masked: String,
    #[serde(skip)]
    pub applicant_hash: String,
    pub phone: String,
    pub email: String,
    pub address: String,
    /// 邮编 (empty when not given).
    pub postcode: String,
    /// An organisation's 法定代表人 and 联系人 (empty for a person).
    pub legal_rep: String,
    pub contact_person: String,
    pub description: String,
    pub purpose: String,
    pub delivery: Delivery,
    pub channel: Channel,
    pub received_on: NaiveDate,
    pub due_on: Option<NaiveDate>,
    #[serde(serialize_with = "as_int")]
    #[schema(value_type = i64)]
    pub due_provisional: bool,
    pub phase: PhaseKey,
    pub outcome: Option<Outcome>,
    pub replied_on: Option<NaiveDate>,
    #[serde(serialize_with = "as_int")]
    #[schema(value_type = i64)]
    pub overdue: bool,
    pub fee_method: Option<FeeMethod>,
    pub fee_yuan: i64,
    pub unit_code: String,
    pub unit_name: String,
}

fn as_int<S: serde::Serializer>(v: &bool, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_i64(i64::from(*v))
}

impl TryFrom<Stored> for AppRow {
    type Error = sqlx::Error;

    fn try_from(r: Stored) -> sqlx::Result<AppRow> {
        let id = r.id;
        let bad =
            |column: &str, value: &str| super::items::unknown("applications", id, column, value);
        let day =
            |column: &str, v: Option<String>| super::items::date("applications", id, column, v);
        let known = |column: &str, v: &str, ok: Option<_>| ok.ok_or_else(|| bad(column, v));
        Ok(AppRow {
            applicant_kind: known(
                "applicant_kind",
                &r.applicant_kind,
                ApplicantKind::parse(&r.applicant_kind),
            )?,
            id_type: IdType::parse(&r.id_type).ok_or_else(|| bad("id_type", &r.id_type))?,
            delivery: Delivery::parse(&r.delivery).ok_or_else(|| bad("delivery", &r.delivery))?,
            channel: Channel::parse(&r.channel).ok_or_else(|| bad("channel", &r.channel))?,
            received_on: day("received_on", Some(r.received_on.clone()))?
                .ok_or_else(|| bad("received_on", &r.received_on))?,
            due_on: day("due_on", r.due_on)?,
            replied_on: day("replied_on", r.replied_on)?,
            phase: PhaseKey::parse(&r.phase).ok_or_else(|| bad("phase", &r.phase))?,
            outcome: match r.outcome.as_deref() {
                None | Some("") => None,
                Some(o) => Some(Outcome::parse(o).ok_or_else(|| bad("outcome", o))?),
            },
            fee_method: match r.fee_method.as_deref() {
                None | Some("") => None,
                Some(m) => Some(FeeMethod::parse(m).ok_or_else(|| bad("fee_method", m))?),
            },
            due_provisional: r.due_provisional != 0,
            overdue: r.overdue != 0,
            id,
            unit_id: r.unit_id,
            tracking_no: r.tracking_no,
            access_code_hash: r.access_code_hash,
            applicant_name: r.applicant_name,
            id_number_enc: r.id_number_enc,
            id_number_masked: r.id_number_masked,
            applicant_hash: r.applicant_hash,
            phone: r.phone,
            email: r.email,
            address: r.address,
            postcode: r.postcode,
            legal_rep: r.legal_rep,
            contact_person: r.contact_person,
            description: r.description,
            purpose: r.purpose,
            fee_yuan: r.fee_yuan,
            unit_code: r.unit_code,
            unit_name: r.unit_name,
        })
    }
}

fn one(row: Option<Stored>) -> sqlx::Result<Option<AppRow>> {
    row.map(AppRow::try_from).transpose()
}

const SELECT: &str = "SELECT a.id, a.unit_id, a.tracking_no, a.access_code_hash, a.applicant_kind, a.applicant_name, \
    a.id_type, a.id_number_enc, a.id_number_masked, a.applicant_hash, a.phone, a.email, a.address, a.postcode, a.legal_rep, \
    a.contact_person, a.description, a.purpose, a.delivery, a.channel, a.received_on, a.due_on, a.due_provisional, a.phase, a.outcome, a.replied_on, a.overdue, \
    a.fee_method, a.fee_yuan, u.code AS unit_code, u.name AS unit_name FROM applications a JOIN units u ON u.id = a.unit_id";

pub struct NewApp<'a> {
    pub unit_id: i64,
    pub tracking_no: &'a str,
    pub access_code_hash: &'a str,
    pub applicant_kind: &'a str,
    pub applicant_name: &'a str,
    pub id_type: &'a str,
    pub id_number_enc: &'a str,
    pub id_number_masked: &'a str,
    pub applicant_hash: &'a str,
    pub phone: &'a str,
    pub email: &'a str,
    pub address: &'a str,
    pub postcode: &'a str,
    pub legal_rep: &'a str,
    pub contact_person: &'a str,
    pub description: &'a str,
    pub purpose: &'a str,
    pub delivery: &'a str,
    pub channel: &'a str,
    pub received_on: &'a str,
    pub created_by: Option<i64>,
}

pub async fn insert(conn: &mut Conn, a: &NewApp<'_>) -> sqlx::Result<i64> {
    let now = super::now();
    sqlx::query_scalar(
        "INSERT INTO applications (unit_id, tracking_no, access_code_hash, applicant_kind, applicant_name, id_type, \
         id_number_enc, id_number_masked, applicant_hash, phone, email, address, description, purpose, delivery, channel, \
         received_on, created_by, created_at, updated_at, postcode, legal_rep, contact_person) \
         VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18,$19,$19,$20,$21,$22) RETURNING id",
    )
    .bind(a.unit_id)
    .bind(a.tracking_no)
    .bind(a.access_code_hash)
    .bind(a.applicant_kind)
    .bind(a.applicant_name)
    .bind(a.id_type)
    .bind(a.id_number_enc)
    .bind(a.id_number_masked)
    .bind(a.applicant_hash)
    .bind(a.phone)
    .bind(a.email)
    .bind(a.address)
    .bind(a.description)
    .bind(a.purpose)
    .bind(a.delivery)
    .bind(a.channel)
    .bind(a.received_on)
    .bind(a.created_by)
    .bind(now)
    .bind(a.postcode)
    .bind(a.legal_rep)
    .bind(a.contact_person)
    .fetch_one(conn)
    .await
}

/// An application by id within the scope: another unit's is not found.
pub async fn get(conn: &mut Conn, scope: &Scope, id: i64) -> sqlx::Result<Option<AppRow>> {
    let sql = format!(
        "{SELECT} WHERE a.id = $1 AND {}",
        scope.condition("a.unit_id", 2)
    );
    one(sqlx::query_as(&sql)
        .bind(id)
        .bind_ids(scope.ids())
        .fetch_optional(conn)
        .await?)
}

pub async fn by_tracking(conn: &mut Conn, no: &str) -> sqlx::Result<Option<AppRow>> {
    one(
        sqlx::query_as(&format!("{SELECT} WHERE a.tracking_no = $1"))
            .bind(no)
            .fetch_optional(conn)
            .await?,
    )
}

/// Which cases a list reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cases {
    /// Not yet replied, soonest deadline first (those without one, the clock stopped, last).
    Open,
    /// Replied, the most recently received first.
    Replied,
    /// Replied after the deadline, the most recently received first.
    RepliedLate,
}

/// A list of cases shows at most this many.
pub const LIST_LIMIT: i64 = 500;

const OPEN_PHASES: &str =
    "'running', 'awaiting_correction', 'consulting', 'awaiting_fee', 'awaiting_fee_running'";

/// The statement of a list of cases of `units` (all when `None`), at most `limit`.
pub fn cases_sql(units: Option<&[i64]>, which: Cases, limit: i64) -> Sql {
    let mut q = Sql::new("cases");
    let unit_filter = match units {
        None => String::new(),
        Some(u) => format!(" AND a.unit_id IN ({})", q.ids(u)),
    };
    let l = q.int(limit);
    let (cond, order) = match which {
        // Within units, everything not replied: a row whose phase no longer reads then stops
        // the list with an error instead of dropping out of it unseen.
        Cases::Open if units.is_some() => (
            "a.phase <> 'replied'".to_owned(),
            "a.due_on IS NULL, a.due_on, a.id",
        ),
        Cases::Open => (
            format!("a.phase IN ({OPEN_PHASES})"),
            "a.due_on IS NULL, a.due_on, a.id",
        ),
        Cases::Replied => (
            "a.phase = 'replied'".to_owned(),
            "a.received_on DESC, a.id DESC",
        ),
        Cases::RepliedLate => (
            "a.phase = 'replied' AND a.overdue = 1".to_owned(),
            "a.received_on DESC, a.id DESC",
        ),
    };
    q.text = format!("{SELECT} WHERE {cond}{unit_filter} ORDER BY {order} LIMIT {l}");
    q
}

/// Cases of the given units (all when `None`), at most `limit`.
pub async fn list(
    conn: &mut Conn,
    units: Option<&[i64]>,
    which: Cases,
    limit: i64,
) -> sqlx::Result<Vec<AppRow>> {
    let rows: Vec<Stored> = cases_sql(units, which, limit)
        .query_as()
        .fetch_all(conn)
        .await?;
    rows.into_iter().map(AppRow::try_from).collect()
}

pub async fn open_ids(conn: &mut Conn) -> sqlx::Result<Vec<i64>> {
    sqlx::query_scalar("SELECT id FROM applications WHERE phase <> 'replied' ORDER BY id")
        .fetch_all(conn)
        .await
}

/// How many applications this applicant filed in the calendar month of `on`, up to this one.
/// Which of the applicant's applications this is in its calendar month (1 for the first),
/// counting those received that month up to this one. The month is an ISO date range, which the
/// index on `received_on` serves.
pub async fn nth_this_month(
    conn: &mut Conn,
    applicant_hash: &str,
    id: i64,
    on: NaiveDate,
) -> sqlx::Result<i64> {
    use chrono::Datelike;
    let first = on.with_day(1).unwrap_or(on);
    sqlx::query_scalar(
        "SELECT COUNT(*) FROM applications WHERE applicant_hash = $1 AND received_on >= $2 \
         AND (received_on < $3 OR (received_on = $3 AND id <= $4))",
    )
    .bind(applicant_hash)
    .bind(first.to_string())
    .bind(on.to_string())
    .bind(id)
    .fetch_one(conn)
    .await
}

#[expect(clippy::too_many_arguments, reason = "one argument per column written")]
pub async fn set_clock(
    conn: &mut Conn,
    id: i64,
    due_on: Option<NaiveDate>,
    phase: PhaseKey,
    outcome: Option<Outcome>,
    replied_on: Option<NaiveDate>,
    overdue: bool,
    provisional: bool,
) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE applications SET due_on = $1, phase = $2, outcome = $3, replied_on = $4, overdue = $5, updated_at = $6, \
         due_provisional = $8 WHERE id = $7",
    )
    .bind(due_on.map(|d| d.to_string()))
    .bind(phase.as_str())
    .bind(outcome.map(Outcome::as_str))
    .bind(replied_on.map(|d| d.to_string()))
    .bind(i64::from(overdue))
    .bind(super::now())
    .bind(id)
    .bind(i64::from(provisional))
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn set_fee(conn: &mut Conn, id: i64, method: FeeMethod, yuan: i64) -> sqlx::Result<()> {
    sqlx::query("UPDATE applications SET fee_method = $1, fee_yuan = $2 WHERE id = $3")
        .bind(method.as_str())
        .bind(yuan)
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

#[derive(Debug, Clone, sqlx::FromRow, Serialize, utoipa::ToSchema)]
pub struct EventRow {
    pub id: i64,
    pub kind: String,
    pub on_date: String,
    pub data: String,
    pub actor: String,
    pub at: i64,
}

pub async fn events(conn: &mut Conn, app_id: i64) -> sqlx::Result<Vec<EventRow>> {
    sqlx::query_as("SELECT id, kind, on_date, data, actor, at FROM application_events WHERE application_id = $1 ORDER BY id")
        .bind(app_id)
        .fetch_all(conn)
        .await
}

#[expect(clippy::too_many_arguments, reason = "one argument per column written")]
pub async fn add_event(
    conn: &mut Conn,
    app_id: i64,
    unit_id: i64,
    kind: &str,
    on: &str,
    data: &str,
    actor_id: Option<i64>,
    actor: &str,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO application_events (application_id, unit_id, kind, on_date, data, actor_id, actor, at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8)",
    )
    .bind(app_id)
    .bind(unit_id)
    .bind(kind)
    .bind(on)
    .bind(data)
    .bind(actor_id)
    .bind(actor)
    .bind(super::now())
    .execute(conn)
    .await?;
    Ok(())
}

#[derive(Debug, Clone, sqlx::FromRow, Serialize, utoipa::ToSchema)]
pub struct Letter {
    pub id: i64,
    pub application_id: i64,
    pub kind: String,
    pub title: String,
    pub body: String,
    pub created_at: i64,
}

pub async fn add_letter(
    conn: &mut Conn,
    app_id: i64,
    unit_id: i64,
    kind: &str,
    title: &str,
    body: &str,
) -> sqlx::Result<i64> {
    sqlx::query_scalar("INSERT INTO letters (application_id, unit_id, kind, title, body, created_at) VALUES ($1,$2,$3,$4,$5,$6) RETURNING id")
        .bind(app_id)
        .bind(unit_id)
        .bind(kind)
        .bind(title)
        .bind(body)
        .bind(super::now())
        .fetch_one(conn)
        .await
}

pub async fn letters(conn: &mut Conn, app_id: i64) -> sqlx::Result<Vec<Letter>> {
    sqlx::query_as("SELECT id, application_id, kind, title, body, created_at FROM letters WHERE application_id = $1 ORDER BY id")
        .bind(app_id)
        .fetch_all(conn)
        .await
}

#[derive(Debug, Clone, sqlx::FromRow, Serialize, utoipa::ToSchema)]
pub struct Remedy {
    pub id: i64,
    pub kind: String,
    pub filed_on: String,
    pub body: String,
    pub outcome: String,
    pub decided_on: Option<String>,
}

pub async fn add_remedy(
    conn: &mut Conn,
    app_id: i64,
    unit_id: i64,
    r: &Remedy,
) -> sqlx::Result<i64> {
    sqlx::query_scalar(
        "INSERT INTO remedies (application_id, unit_id, kind, filed_on, body, outcome, decided_on, created_at) \
         VALUES ($1,$2,$3,$4,$5,$6,$7,$8) RETURNING id",
    )
    .bind(app_id)
    .bind(unit_id)
    .bind(&r.kind)
    .bind(&r.filed_on)
    .bind(&r.body)
    .bind(&r.outcome)
    .bind(r.decided_on.as_deref())
    .bind(super::now())
    .fetch_one(conn)
    .await
}

pub async fn remedies(conn: &mut Conn, app_id: i64) -> sqlx::Result<Vec<Remedy>> {
    sqlx::query_as("SELECT id, kind, filed_on, body, outcome, decided_on FROM remedies WHERE application_id = $1 ORDER BY id")
        .bind(app_id)
        .fetch_all(conn)
        .await
}

pub async fn reply_template(
    conn: &mut Conn,
    unit_id: i64,
    outcome: &str,
) -> sqlx::Result<Option<String>> {
    sqlx::query_scalar("SELECT body FROM reply_templates WHERE unit_id = $1 AND outcome = $2")
        .bind(unit_id)
        .bind(outcome)
        .fetch_optional(conn)
        .await
}

/// Every reply template of a unit, by outcome, in one query.
pub async fn reply_templates(
    conn: &mut Conn,
    unit_id: i64,
) -> sqlx::Result<std::collections::HashMap<String, String>> {
    let rows: Vec<(String, String)> =
        sqlx::query_as("SELECT outcome, body FROM reply_templates WHERE unit_id = $1")
            .bind(unit_id)
            .fetch_all(conn)
            .await?;
    Ok(rows.into_iter().collect())
}

pub async fn set_reply_template(
    conn: &mut Conn,
    unit_id: i64,
    outcome: &str,
    body: &str,
) -> sqlx::Result<()> {
    sqlx::query("INSERT INTO reply_templates (unit_id, outcome, body) VALUES ($1,$2,$3) ON CONFLICT (unit_id, outcome) DO UPDATE SET body = excluded.body")
        .bind(unit_id)
        .bind(outcome)
        .bind(body)
        .execute(conn)
        .await?;
    Ok(())
}

/// An idempotency key already used: what it was used for, and the receipt it gave (sealed).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct IntakeKey {
    pub request_hash: String,
    pub receipt_sealed: String,
}

pub async fn intake_key(conn: &mut Conn, key_hash: &str) -> sqlx::Result<Option<IntakeKey>> {
    sqlx::query_as("SELECT request_hash, receipt_sealed FROM intake_keys WHERE key_hash = $1")
        .bind(key_hash)
        .fetch_optional(conn)
        .await
}

/// Claims an idempotency key in the caller's transaction: true when it was free. A concurrent
/// claim of the same key waits for this transaction and then finds it taken.
pub async fn claim_intake_key(
    conn: &mut Conn,
    key_hash: &str,
    request_hash: &str,
) -> sqlx::Result<bool> {
    let n = sqlx::query(
        "INSERT INTO intake_keys (key_hash, request_hash, created_at) VALUES ($1,$2,$3) ON CONFLICT (key_hash) DO NOTHING",
    )
    .bind(key_hash)
    .bind(request_hash)
    .bind(super::now())
    .execute(conn)
    .await?
    .rows_affected();
    Ok(n == 1)
}

pub async fn set_intake_receipt(
    conn: &mut Conn,
    key_hash: &str,
    application_id: i64,
    receipt_sealed: &str,
) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE intake_keys SET application_id = $1, receipt_sealed = $2 WHERE key_hash = $3",
    )
    .bind(application_id)
    .bind(receipt_sealed)
    .bind(key_hash)
    .execute(conn)
    .await?;
    Ok(())
}

/// Housekeeping: receipts of submissions older than `before` are forgotten.
pub async fn purge_intake_keys(conn: &mut Conn, before: i64) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM intake_keys WHERE created_at < $1")
        .bind(before)
        .execute(conn)
        .await?;
    Ok(())
}

#[derive(Debug, Clone, sqlx::FromRow, Serialize)]
pub struct Complaint {
    pub id: i64,
    pub kind: String,
    pub received_on: String,
    pub summary: String,
    pub outcome: String,
}

pub async fn add_complaint(conn: &mut Conn, unit_id: i64, c: &Complaint) -> sqlx::Result<i64> {
    sqlx::query_scalar("INSERT INTO complaints (unit_id, kind, received_on, summary, outcome, created_at) VALUES ($1,$2,$3,$4,$5,$6) RETURNING id")
        .bind(unit_id)
        .bind(&c.kind)
        .bind(&c.received_on)
        .bind(&c.summary)
        .bind(&c.outcome)
        .bind(super::now())
        .fetch_one(conn)
        .await
}

/// A unit's complaints (投诉、举报), newest first.
pub async fn complaints(conn: &mut Conn, unit_id: i64) -> sqlx::Result<Vec<Complaint>> {
    sqlx::query_as("SELECT id, kind, received_on, summary, outcome FROM complaints WHERE unit_id = $1 ORDER BY received_on DESC, id DESC")
        .bind(unit_id)
        .fetch_all(conn)
        .await
}

/// Every application whose clock is paused waiting for the applicant (a correction or a fee):
/// the ones a lapse may conclude.
pub async fn waiting_on_applicant(conn: &mut Conn) -> sqlx::Result<Vec<i64>> {
    sqlx::query_scalar("SELECT id FROM applications WHERE phase IN ('awaiting_correction', 'awaiting_fee', 'awaiting_fee_running')")
        .fetch_all(conn)
        .await
}

/// Concludes an application as lapsed, if it is still in `phase`: true for the one caller whose
/// update changed it (the claim that keeps two nodes from concluding it twice).
pub async fn claim_lapse(
    conn: &mut Conn,
    id: i64,
    phase: PhaseKey,
    outcome: Outcome,
) -> sqlx::Result<bool> {
    let n = sqlx::query(
        "UPDATE applications SET phase = 'replied', outcome = $1 WHERE id = $2 AND phase = $3",
    )
    .bind(outcome.as_str())
    .bind(id)
    .bind(phase.as_str())
    .execute(conn)
    .await?
    .rows_affected();
    Ok(n == 1)
}

/// A file of an application (the applicant's 身份证明).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AppFile {
    pub id: i64,
    pub application_id: Option<i64>,
    pub kind: String,
    pub file_name: String,
    pub mime: String,
    pub size_bytes: i64,
    pub storage_key: String,
    pub sealed: i64,
    pub created_at: i64,
}

pub struct NewFile<'a> {
    pub kind: &'a str,
    pub file_name: &'a str,
    pub mime: &'a str,
    pub size_bytes: i64,
    pub storage_key: &'a str,
    pub sealed: bool,
}

const FILE_COLUMNS: &str =
    "id, application_id, kind, file_name, mime, size_bytes, storage_key, sealed, created_at";

/// Records a file that belongs to no application yet (it came with a form that must be sent
/// again).
pub async fn insert_pending_file(conn: &mut Conn, f: &NewFile<'_>) -> sqlx::Result<i64> {
    sqlx::query_scalar(
        "INSERT INTO application_files (kind, file_name, mime, size_bytes, storage_key, sealed, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
    )
    .bind(f.kind)
    .bind(f.file_name)
    .bind(f.mime)
    .bind(f.size_bytes)
    .bind(f.storage_key)
    .bind(i64::from(f.sealed))
    .bind(super::now())
    .fetch_one(conn)
    .await
}

/// A file of this kind, waiting or already given to its application.
pub async fn file_of_kind(conn: &mut Conn, id: i64, kind: &str) -> sqlx::Result<Option<AppFile>> {
    sqlx::query_as(&format!(
        "SELECT {FILE_COLUMNS} FROM application_files WHERE id = $1 AND kind = $2"
    ))
    .bind(id)
    .bind(kind)
    .fetch_optional(conn)
    .await
}

/// Gives a waiting file to an application: true if it was still waiting (a file goes to one
/// application only, however many submissions race for it).
pub async fn claim_file(
    conn: &mut Conn,
    file_id: i64,
    application_id: i64,
    unit_id: i64,
) -> sqlx::Result<bool> {
    let n = sqlx::query(
        "UPDATE application_files SET application_id = $1, unit_id = $2 WHERE id = $3 AND application_id IS NULL",
    )
    .bind(application_id)
    .bind(unit_id)
    .bind(file_id)
    .execute(conn)
    .await?
    .rows_affected();
    Ok(n == 1)
}

/// The files of an application (scoped by unit like the application itself).
pub async fn files_of(
    conn: &mut Conn,
    unit_id: i64,
    application_id: i64,
) -> sqlx::Result<Vec<AppFile>> {
    sqlx::query_as(&format!(
        "SELECT {FILE_COLUMNS} FROM application_files WHERE application_id = $1 AND unit_id = $2 ORDER BY id"
    ))
    .bind(application_id)
    .bind(unit_id)
    .fetch_all(conn)
    .await
}

/// Waiting files older than `before` (Unix seconds), for removal.
pub async fn stale_pending_files(conn: &mut Conn, before: i64) -> sqlx::Result<Vec<AppFile>> {
    sqlx::query_as(&format!(
        "SELECT {FILE_COLUMNS} FROM application_files WHERE application_id IS NULL AND created_at < $1 \
         ORDER BY created_at LIMIT 500"
    ))
    .bind(before)
    .fetch_all(conn)
    .await
}

/// Forgets a waiting file: true if it was still waiting (so its object may go).
pub async fn delete_pending_file(conn: &mut Conn, id: i64) -> sqlx::Result<bool> {
    let n = sqlx::query("DELETE FROM application_files WHERE id = $1 AND application_id IS NULL")
        .bind(id)
        .execute(conn)
        .await?
        .rows_affected();
    Ok(n == 1)
}
