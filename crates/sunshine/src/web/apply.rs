//! Public pages for applicants: `/apply` (the form, with a simple signed arithmetic challenge and
//! a honeypot field against automated abuse, plus the per-address rate limit) and `/track`.

use super::error::{AppError, PageError};
use super::extract::{ClientIp, WebForm};
use super::frame::{Frame, Visitor};
use super::public::render;
use super::views::Crumb;
use super::AppState;
use crate::service::applications as svc;
use crate::service::Error;
use askama::Template;
use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use serde::{Deserialize, Serialize};
use sunshine_core::application::{
    ApplicantInput, ApplicantKind, ApplicationInput, Delivery, IdType,
};
use sunshine_core::FieldError;

const CHALLENGE_TTL: i64 = 2 * 3600;

/// A question and its token: the numbers and the time, sealed (AES-GCM with the data key), so
/// the token tells nothing about the answer and cannot be made up.
fn challenge(app: &AppState) -> (String, String) {
    use rand::Rng;
    let mut rng = rand::rngs::OsRng;
    let (a, b): (i64, i64) = (rng.gen_range(2..10), rng.gen_range(2..10));
    let token = app
        .data_key
        .seal_stamped("challenge", &[&a.to_string(), &b.to_string()])
        .unwrap_or_default();
    (format!("{a} 加 {b} 等于几？（请填阿拉伯数字）"), token)
}

fn check_challenge(app: &AppState, token: &str, answer: &str) -> bool {
    let Some(ab) = app
        .data_key
        .open_stamped("challenge", 2, CHALLENGE_TTL, token)
    else {
        return false;
    };
    let sum = ab
        .iter()
        .map(|n| n.parse::<i64>().ok())
        .sum::<Option<i64>>();
    sum.is_some()
        && sunshine_core::text::fold_width(answer)
            .trim()
            .parse::<i64>()
            .ok()
            == sum
}

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct ApplyForm {
    unit: String,
    /// The applicant's fields, named as the domain names them (`name`, `id_number` …).
    #[serde(flatten)]
    applicant: ApplicantInput,
    description: String,
    purpose: String,
    delivery: String,
    token: String,
    answer: String,
    /// The sealed reference of a 身份证明 uploaded with an earlier try of this form.
    proof: String,
    /// Left empty by people; filled by robots that fill every field.
    website: String,
}

impl ApplyForm {
    fn input(&self) -> ApplicationInput {
        ApplicationInput {
            unit: self.unit.clone(),
            applicant: self.applicant.clone(),
            description: self.description.clone(),
            purpose: self.purpose.clone(),
            delivery: self.delivery.clone(),
            channel: "online".into(),
            on: None,
        }
    }
}

/// The form's fields in the order the page shows them: each error's field (as the domain names
/// it) and the id of the control it belongs to.
const FIELDS: &[(&str, &str)] = &[
    ("form", "form-errors"),
    ("unit", "unit"),
    ("applicant.kind", "kind"),
    ("applicant.name", "name"),
    ("applicant.legal_rep", "legal_rep"),
    ("applicant.contact_person", "contact_person"),
    ("applicant.id_type", "id_type"),
    ("applicant.id_number", "id_number"),
    ("proof", "proof_file"),
    ("applicant.phone", "phone"),
    ("applicant.email", "email"),
    ("applicant.address", "address"),
    ("applicant.postcode", "postcode"),
    ("description", "description"),
    ("purpose", "purpose"),
    ("delivery", "delivery"),
    ("channel", "form-errors"),
    ("answer", "answer"),
];

/// The largest body `/apply` reads: a proof a little over its limit is still read, so that
/// the form comes back with everything typed and a message about the file.
pub const BODY_LIMIT: usize = 3 * svc::proof::PROOF_MAX_BYTES as usize;

/// The form as sent: url-encoded (no file), or multipart with a 身份证明 file.
pub struct ApplyBody {
    form: ApplyForm,
    file: Option<(String, bytes::Bytes)>,
}

