//! Consultations (会商) with other departments, recorded on the item.

use super::*;

pub struct ConsultationInput<'a> {
    pub department: &'a str,
    pub contact: &'a str,
    pub held_on: &'a str,
    pub outcome: &'a str,
}

/// Records the consultation with the named department (三安全一稳定).
pub async fn consult(
    app: &App,
    actor: &Actor<'_>,
    id: i64,
    c: &ConsultationInput<'_>,
) -> Result<(), Error> {
    let item = item_to_edit(app, actor, id).await?;
    if item.state != ItemState::Draft && item.state != ItemState::InReview {
        return Err(wrong_state(&item, "会商情况应在审核完成前记录。"));
    }
    let mut errs = Vec::new();
    for (f, v, label) in [
        ("department", c.department, "会商部门"),
        ("contact", c.contact, "对方经办人"),
        ("outcome", c.outcome, "会商结果"),
    ] {
        if sunshine_core::text::visible_len(v) == 0 {
            errs.push(FieldError::new(f, format!("请填写{label}")));
        } else if v.chars().count() > 500 {
            errs.push(FieldError::new(f, format!("{label}不能超过500个字符")));
        }
    }
    match chrono::NaiveDate::parse_from_str(
        sunshine_core::text::fold_width(c.held_on).trim(),
        "%Y-%m-%d",
    ) {
        Ok(d) if d > app.today() => errs.push(FieldError::new("held_on", "会商日期不能晚于今天")),
        Ok(_) => {}
        Err(_) => errs.push(FieldError::new(
            "held_on",
            "会商日期格式应为 年-月-日，例如 2026-11-28",
        )),
    }
    if !errs.is_empty() {
        return Err(Error::Invalid(errs));
    }
    let mut tx = app.db.begin().await?;
    rdb::insert_consultation(
        &mut tx,
        &rdb::NewConsultation {
            item_id: id,
            unit_id: item.unit_id,
            department: c.department.trim(),
            contact: c.contact.trim(),
            held_on: c.held_on.trim(),
            outcome: c.outcome.trim(),
            recorded_by: actor.user_id,
        },
    )
    .await?;
    log(
        &mut tx,
        actor,
        &item,
        "item.consultation",
        format!(
            "{} {} {}",
            c.department.trim(),
            c.held_on.trim(),
            c.outcome.trim()
        ),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
