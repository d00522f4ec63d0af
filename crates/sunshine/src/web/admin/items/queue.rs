//! 待我审核: the items whose waiting step is this user's.

use super::*;

#[derive(Template)]
#[template(path = "admin/queue.html")]
struct QueuePage {
    layout: Layout,
    rows: Vec<QueueRow>,
}

pub struct QueueRow {
    pub id: i64,
    pub title: String,
    pub unit_name: String,
    pub importance: &'static str,
    pub step: String,
    pub blocking: bool,
    /// Findings that do not stop publication but ask the reviewer to look.
    pub reminders: usize,
}

/// 待我审核: items whose waiting step is this user's to take.
pub async fn queue(staff: Staff, State(state): State<AppState>) -> Result<Response, PageError> {
    let rows = review::queue(&state, &staff.actor())
        .await?
        .into_iter()
        .map(|(item, role, step, n)| QueueRow {
            id: item.id,
            blocking: sunshine_core::screening::has_blocking(&item.findings),
            reminders: item.findings.len(),
            importance: item.importance.label(),
            step: format!("第{}/{}步：{}", step + 1, n, role.label()),
            title: item.title,
            unit_name: item.unit_name,
        })
        .collect();
    render(&QueuePage {
        layout: Layout::new(&state, &staff, None).await?,
        rows,
    })
}