impl axum::extract::FromRequest<AppState> for ApplyBody {
    type Rejection = PageError;

    async fn from_request(
        req: axum::extract::Request,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let multipart = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("multipart/form-data"));
        if !multipart {
            let WebForm(form) = WebForm::<ApplyForm>::from_request(req, state).await?;
            return Ok(ApplyBody { form, file: None });
        }
        // A body over the limit is said as such; anything else unreadable, as unreadable.
        let failed = |too_large: bool| {
            PageError::from(if too_large {
                Error::TooLarge(
                    "提交的内容太大：身份证明文件不能超过 5 MB。请返回，换一个较小的文件后重新提交。"
                        .into(),
                )
            } else {
                Error::Invalid(vec![FieldError::new(
                    "form",
                    "表单无法读取，请返回刷新页面后重新提交。",
                )])
            })
        };
        let read = |e: axum::extract::multipart::MultipartError| {
            failed(e.status() == StatusCode::PAYLOAD_TOO_LARGE)
        };
        let mut parts = axum::extract::Multipart::from_request(req, state)
            .await
            .map_err(|_| failed(false))?;
        let mut fields: Vec<(String, String)> = Vec::new();
        let mut file = None;
        while let Some(field) = parts.next_field().await.map_err(read)? {
            let name = field.name().unwrap_or("").to_owned();
            if name == "proof_file" {
                let file_name = field.file_name().unwrap_or("").to_owned();
                let bytes = field.bytes().await.map_err(read)?;
                // A file input left empty still sends a part, with no name and no bytes.
                if !(file_name.is_empty() && bytes.is_empty()) {
                    file = Some((file_name, bytes));
                }
            } else {
                fields.push((name, field.text().await.map_err(read)?));
            }
        }
        // The text fields read as the url-encoded form is read: one definition of the form.
        let form = serde_urlencoded::to_string(&fields)
            .ok()
            .and_then(|q| serde_urlencoded::from_str::<ApplyForm>(&q).ok())
            .ok_or_else(|| failed(false))?;
        Ok(ApplyBody { form, file })
    }
}

#[derive(Template)]
#[template(path = "apply.html")]
struct ApplyPage {
    frame: Frame,
    units: Vec<(String, String)>,
    kinds: Vec<(&'static str, &'static str)>,
    id_types: Vec<(&'static str, &'static str)>,
    deliveries: Vec<(&'static str, &'static str)>,
    form: ApplyForm,
    errors: super::admin::Errors,
    question: String,
    token: String,
    /// The name of a 身份证明 kept from an earlier try (empty: none).
    proof_name: String,
    /// The control the cursor starts in: the first one with an error.
    first: &'static str,
}

impl ApplyPage {
    /// The id of the control an error belongs to.
    fn anchor(&self, field: &str) -> &'static str {
        FIELDS
            .iter()
            .find(|(f, _)| *f == field)
            .map_or("form-errors", |(_, id)| id)
    }

    /// A control's attributes for its error: marked invalid, described by its message, and the
    /// first one focused. Made of fixed strings only (the ids above), never of input.
    fn attrs(&self, field: &str) -> String {
        let id = self.anchor(field);
        let mut out = String::new();
        // The file's hint describes it always; its error too when there is one.
        let hint = if field == "proof" { "proof-hint " } else { "" };
        if self.errors.get(field).is_some() {
            out.push_str(&format!(
                r#" aria-invalid="true" aria-describedby="{hint}err-{id}""#
            ));
        } else if !hint.is_empty() {
            out.push_str(r#" aria-describedby="proof-hint""#);
        }
        if !self.first.is_empty() && self.first == id {
            out.push_str(" autofocus");
        }
        out
    }
}

