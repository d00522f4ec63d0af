//! Taking a case step: the core decides whether it may be taken; here it is recorded.

use super::*;

/// Performs one case step. The step's own rules (its fields, who may take it, the fee method,
/// what a reply requires) are the core's (`case_step`); here are what they read from storage and
/// what a step records: its clock event, its letter, the fee, the audit entry, in one
/// transaction, the clock checked again inside it.
pub async fn step(app: &App, actor: &Actor<'_>, id: i64, input: StepInput) -> Result<Case, Error> {
    let a = for_staff(app, actor, id).await?;
    if let Err(d) = actor.grants.can_edit_items(a.unit_id) {
        crate::service::audit_denial(app, actor, Some(a.unit_id), format!("application:{id}"), d)
            .await;
        return Err(d.into());
    }
    let name = input.name();
    let cx = case_step::Context {
        today: app.today(),
        received_on: a.received_on,
        office_head: actor.grants.has(a.unit_id, Role::Director)
            || actor.grants.has(a.unit_id, Role::Leader),
        fee_noticed: a.fee_method.is_some(),
    };
    let (on, step) = match input.check(&cx) {
        Ok(checked) => checked,
        Err(r) => {
            // A refusal by role is audited like every other; a field to correct is not.
            if r == case_step::Refusal::NotOfficeHead {
                let target = format!("application:{id}");
                crate::service::audit_denial_code(app, actor, Some(a.unit_id), target, r.code())
                    .await;
            }
            return Err(refusal(r));
        }
    };
    if let Step::Remedy(r) = &step {
        return remedy(app, actor, &a, r).await;
    }
    let cal = calendar(app).await?;
    let mut conn = app.db.pool.acquire().await?;
    let unit = units::by_id(&mut conn, a.unit_id)
        .await?
        .ok_or(Error::NotFound)?;
    // What the step records beside its clock event: its data and its letter, and a fee.
    let mut data = serde_json::Map::new();
    let mut fee = None;
    let mut outcome = None;
    let letter_text: Option<(&str, String)> = match &step {
        Step::CorrectionRequest { items, period_days } => {
            let (until, _) = cal.add_provisional(on, *period_days);
            data.insert("items".into(), serde_json::json!(items));
            Some((
                "补正申请告知书",
                letters::correction(items, *period_days, until),
            ))
        }
        Step::ConsultationStart { party } => {
            if let Some(p) = party {
                data.insert("party".into(), p.as_str().into());
            }
            None
        }
        Step::Extend { days, reason } => {
            data.insert("reason".into(), reason.as_str().into());
            Some(("延长答复期限告知书", letters::extension(*days, reason)))
        }
        Step::FeeNotice(choice) => {
            let nth = match choice {
                FeeChoice::Count => {
                    let k = adb::nth_this_month(&mut conn, &a.applicant_hash, a.id, a.received_on)
                        .await?;
                    data.insert("nth".into(), k.into());
                    u32::try_from(k).unwrap_or(u32::MAX)
                }
                FeeChoice::Pages(p) => {
                    data.insert("pages".into(), (*p).into());
                    0
                }
            };
            let yuan = choice.yuan(nth).map_err(refusal)?;
            data.insert("method".into(), choice.method().as_str().into());
            data.insert("yuan".into(), yuan.into());
            fee = Some((choice.method(), yuan));
            let (pay_by, _) = cal.add_provisional(on, deadline::FEE_PAYMENT_DAYS);
            Some((
                "收取信息处理费通知书",
                letters::fee(choice.method(), yuan, pay_by),
            ))
        }
        Step::Reply(r) => {
            data.insert("outcome".into(), r.outcome.as_str().into());
            data.insert("basis".into(), r.basis.as_str().into());
            if let Some(item) = r.item_id {
                // The letter says the information is published by this authority: it must be.
                let public = crate::db::items::get_public(&mut conn, item).await?;
                if public.is_none_or(|i| i.unit_id != a.unit_id) {
                    return Err(FieldError::new(
                        "item_id",
                        format!("编号为 {item} 的信息不是本机关已主动公开的信息：答复中只能指向本机关已发布的信息"),
                    )
                    .into());
                }
                data.insert("item_id".into(), item.into());
            }
            if let Some(w) = &r.withheld {
                data.insert("withheld".into(), w.as_str().into());
            }
            let template = adb::reply_template(&mut conn, a.unit_id, r.outcome.as_str()).await?;
            outcome = Some(r.outcome);
            Some((
                "政府信息公开申请答复书",
                letters::reply(r, template.as_deref()),
            ))
        }
        Step::CorrectionReceived | Step::ConsultationEnd | Step::FeePaid | Step::Remedy(_) => None,
    };
    drop(conn);
    let mut tx = app.db.begin().await?;
    if let Some(ev) = step.event(on) {
        // A step the clock does not allow fails in store_clock below, rolling this back.
        let mut v = serde_json::to_value(&ev).unwrap_or_default();
        if let Some(obj) = v.as_object_mut() {
            obj.extend(data);
        }
        adb::add_event(
            &mut tx,
            id,
            a.unit_id,
            name,
            &on.to_string(),
            &v.to_string(),
            Some(actor.user_id),
            actor.login,
        )
        .await?;
    }
    if let Some((method, yuan)) = fee {
        adb::set_fee(&mut tx, id, method, yuan).await?;
    }
    let mut row = adb::get(&mut tx, &Scope::unit(a.unit_id), id)
        .await?
        .ok_or(Error::NotFound)?;
    if let Some(o) = outcome {
        row.outcome = Some(o);
    }
    store_clock(&mut tx, &cal, &row).await?;
    if let Some((title, body)) = letter_text {
        adb::add_letter(
            &mut tx,
            id,
            a.unit_id,
            name,
            title,
            &letter(&a, &unit.name, title, &body, on),
        )
        .await?;
    }
    audit::append(
        &mut tx,
        &actor.entry(
            "application.step",
            a.unit_id,
            format!("application:{id}"),
            format!("{name} {on}"),
        ),
    )
    .await?;
    tx.commit().await?;
    case(app, actor, id).await
}

