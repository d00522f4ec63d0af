//! The text inside attachments, for screening: the PDF text layer, DOCX paragraphs, headers,
//! footers, notes and comments, XLSX cells of every sheet (hidden ones included), PPTX slides,
//! and the document properties of Office files. What cannot be read is said so, never passed
//! silently.

use std::io::{Cursor, Read};

/// What could be read from one file.
#[derive(Debug, PartialEq, Eq)]
pub enum Extracted {
    /// Pieces of text, each with where in the file it came from.
    Text(Vec<(String, String)>),
    /// The file could not be read; the reason, for people.
    Unreadable(String),
}

/// The most text read out of one archive, against decompression bombs.
const MAX_TEXT_BYTES: u64 = 32 * 1024 * 1024;

pub fn extract(mime: &str, bytes: &[u8]) -> Extracted {
    match mime {
        "application/pdf" => pdf(bytes),
        m if m.starts_with("application/vnd.openxmlformats-officedocument.") => office(bytes),
        "application/msword" | "application/vnd.ms-excel" | "application/vnd.ms-powerpoint" => {
            Extracted::Unreadable("旧版 Office 格式（.doc/.xls/.ppt）的文字无法自动读取".into())
        }
        m if m.starts_with("image/") => Extracted::Unreadable("图片中的文字无法自动读取".into()),
        _ => Extracted::Unreadable("这种文件的文字无法自动读取".into()),
    }
}

fn pdf(bytes: &[u8]) -> Extracted {
    let bytes = bytes.to_vec();
    // A malformed file must not take the server down with it.
    let result = std::panic::catch_unwind(move || {
        let doc = match lopdf::Document::load_mem(&bytes) {
            Ok(d) => d,
            Err(_) => return Extracted::Unreadable("PDF 文件已损坏或已加密，无法读取文字".into()),
        };
        if doc.is_encrypted() || doc.trailer.get(b"Encrypt").is_ok() {
            return Extracted::Unreadable("PDF 文件已加密，无法读取文字".into());
        }
        let pages: Vec<u32> = doc.get_pages().keys().copied().collect();
        let mut out = Vec::new();
        for p in pages {
            match doc.extract_text(&[p]) {
                Ok(t) => out.push((format!("第{p}页"), t)),
                Err(_) => return Extracted::Unreadable(format!("PDF 第{p}页的文字无法读取")),
            }
        }
        if out.iter().all(|(_, t)| t.trim().is_empty()) {
            return Extracted::Unreadable("PDF 没有文字层（可能是扫描件），无法自动检查".into());
        }
        Extracted::Text(out)
    });
    result.unwrap_or_else(|_| Extracted::Unreadable("PDF 文件结构异常，无法读取文字".into()))
}

/// Which parts of an Office Open XML package hold text people can see, and what to call them.
fn part_label(name: &str) -> Option<String> {
    let file = name.rsplit('/').next().unwrap_or(name);
    let label = if name == "word/document.xml" {
        "正文".to_owned()
    } else if name.starts_with("word/header") || name.starts_with("word/footer") {
        "页眉页脚".to_owned()
    } else if matches!(name, "word/footnotes.xml" | "word/endnotes.xml") {
        "脚注尾注".to_owned()
    } else if name == "word/comments.xml" {
        "批注".to_owned()
    } else if name == "xl/sharedStrings.xml" {
        "单元格".to_owned()
    } else if name.starts_with("xl/worksheets/") && name.ends_with(".xml") {
        format!("工作表 {file}")
    } else if name == "xl/workbook.xml" {
        "工作表名称".to_owned()
    } else if name.starts_with("ppt/slides/") && name.ends_with(".xml") {
        format!("幻灯片 {file}")
    } else if name.starts_with("docProps/") && name.ends_with(".xml") {
        "文档属性".to_owned()
    } else {
        return None;
    };
    Some(label)
}

fn office(bytes: &[u8]) -> Extracted {
    let mut zip = match zip::ZipArchive::new(Cursor::new(bytes)) {
        Ok(z) => z,
        Err(_) => return Extracted::Unreadable("Office 文件已损坏或已加密，无法读取文字".into()),
    };
    let names: Vec<String> = zip.file_names().map(str::to_owned).collect();
    let mut out = Vec::new();
    let mut budget = MAX_TEXT_BYTES;
    for name in names {
        let Some(label) = part_label(&name) else {
            continue;
        };
        let Ok(file) = zip.by_name(&name) else {
            return Extracted::Unreadable(format!("Office 文件的“{label}”部分无法读取"));
        };
        let mut xml = String::new();
        if file.take(budget).read_to_string(&mut xml).is_err() {
            return Extracted::Unreadable(format!("Office 文件的“{label}”部分已损坏"));
        }
        budget = budget.saturating_sub(xml.len() as u64);
        if budget == 0 {
            return Extracted::Unreadable("Office 文件解压后过大，无法完整检查".into());
        }
        out.push((label, xml_text(&xml)));
    }
    if out.is_empty() {
        return Extracted::Unreadable("Office 文件中没有找到可读取的内容".into());
    }
    Extracted::Text(out)
}

