//! Filing an application: online by the public (rate limited), or registered by staff from
//! paper, post, fax or e-mail; a repeat under the same idempotency key files nothing.

use super::*;

/// What makes a submission the same as an earlier one: a key the client sent (`Idempotency-Key`)
/// or the single-use challenge of the form, and a digest of what was submitted.
#[derive(Debug, Clone)]
pub struct Idempotency {
    key_hash: String,
    request_hash: String,
}

impl Idempotency {
    /// `scope` keeps keys of different clients apart (the form, the public API, a staff member).
    pub fn new(scope: &str, key: &str, input: &ApplicationInput) -> Idempotency {
        let digest = |s: &str| hex::encode(Sha256::digest(s.as_bytes()));
        Idempotency {
            key_hash: digest(&format!("{scope}\n{key}")),
            request_hash: digest(&serde_json::to_string(input).unwrap_or_default()),
        }
    }
}

/// The key was used before for a different submission.
fn key_reused() -> Error {
    Error::Conflict(
        "idempotency_key_reused",
        "这个幂等键（或验证题）已用于另一份不同内容的申请。如要提交新的申请，请换一个键（网页上请重新答题）。".into(),
    )
}

/// A submission seen before under this key: its receipt, or a conflict if it differed.
async fn replay(app: &App, idem: &Idempotency) -> Result<Option<Receipt>, Error> {
    let mut conn = app.db.pool.acquire().await?;
    let Some(k) = adb::intake_key(&mut conn, &idem.key_hash).await? else {
        return Ok(None);
    };
    if k.request_hash != idem.request_hash {
        return Err(key_reused());
    }
    // The key and its receipt are written in one transaction: a key seen has its receipt.
    let json = app.data_key.open(&k.receipt_sealed)?;
    Ok(Some(
        serde_json::from_str(&json).map_err(anyhow::Error::from)?,
    ))
}

/// Public intake (`/apply`, `POST /api/v1/applications` without a token). Typos are answered
/// field by field without using up the applicant's allowance; only well-formed submissions count
/// towards the per-address hourly limit. A repeat under the same idempotency key (a reload, a
/// double click, a retried API call) gets the first receipt and files nothing.
/// `proof`: a waiting 身份证明 (see [`super::proof`]) that goes with the application.
pub async fn submit_public(
    app: &App,
    ip: &str,
    input: &ApplicationInput,
    idem: Option<&Idempotency>,
    proof: Option<i64>,
) -> Result<Receipt, Error> {
    let mut input = input.clone();
    input.channel = Channel::Online.as_str().into();
    input.on = None;
    let parsed = input.parse().map_err(Error::Invalid)?;
    if let Some(i) = idem {
        if let Some(r) = replay(app, i).await? {
            return Ok(r);
        }
    }
    let mut conn = app.db.pool.acquire().await?;
    if units::by_code(&mut conn, &parsed.unit).await?.is_none() {
        return Err(FieldError::new(
            "unit",
            format!("机关“{}”不存在，请从列表中选择受理机关", parsed.unit),
        )
        .into());
    }
    drop(conn);
    // Counted and recorded in one step, so simultaneous submissions cannot all pass the limit.
    let mut tx = app.db.begin().await?;
    let n = throttle::hit(&mut tx, Bucket::IntakeAddress, ip, 3600).await?;
    tx.commit().await?;
    if n > app.config.intake_per_hour {
        return Err(Error::RateLimited(
            "同一网络地址一小时内提交的申请过多，请一小时后再提交；如确有大量申请，可到政府信息公开工作机构当面或邮寄提交。您填写的内容都保留着。".into(),
        ));
    }
    create(app, None, &input, idem, proof).await
}

/// Staff registration of an application received in person, by post, fax or e-mail.
pub async fn register(
    app: &App,
    actor: &Actor<'_>,
    input: &ApplicationInput,
    idem: Option<&Idempotency>,
) -> Result<Receipt, Error> {
    if let Some(i) = idem {
        if let Some(r) = replay(app, i).await? {
            return Ok(r);
        }
    }
    create(app, Some(actor), input, idem, None).await
}

