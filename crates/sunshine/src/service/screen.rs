//! Screening an item: title, body and the text of every attachment, with the office's own
//! contact details exempt. Extraction is CPU work and runs off the async threads.

use crate::app::App;
use crate::db::items::Item;
use crate::db::{attachments, units};
use crate::extract::{extract, Extracted};
use crate::service::Error;
use sunshine_core::screening::{self, Exemptions, Finding, Segment, BODY, TITLE};

/// The office's own contact details, exempt from screening (they are meant to be public).
async fn exemptions(conn: &mut crate::db::Conn, unit_id: i64) -> Result<Exemptions, Error> {
    let unit = units::by_id(conn, unit_id).await?.ok_or(Error::NotFound)?;
    Ok(Exemptions::from_contact(
        &unit.office_phone,
        &unit.office_fax,
        &unit.office_email,
    ))
}

/// The title and the body as a reader reads them (inline formatting joins, blocks separate:
/// `html::reader_text`), the two texts every screening reads first.
fn title_and_body(title: String, html: &str) -> Vec<Segment> {
    vec![
        Segment {
            location: TITLE.into(),
            text: title,
        },
        Segment {
            location: BODY.into(),
            text: sunshine_core::html::reader_text(html).text,
        },
    ]
}

pub async fn screen_item(app: &App, item: &Item) -> Result<Vec<Finding>, Error> {
    let mut conn = app.db.pool.acquire().await?;
    let ex = exemptions(&mut conn, item.unit_id).await?;
    let atts = attachments::of_item(&mut conn, item.id).await?;
    drop(conn);
    let mut files = Vec::with_capacity(atts.len());
    for a in atts {
        let bytes = app.blobs.get(&a.storage_key).await?;
        files.push((a.file_name, a.mime, bytes));
    }
    let title = item.title.clone();
    let html = item.body_html.clone();
    // Every field the portal shows beside the body is read too.
    let metadata: Vec<(&'static str, String)> = [
        ("发布机构", item.publisher.clone()),
        ("作者", item.author.clone()),
        ("来源", item.source.clone()),
        ("发文字号", item.doc_no.clone().unwrap_or_default()),
        ("主题分类", item.topic.clone()),
        ("不予公开理由", item.withheld_reason.clone()),
    ]
    .into_iter()
    .filter(|(_, v)| !v.trim().is_empty())
    .collect();
    // Extraction and screening are CPU work: on the bounded CPU pool, no connection held.
    let findings = app
        .cpu
        .run(move || {
            let mut segments = title_and_body(title, &html);
            for (field, text) in metadata {
                segments.push(Segment {
                    location: format!("元数据“{field}”"),
                    text,
                });
            }
            let mut unreadable = Vec::new();
            // A file's name is shown to every reader who downloads it: screened like text. Where
            // a finding is, the name is shown with its numbers masked.
            let files: Vec<(String, String, bytes::Bytes)> = files
                .into_iter()
                .map(|(name, mime, bytes)| (screening::redacted(&name), name, mime, bytes))
                .map(|(shown, name, mime, bytes)| {
                    segments.push(Segment {
                        location: format!("附件名称“{shown}”"),
                        text: name,
                    });
                    (shown, mime, bytes)
                })
                .collect();
            for (name, mime, bytes) in files {
                match extract(&mime, &bytes) {
                    Extracted::Text(parts) => {
                        for (part, text) in parts {
                            segments.push(Segment {
                                location: format!("附件“{name}”{part}"),
                                text,
                            });
                        }
                    }
                    Extracted::Unreadable(why) => {
                        unreadable.push(screening::unreadable(format!("附件“{name}”"), &why))
                    }
                    Extracted::Partial(parts, why) => {
                        for (part, text) in parts {
                            segments.push(Segment {
                                location: format!("附件“{name}”{part}"),
                                text,
                            });
                        }
                        unreadable
                            .push(screening::not_fully_screened(format!("附件“{name}”"), &why));
                    }
                }
            }
            let mut found = screening::screen(&segments, &ex);
            found.extend(unreadable);
            found
        })
        .await?;
    Ok(findings)
}

/// The texts the title's and body's findings matched, for a reviewer's page to mark where they
/// stand. Kept in memory only (never stored, as the findings' originals are not). Screening is
/// CPU work: on the CPU pool, no connection held.
pub async fn marks_of(app: &App, item: &Item) -> Result<Vec<String>, Error> {
    let ex = {
        let mut conn = app.db.pool.acquire().await?;
        exemptions(&mut conn, item.unit_id).await?
    };
    let (title, html) = (item.title.clone(), item.body_html.clone());
    Ok(app
        .cpu
        .run(move || {
            screening::screen(&title_and_body(title, &html), &ex)
                .into_iter()
                .map(|f| f.original)
                .filter(|o| !o.trim().is_empty())
                .collect()
        })
        .await?)
}
