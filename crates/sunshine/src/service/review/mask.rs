//! One-click masking of a screening finding in the text (review restarts).

use super::*;

/// One click: replaces a maskable finding in the title and body with its masked form. This is a
/// change like any other (approvals void, chain restarts).
pub async fn mask(
    app: &App,
    actor: &Actor<'_>,
    id: i64,
    index: usize,
    masked: &str,
) -> Result<(), Error> {
    let item = item_for_action(app, actor, id).await?;
    crate::service::check_edit(app, actor, &item).await?;
    let findings = screen_item(app, &item).await?;
    let f = findings
        .iter()
        .filter(|f| f.maskable)
        .nth(index)
        .filter(|f| f.masked == masked)
        .ok_or_else(|| {
            Error::Conflict(
                "finding_changed",
                "该筛查结果已不存在（内容可能已被修改），请刷新后再试。".into(),
            )
        })?;
    // Masked in place, wherever the same number stands in the same field: in the title as
    // typed, in the body through the map from what a reader reads back to the HTML (the result
    // is cleaned again, so a span that crossed inline tags leaves no broken markup).
    let spans = screening::mask_spans(&findings, f);
    let log_detail = format!("{} {} → {}", f.location, f.kind.label(), f.masked);
    let (f, original_title, original_body) =
        (f.clone(), item.title.clone(), item.body_html.clone());
    // Mapping and cleaning the body is CPU work: on the CPU pool.
    let (title, body) = app
        .cpu
        .run(move || {
            if f.location == screening::TITLE {
                (
                    sunshine_core::text::replace_ranges(&original_title, &spans, &f.masked),
                    original_body,
                )
            } else {
                let reader = sunshine_core::html::reader_text(&original_body);
                let in_html: Vec<(usize, usize)> = spans
                    .iter()
                    .filter_map(|(a, b)| reader.source_range(*a, *b))
                    .collect();
                let masked =
                    sunshine_core::text::replace_ranges(&original_body, &in_html, &f.masked);
                (original_title, sunshine_core::html::sanitize(&masked))
            }
        })
        .await?;
    let mut tx = app.db.begin().await?;
    let fresh = crate::service::claim_for_edit(&mut tx, &item).await?;
    if fresh.title != item.title || fresh.body_html != item.body_html {
        return Err(Error::Conflict(
            "finding_changed",
            "内容刚刚被修改过，该筛查结果可能已不存在，请刷新后再试。".into(),
        ));
    }
    items::set_text(&mut tx, id, &title, &body).await?;
    items::add_author(&mut tx, id, item.unit_id, actor.user_id).await?;
    crate::service::restart_review(&mut tx, actor, &item).await?;
    log(&mut tx, actor, &item, "item.mask", log_detail).await?;
    tx.commit().await?;
    rescreen(app, id).await?;
    Ok(())
}