/// The text of an XML part: tags dropped, paragraph and row ends as line breaks, cells and
/// attribute-held sheet names kept apart by spaces, entities decoded.
pub fn xml_text(xml: &str) -> String {
    let mut out = String::with_capacity(xml.len() / 2);
    let mut rest = xml;
    while let Some(lt) = rest.find('<') {
        out.push_str(&decode_entities(&rest[..lt]));
        let Some(gt) = rest[lt..].find('>') else {
            break;
        };
        let tag = &rest[lt + 1..lt + gt];
        let name = tag
            .trim_start_matches('/')
            .split([' ', '/'])
            .next()
            .unwrap_or("");
        match name {
            "w:p" | "a:p" | "row" | "si" | "cp:coreProperties" if tag.starts_with('/') => {
                out.push('\n')
            }
            "w:tab" | "w:br" | "c" | "v" | "t" => out.push(' '),
            "sheet" => {
                if let Some(n) = tag
                    .split("name=\"")
                    .nth(1)
                    .and_then(|s| s.split('"').next())
                {
                    out.push_str(&decode_entities(n));
                    out.push('\n');
                }
            }
            _ => {}
        }
        rest = &rest[lt + gt + 1..];
    }
    out.push_str(&decode_entities(rest));
    out
}

fn decode_entities(s: &str) -> String {
    if !s.contains('&') {
        return s.to_owned();
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        let tail = &rest[amp..];
        let Some(semi) = tail.find(';').filter(|i| *i <= 10) else {
            out.push('&');
            rest = &tail[1..];
            continue;
        };
        let ent = &tail[1..semi];
        let decoded = match ent {
            "amp" => Some('&'),
            "lt" => Some('<'),
            "gt" => Some('>'),
            "quot" => Some('"'),
            "apos" => Some('\''),
            e if e.starts_with("#x") => u32::from_str_radix(&e[2..], 16)
                .ok()
                .and_then(char::from_u32),
            e if e.starts_with('#') => e[1..].parse().ok().and_then(char::from_u32),
            _ => None,
        };
        match decoded {
            Some(c) => out.push(c),
            None => out.push_str(&tail[..=semi]),
        }
        rest = &tail[semi + 1..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xml_to_text() {
        let xml = r#"<w:document><w:body><w:p><w:r><w:t>身份证</w:t></w:r><w:r><w:t xml:space="preserve"> 110105&amp;</w:t></w:r></w:p><w:p><w:r><w:t>下一段</w:t></w:r></w:p></w:body></w:document>"#;
        let t = xml_text(xml);
        assert!(t.contains("身份证"));
        assert!(t.contains("110105&"));
        assert!(t.contains("下一段"));
        assert_eq!(
            xml_text(r#"<sheets><sheet name="隐藏表" state="hidden"/></sheets>"#).trim(),
            "隐藏表"
        );
        assert_eq!(decode_entities("&#20013;&#x6587;"), "中文");
    }

    fn pdf(encrypted: bool) -> Vec<u8> {
        use lopdf::content::{Content, Operation};
        use lopdf::{dictionary, Document, Object, Stream};
        let mut doc = Document::with_version("1.5");
        let pages_id = doc.new_object_id();
        let font_id = doc.add_object(
            dictionary! {"Type" => "Font", "Subtype" => "Type1", "BaseFont" => "Courier"},
        );
        let resources_id = doc.add_object(dictionary! {"Font" => dictionary! {"F1" => font_id}});
        let ops = vec![
            Operation::new("BT", vec![]),
            Operation::new("Tf", vec!["F1".into(), 12.into()]),
            Operation::new("Tj", vec![Object::string_literal("13812345678")]),
            Operation::new("ET", vec![]),
        ];
        let content_id = doc.add_object(Stream::new(
            dictionary! {},
            Content { operations: ops }.encode().unwrap(),
        ));
        let page_id = doc.add_object(
            dictionary! {"Type" => "Page", "Parent" => pages_id, "Contents" => content_id},
        );
        doc.objects.insert(
            pages_id,
            Object::Dictionary(dictionary! {"Type" => "Pages", "Kids" => vec![page_id.into()], "Count" => 1, "Resources" => resources_id}),
        );
        let catalog_id = doc.add_object(dictionary! {"Type" => "Catalog", "Pages" => pages_id});
        doc.trailer.set("Root", catalog_id);
        if encrypted {
            let enc = doc.add_object(dictionary! {"Filter" => "Standard", "V" => 2, "R" => 3, "Length" => 128, "P" => -4, "O" => Object::string_literal("x".repeat(32)), "U" => Object::string_literal("y".repeat(32))});
            doc.trailer.set("Encrypt", enc);
        }
        let mut out = Vec::new();
        doc.save_to(&mut out).unwrap();
        out
    }

    #[test]
    fn pdf_text_layer_and_encryption() {
        match extract("application/pdf", &pdf(false)) {
            Extracted::Text(parts) => assert!(
                parts.iter().any(|(_, t)| t.contains("13812345678")),
                "{parts:?}"
            ),
            other => panic!("{other:?}"),
        }
        match extract("application/pdf", &pdf(true)) {
            Extracted::Unreadable(why) => assert!(why.contains("加密"), "{why}"),
            other => panic!("an encrypted PDF must not pass silently: {other:?}"),
        }
    }

    #[test]
    fn unreadable_files_are_named() {
        assert!(matches!(
            extract("application/pdf", b"%PDF-1.4 garbage"),
            Extracted::Unreadable(_)
        ));
        assert!(matches!(
            extract(
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                b"PK\x03\x04broken"
            ),
            Extracted::Unreadable(_)
        ));
        assert!(
            matches!(extract("application/msword", b""), Extracted::Unreadable(m) if m.contains("旧版"))
        );
        assert!(
            matches!(extract("image/png", b""), Extracted::Unreadable(m) if m.contains("图片"))
        );
    }
}
