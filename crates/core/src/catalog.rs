//! Catalog columns (栏目): the default template every unit starts from.
//!
//! Since the 2019 platform standardisation every site carries one 政府信息公开 column with four
//! first-level parts; townships add their news-like columns (the seed counts 乡镇动态, 工作动态,
//! 通知公告, 其他信息). Columns are data per unit; this is only the starting point.

use crate::unit::UnitKind;

/// A column in the default template: slug, name, parent slug.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TemplateColumn {
    pub slug: &'static str,
    pub name: &'static str,
    pub parent: Option<&'static str>,
}

const fn col(
    slug: &'static str,
    name: &'static str,
    parent: Option<&'static str>,
) -> TemplateColumn {
    TemplateColumn { slug, name, parent }
}

const STATUTORY: &[TemplateColumn] = &[
    col("guide", "政府信息公开指南", None),
    col("system", "政府信息公开制度", None),
    col("statutory", "法定主动公开内容", None),
    col("institution", "机构职能", Some("statutory")),
    col("regulations", "政策文件", Some("statutory")),
    col("planning", "规划计划", Some("statutory")),
    col("finance", "财政资金", Some("statutory")),
    col("personnel", "人事信息", Some("statutory")),
    col("annual-report", "政府信息公开年报", None),
];

const TOWNSHIP: &[TemplateColumn] = &[
    col("township-news", "乡镇动态", None),
    col("work-news", "工作动态", None),
    col("notices", "通知公告", None),
    col("other", "其他信息", None),
];

/// The default columns for a new unit of the given kind, in display order.
pub fn default_columns(kind: UnitKind) -> Vec<TemplateColumn> {
    let mut cols = STATUTORY.to_vec();
    if kind.is_township_like() {
        cols.extend_from_slice(TOWNSHIP);
    } else {
        cols.push(col("news", "工作动态", None));
        cols.push(col("notices", "通知公告", None));
    }
    cols
}

/// Validates a column name typed by an administrator.
pub fn validate_column_name(name: &str) -> Result<String, crate::FieldError> {
    let name = name.trim();
    if name.is_empty() {
        return Err(crate::FieldError::new("name", "请填写栏目名称"));
    }
    if name.chars().count() > 30 {
        return Err(crate::FieldError::new("name", "栏目名称不能超过30个字符"));
    }
    Ok(name.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn four_statutory_parts_for_everyone() {
        for kind in UnitKind::ALL {
            let cols = default_columns(kind);
            let top: Vec<_> = cols
                .iter()
                .filter(|c| c.parent.is_none())
                .map(|c| c.name)
                .collect();
            for part in [
                "政府信息公开指南",
                "政府信息公开制度",
                "法定主动公开内容",
                "政府信息公开年报",
            ] {
                assert!(top.contains(&part), "{kind:?} lacks {part}");
            }
        }
    }

    #[test]
    fn township_columns_only_for_townships() {
        let names = |k| {
            default_columns(k)
                .iter()
                .map(|c| c.name)
                .collect::<Vec<_>>()
        };
        for n in ["乡镇动态", "工作动态", "通知公告", "其他信息"] {
            assert!(names(UnitKind::Township).contains(&n));
        }
        assert!(!names(UnitKind::Department).contains(&"乡镇动态"));
    }

    #[test]
    fn slugs_unique_and_parents_exist() {
        let cols = default_columns(UnitKind::Township);
        for (i, c) in cols.iter().enumerate() {
            assert!(crate::unit::is_slug(c.slug, 40));
            assert!(cols[..i].iter().all(|d| d.slug != c.slug));
            if let Some(p) = c.parent {
                assert!(cols[..i].iter().any(|d| d.slug == p));
            }
        }
    }

    #[test]
    fn column_names() {
        assert!(validate_column_name("  ").is_err());
        assert!(validate_column_name(&"栏".repeat(31)).is_err());
        assert_eq!(validate_column_name(" 通知公告 ").unwrap(), "通知公告");
    }
}