async fn create(
    app: &App,
    actor: Option<&Actor<'_>>,
    input: &ApplicationInput,
    idem: Option<&Idempotency>,
    proof: Option<i64>,
) -> Result<Receipt, Error> {
    let a = input.parse().map_err(Error::Invalid)?;
    let mut conn = app.db.pool.acquire().await?;
    let unit = units::by_code(&mut conn, &a.unit).await?.ok_or_else(|| {
        FieldError::new(
            "unit",
            format!("机关“{}”不存在，请从列表中选择受理机关", a.unit),
        )
    })?;
    drop(conn);
    if let Some(actor) = actor {
        if let Err(d) = actor.grants.can_edit_items(unit.id) {
            crate::service::audit_denial(
                app,
                actor,
                Some(unit.id),
                format!("unit:{}", unit.code),
                d,
            )
            .await;
            return Err(d.into());
        }
    }
    let received = case_step::step_date(input.on.as_deref(), app.today(), None)?;
    let cal = calendar(app).await?;
    // The date of receipt must lie in a year the calendar knows; a deadline running into a year
    // not yet loaded is provisional, recomputed when that year is loaded.
    cal.is_workday(received)
        .map_err(|e| FieldError::new("on", e.to_string()))?;
    let tracking_no = format!("{}{}", received.format("%Y%m%d"), random_code(6));
    let access_code = random_code(8);
    let id_enc = app.data_key.seal(&a.id_number)?;
    let mut tx = app.db.begin().await?;
    if let Some(i) = idem {
        if !adb::claim_intake_key(&mut tx, &i.key_hash, &i.request_hash).await? {
            // Taken by a simultaneous submission that has committed meanwhile.
            drop(tx);
            return match replay(app, i).await? {
                Some(r) => Ok(r),
                None => Err(key_reused()),
            };
        }
    }
    let id = adb::insert(
        &mut tx,
        &adb::NewApp {
            unit_id: unit.id,
            tracking_no: &tracking_no,
            access_code_hash: &access_hash(&tracking_no, &access_code),
            applicant_kind: a.kind.as_str(),
            applicant_name: &a.name,
            id_type: a.id_type.as_str(),
            id_number_enc: &id_enc,
            id_number_masked: &mask_id(&a.id_number),
            applicant_hash: &applicant_hash(app, &a.id_number),
            phone: &a.phone,
            email: &a.email,
            address: &a.address,
            postcode: &a.postcode,
            legal_rep: &a.legal_rep,
            contact_person: &a.contact_person,
            description: &a.description,
            purpose: &a.purpose,
            delivery: a.delivery.as_str(),
            channel: a.channel.as_str(),
            received_on: &received.to_string(),
            created_by: actor.map(|x| x.user_id),
        },
    )
    .await?;
    if let Some(file) = proof {
        // The file goes to this application only; one that no longer waits (removed after two
        // hours, or taken by a simultaneous submission) is asked for again, and nothing is filed.
        if !adb::claim_file(&mut tx, file, id, unit.id).await? {
            return Err(FieldError::new(
                "proof",
                "上传的身份证明已用于另一份申请，或已超过两小时：请重新选择文件，也可以不上传。",
            )
            .into());
        }
    }
    let ev = Event::Received { on: received };
    let who = actor.map(|x| x.login).unwrap_or("申请人（网上提交）");
    adb::add_event(
        &mut tx,
        id,
        unit.id,
        "received",
        &received.to_string(),
        &serde_json::to_string(&ev).unwrap_or_default(),
        actor.map(|x| x.user_id),
        who,
    )
    .await?;
    let row = adb::get(&mut tx, &Scope::unit(unit.id), id)
        .await?
        .ok_or(Error::NotFound)?;
    let clock = store_clock(&mut tx, &cal, &row).await?;
    audit::append(
        &mut tx,
        &Entry {
            actor_id: actor.map(|x| x.user_id),
            actor: actor.map(|x| x.login).unwrap_or("public"),
            ip: actor.map(|x| x.ip).unwrap_or(""),
            action: "application.receive",
            unit_id: Some(unit.id),
            target: format!("application:{id}"),
            detail: format!(
                "{} {} {}",
                tracking_no,
                a.channel.as_str(),
                receipt_rule(a.channel)
            ),
        },
    )
    .await?;
    let receipt = Receipt {
        id,
        state: PhaseKey::of(&clock.phase),
        tracking_no,
        access_code,
        received_on: received.to_string(),
        due_on: clock.due_on.map(|d| d.to_string()),
    };
    if let Some(i) = idem {
        let sealed = app
            .data_key
            .seal(&serde_json::to_string(&receipt).map_err(anyhow::Error::from)?)?;
        adb::set_intake_receipt(&mut tx, &i.key_hash, id, &sealed).await?;
    }
    tx.commit().await?;
    Ok(receipt)
}