async fn page(
    app: &AppState,
    visitor: &Visitor,
    form: ApplyForm,
    mut errors: Vec<FieldError>,
    proof_name: String,
) -> Result<ApplyPage, AppError> {
    // In the order of the page, so the summary reads like the form and the cursor goes to the
    // first field to mend.
    errors.sort_by_key(|e| FIELDS.iter().position(|(f, _)| *f == e.field));
    let first = errors
        .first()
        .and_then(|e| FIELDS.iter().find(|(f, _)| *f == e.field))
        .map_or("", |(_, id)| id);
    let mut conn = app.db.pool.acquire().await?;
    let units = crate::db::units::all(&mut conn)
        .await?
        .into_iter()
        .map(|u| (u.code, u.name))
        .collect();
    let (question, token) = challenge(app);
    let crumbs = vec![
        super::views::crumb("/", "首页"),
        super::views::crumb("/apply", "依申请公开"),
    ];
    Ok(ApplyPage {
        frame: Frame::of(&mut conn, visitor, None, crumbs).await?,
        units,
        kinds: ApplicantKind::ALL
            .iter()
            .map(|k| (k.as_str(), k.label()))
            .collect(),
        id_types: IdType::ALL
            .iter()
            .map(|k| (k.as_str(), k.label()))
            .collect(),
        deliveries: Delivery::ALL
            .iter()
            .map(|k| (k.as_str(), k.label()))
            .collect(),
        form,
        errors: super::admin::Errors(errors),
        question,
        token,
        proof_name,
        first,
    })
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ApplyQuery {
    /// The unit chosen in advance (the 指南's link to the form).
    unit: String,
}

pub async fn form(
    State(app): State<AppState>,
    visitor: Visitor,
    axum::extract::Query(query): axum::extract::Query<ApplyQuery>,
) -> Result<Response, PageError> {
    let f = ApplyForm {
        unit: query.unit,
        applicant: ApplicantInput {
            kind: "natural_person".into(),
            id_type: "resident_id".into(),
            ..Default::default()
        },
        delivery: "email".into(),
        ..Default::default()
    };
    render(&page(&app, &visitor, f, vec![], String::new()).await?)
}

#[derive(Template)]
#[template(path = "apply_done.html")]
struct DonePage {
    frame: Frame,
    receipt: Option<svc::Receipt>,
    unit_name: String,
}

/// The receipt travels to its page in a cookie sealed with the data key (AES-GCM), never in an
/// address: the access code must not land in histories or logs. It lives an hour.
const RECEIPT_COOKIE: &str = "sunshine_receipt";
const RECEIPT_SECONDS: i64 = 3600;

#[derive(Serialize, Deserialize)]
struct SealedReceipt {
    receipt: svc::Receipt,
    unit_name: String,
    until: i64,
}

/// After a successful submission: a 303 to the receipt page (so that reloading it files
/// nothing), with the receipt in a sealed cookie.
fn to_receipt(
    app: &AppState,
    receipt: svc::Receipt,
    unit_name: String,
) -> Result<Response, AppError> {
    let sealed = SealedReceipt {
        receipt,
        unit_name,
        until: crate::db::now() + RECEIPT_SECONDS,
    };
    let value = app
        .data_key
        .seal(&serde_json::to_string(&sealed).map_err(anyhow::Error::from)?)?;
    let secure = if app.config.cookie_secure {
        "; Secure"
    } else {
        ""
    };
    let cookie = format!(
        "{RECEIPT_COOKIE}={value}; Path=/apply; HttpOnly; SameSite=Lax; Max-Age={RECEIPT_SECONDS}{secure}"
    );
    let mut r = Redirect::to("/apply/receipt").into_response();
    // Without the cookie the receipt could not be shown: an error, never a silent loss (the
    // application is filed; a repeat of the same form gets its receipt).
    let v = HeaderValue::from_str(&cookie).map_err(anyhow::Error::from)?;
    r.headers_mut().insert(header::SET_COOKIE, v);
    Ok(r)
}

fn receipt_of(app: &AppState, headers: &HeaderMap) -> Option<SealedReceipt> {
    let value = headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|c| c.trim().split_once('='))
        .find(|(k, _)| *k == RECEIPT_COOKIE)
        .map(|(_, v)| v.to_owned())?;
    let json = app.data_key.open(&value).ok()?;
    serde_json::from_str::<SealedReceipt>(&json)
        .ok()
        .filter(|r| r.until > crate::db::now())
}