/// A step refused by the core's rules, as the service answers it.
fn refusal(r: case_step::Refusal) -> Error {
    match r {
        case_step::Refusal::Field(f) => f.into(),
        case_step::Refusal::NotOfficeHead => Error::Refused(r.code(), r.message()),
        case_step::Refusal::FeeAlreadyNoticed | case_step::Refusal::NoFee => {
            Error::Conflict(r.code(), r.message())
        }
    }
}

/// Records a remedy (行政复议 or 行政诉讼) against the reply: no clock event.
async fn remedy(
    app: &App,
    actor: &Actor<'_>,
    a: &AppRow,
    r: &case_step::Remedy,
) -> Result<Case, Error> {
    let id = a.id;
    let row = adb::Remedy {
        id: 0,
        kind: r.kind.into(),
        filed_on: r.filed_on.to_string(),
        body: r.body.clone(),
        outcome: r.result.into(),
        decided_on: r.decided_on.map(|d| d.to_string()),
    };
    let mut tx = app.db.begin().await?;
    adb::add_remedy(&mut tx, id, a.unit_id, &row).await?;
    adb::add_event(
        &mut tx,
        id,
        a.unit_id,
        "remedy",
        &r.filed_on.to_string(),
        &serde_json::to_string(&row).unwrap_or_default(),
        Some(actor.user_id),
        actor.login,
    )
    .await?;
    audit::append(
        &mut tx,
        &actor.entry(
            "application.remedy",
            a.unit_id,
            format!("application:{id}"),
            format!("{} {}", r.kind, r.result),
        ),
    )
    .await?;
    tx.commit().await?;
    case(app, actor, id).await
}

/// The bodies of the letters a step sends.
mod letters {
    use super::REMEDIES;
    use chrono::NaiveDate;
    use sunshine_core::case_step::Reply;
    use sunshine_core::fees::FeeMethod;

    pub fn correction(items: &[String], period: u32, until: NaiveDate) -> String {
        let list = items
            .iter()
            .enumerate()
            .map(|(i, t)| format!("{}. {t}", i + 1))
            .collect::<Vec<_>>()
            .join("\n");
        format!("经审查，您的申请内容不明确，请于{until}前（{period}个工作日内）补正以下内容：\n{list}\n\n答复期限自本机关收到补正后的申请之日起重新计算。无正当理由逾期不补正的，视为放弃申请，本机关不再处理该政府信息公开申请。")
    }

    pub fn extension(days: u32, reason: &str) -> String {
        format!("因{reason}，经本机关政府信息公开工作机构负责人同意，答复期限延长{days}个工作日。")
    }

    pub fn fee(method: FeeMethod, yuan: i64, pay_by: NaiveDate) -> String {
        format!(
            "根据《政府信息公开信息处理费管理办法》，本次申请{}收取信息处理费{yuan}元。请于{pay_by}前（自收到本通知次日起20个工作日内）缴纳；逾期未缴纳的，视为放弃申请，本机关不再处理该政府信息公开申请。",
            if method == FeeMethod::Count { "按件" } else { "按量" }
        )
    }

    /// The reply: the unit's template for the outcome when it has one, else the standard text;
    /// the remedies always stated.
    pub fn reply(r: &Reply, template: Option<&str>) -> String {
        let mut body = format!(
            "经审查，答复如下：{}。\n依据：{}。",
            r.outcome.label(),
            r.basis
        );
        if let Some(c) = r
            .content
            .as_deref()
            .map(str::trim)
            .filter(|c| !c.is_empty())
        {
            body.push_str(&format!("\n{c}"));
        }
        if let Some(item) = r.item_id {
            body.push_str(&format!(
                "\n该信息已主动公开，可在本机关政府信息公开平台查阅：/items/{item}"
            ));
        }
        if let Some(w) = &r.withheld {
            body.push_str(&format!("\n不予公开的部分及理由：{w}"));
        }
        if let Some(t) = template {
            body = t
                .replace("{决定}", r.outcome.label())
                .replace("{依据}", &r.basis)
                .replace("{内容}", r.content.as_deref().unwrap_or(""))
                .replace("{救济}", REMEDIES);
        }
        if !body.contains("行政复议") {
            body.push_str(&format!("\n\n{REMEDIES}"));
        }
        body
    }
}