/// `GET /apply/receipt`: the receipt of the submission just made (reloading shows it again).
pub async fn receipt(
    State(app): State<AppState>,
    visitor: Visitor,
    headers: HeaderMap,
) -> Result<Response, PageError> {
    let sealed = receipt_of(&app, &headers);
    let mut conn = app.db.pool.acquire().await.map_err(AppError::from)?;
    let crumbs = vec![
        super::views::crumb("/", "首页"),
        super::views::crumb("/apply", "依申请公开"),
    ];
    let page = DonePage {
        frame: Frame::of(&mut conn, &visitor, None, crumbs).await?,
        unit_name: sealed
            .as_ref()
            .map(|s| s.unit_name.clone())
            .unwrap_or_default(),
        receipt: sealed.map(|s| s.receipt),
    };
    let mut r = render(&page)?;
    r.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(r)
}

pub async fn submit(
    State(app): State<AppState>,
    visitor: Visitor,
    ClientIp(ip): ClientIp,
    ApplyBody { form: mut f, file }: ApplyBody,
) -> Result<Response, PageError> {
    let again = |errs: Vec<FieldError>, f: ApplyForm, proof: String, status: StatusCode| {
        let app = app.clone();
        let visitor = visitor.clone();
        async move {
            let mut r = render(&page(&app, &visitor, f, errs, proof).await?)?;
            *r.status_mut() = status;
            Ok::<_, PageError>(r)
        }
    };
    let human = f.website.is_empty() && check_challenge(&app, &f.token, &f.answer);
    let input = f.input();
    // Every problem at once: the fields, the file and the challenge.
    let mut errors = input.parse().err().unwrap_or_default();
    if !human {
        errors.push(FieldError::new(
            "answer",
            "验证题答案不正确或已过期，请重新计算后提交（您填写的内容都保留着）",
        ));
    }
    let mut proof: Option<(i64, svc::proof::Pending)> = None;
    match file {
        // A file is kept only for a form whose challenge was answered: robots store nothing.
        Some(_) if !human => errors.push(FieldError::new(
            "proof",
            "为防止自动提交，验证题答对之前不保存上传的文件：请答对验证题后重新选择身份证明文件。",
        )),
        Some((name, bytes)) => match svc::proof::keep(&app, &ip, &name, bytes).await {
            Ok(p) => {
                f.proof = p.1.token.clone();
                proof = Some(p);
            }
            Err(Error::Invalid(e)) => errors.extend(e),
            Err(Error::RateLimited(m)) => errors.push(FieldError::new("proof", m)),
            Err(e) => return Err(e.into()),
        },
        None if !f.proof.is_empty() => {
            proof = svc::proof::pending(&app, &f.proof).await?;
            if proof.is_none() {
                f.proof.clear();
                errors.push(FieldError::new(
                    "proof",
                    "之前上传的身份证明无法识别或已超过两小时，请重新选择文件；也可以不上传。",
                ));
            }
        }
        None => {}
    }
    let proof_name = proof.as_ref().map(|p| p.1.name.clone()).unwrap_or_default();
    if !errors.is_empty() {
        return again(errors, f, proof_name, StatusCode::UNPROCESSABLE_ENTITY).await;
    }
    // The challenge is single-use: it is this submission's idempotency key, so a reload or a
    // double click gets the first receipt, and a used question cannot file a second case.
    let idem = svc::Idempotency::new("form", &f.token, &input);
    match svc::submit_public(&app, &ip, &input, Some(&idem), proof.map(|p| p.0)).await {
        Ok(receipt) => {
            let mut conn = app.db.pool.acquire().await.map_err(AppError::from)?;
            let unit_name = crate::db::units::by_code(&mut conn, f.unit.trim())
                .await?
                .map(|u| u.name)
                .unwrap_or_default();
            Ok(to_receipt(&app, receipt, unit_name)?)
        }
        Err(Error::Invalid(errs)) => {
            again(errs, f, proof_name, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(Error::RateLimited(m)) => {
            again(
                vec![FieldError::new("form", m)],
                f,
                proof_name,
                StatusCode::TOO_MANY_REQUESTS,
            )
            .await
        }
        Err(Error::Conflict("idempotency_key_reused", _)) => {
            again(
                vec![FieldError::new(
                    "answer",
                    "这道验证题已用于提交另一份申请。如要再提交一份新的申请，请回答新的验证题（您填写的内容都保留着）",
                )],
                f,
                proof_name,
                StatusCode::CONFLICT,
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "track.html")]
struct TrackPage {
    frame: Frame,
    no: String,
    /// Kept in the page only to download letters; never in an address.
    code: String,
    error: Option<String>,
    result: Option<svc::Tracking>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct TrackForm {
    no: String,
    code: String,
}

fn track_crumbs() -> Vec<Crumb> {
    vec![
        super::views::crumb("/", "首页"),
        super::views::crumb("/track", "申请查询"),
    ]
}

pub async fn track_form(
    State(app): State<AppState>,
    visitor: Visitor,
) -> Result<Response, PageError> {
    let mut conn = app.db.pool.acquire().await.map_err(AppError::from)?;
    render(&TrackPage {
        frame: Frame::of(&mut conn, &visitor, None, track_crumbs()).await?,
        no: String::new(),
        code: String::new(),
        error: None,
        result: None,
    })
}

/// Tracking by form post, so the access code never appears in an address or a log.
pub async fn track(
    State(app): State<AppState>,
    visitor: Visitor,
    ClientIp(ip): ClientIp,
    WebForm(f): WebForm<TrackForm>,
) -> Result<Response, PageError> {
    let result = svc::track(&app, &ip, &f.no, &f.code).await;
    let mut conn = app.db.pool.acquire().await.map_err(AppError::from)?;
    let frame = Frame::of(&mut conn, &visitor, None, track_crumbs()).await?;
    match result {
        Ok(t) => render(&TrackPage {
            frame,
            no: f.no,
            code: f.code,
            error: None,
            result: Some(t),
        }),
        Err(e @ Error::Refused(..)) => {
            let mut r = render(&TrackPage {
                frame,
                no: f.no,
                code: String::new(),
                error: Some(e.message()),
                result: None,
            })?;
            *r.status_mut() = StatusCode::FORBIDDEN;
            Ok(r)
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct LetterForm {
    no: String,
    code: String,
    letter: i64,
}

/// Downloads one letter of the applicant's case (number and code again: nothing is kept between
/// requests).
pub async fn letter(
    State(app): State<AppState>,
    ClientIp(ip): ClientIp,
    WebForm(f): WebForm<LetterForm>,
) -> Result<Response, PageError> {
    let t = svc::track(&app, &ip, &f.no, &f.code).await?;
    let l = t
        .letters
        .into_iter()
        .find(|l| l.id == f.letter)
        .ok_or(Error::NotFound)?;
    let name: String = url::form_urlencoded::byte_serialize(
        format!("{}-{}.txt", l.title, t.tracking_no).as_bytes(),
    )
    .collect::<String>()
    .replace('+', "%20");
    Ok((
        [
            (
                axum::http::header::CONTENT_TYPE,
                "text/plain; charset=utf-8".to_owned(),
            ),
            (
                axum::http::header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"letter.txt\"; filename*=UTF-8''{name}"),
            ),
            (axum::http::header::CACHE_CONTROL, "no-store".to_owned()),
        ],
        format!("{}\r\n", l.body.replace('\n', "\r\n")),
    )
        .into_response())
}
