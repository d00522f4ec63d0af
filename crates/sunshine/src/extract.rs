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
    /// The file could not be read at all; the reason, for people.
    Unreadable(String),
    /// Only part of the file could be read (its decoded content is over the limit, or a part of
    /// it fails): what was read, and why the rest was not. The rest was not screened.
    Partial(Vec<(String, String)>, String),
}

/// The most decoded bytes read out of one file (PDF streams, Office parts), against
/// decompression bombs: a small file that inflates past this is read no further.
pub const MAX_DECODED_BYTES: usize = 8 * 1024 * 1024;

/// The most pages of a PDF read.
const MAX_PAGES: usize = 2000;

/// The most fonts one page may use, and the most their ToUnicode maps may hold together (each map
/// is decoded and parsed once per font that names it, so many fonts sharing one large map would
/// cost their number times its size).
const MAX_FONTS_PER_PAGE: usize = 64;
const MAX_CMAP_BYTES_PER_PAGE: usize = 4 * 1024 * 1024;

/// The decoded size of the ToUnicode maps of a page's fonts, counted once per font, or none when
/// there are too many fonts or a map is over the limit.
fn page_cmap_bytes(doc: &lopdf::Document, page_id: lopdf::ObjectId) -> Option<usize> {
    let fonts = doc.get_page_fonts(page_id).ok()?;
    if fonts.len() > MAX_FONTS_PER_PAGE {
        return None;
    }
    let mut total = 0usize;
    for font in fonts.values() {
        let Ok(obj) = font.get(b"ToUnicode") else {
            continue;
        };
        let stream = match obj {
            lopdf::Object::Reference(id) => doc.get_object(*id).and_then(lopdf::Object::as_stream),
            other => other.as_stream(),
        };
        let Ok(stream) = stream else {
            continue;
        };
        let left = MAX_CMAP_BYTES_PER_PAGE.saturating_sub(total);
        total += stream.decompressed_content_with_limit(left).ok()?.len();
    }
    Some(total)
}

/// The most text operations kept from one page. Text extraction builds a structure per
/// operation (hundreds of bytes each), so a page is reduced to its text operations first and a
/// page with more than this many is not read (a dense page of text has a few thousand).
const MAX_TEXT_OPS_PER_PAGE: usize = 100_000;

/// The operators that show text or set up how it is read; everything else (paths, images,
/// colours, marked content) is dropped before extraction.
const TEXT_OPERATORS: &[&[u8]] = &[
    b"BT", b"ET", b"Tf", b"Tj", b"TJ", b"'", b"\"", b"Td", b"TD", b"Tm", b"T*", b"TL", b"Tc",
    b"Tw", b"Tz", b"Ts", b"Tr",
];

fn is_white(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r' | b'\x0c' | b'\0')
}

fn is_delim(b: u8) -> bool {
    matches!(
        b,
        b'(' | b')' | b'<' | b'>' | b'[' | b']' | b'{' | b'}' | b'/' | b'%'
    )
}

/// After the literal string starting at `i` (`(`…`)`, nested parentheses and escapes).
fn skip_string(c: &[u8], mut i: usize) -> usize {
    let mut nest = 0usize;
    while i < c.len() {
        match c[i] {
            b'\\' => {
                i += 2;
                continue;
            }
            b'(' => nest += 1,
            b')' => {
                nest = nest.saturating_sub(1);
                if nest == 0 {
                    return i + 1;
                }
            }
            _ => {}
        }
        i += 1;
    }
    c.len()
}

/// After the hex string starting at `i` (`<`…`>`).
fn skip_hex(c: &[u8], i: usize) -> usize {
    c[i..]
        .iter()
        .position(|b| *b == b'>')
        .map(|p| i + p + 1)
        .unwrap_or(c.len())
}

/// After the regular characters starting at `i` (a name's, a number's, an operator's).
fn skip_regular(c: &[u8], mut i: usize) -> usize {
    while i < c.len() && !is_white(c[i]) && !is_delim(c[i]) {
        i += 1;
    }
    i
}

/// After the array (`[`…`]`) or dictionary (`<<`…`>>`) starting at `i`, nested ones included.
fn skip_composite(c: &[u8], mut i: usize) -> usize {
    let mut depth = 0usize;
    while i < c.len() {
        match c[i] {
            b'(' => {
                i = skip_string(c, i);
                continue;
            }
            b'<' if c.get(i + 1) == Some(&b'<') => {
                depth += 1;
                i += 2;
                continue;
            }
            b'>' if c.get(i + 1) == Some(&b'>') => {
                depth = depth.saturating_sub(1);
                i += 2;
            }
            b'<' => {
                i = skip_hex(c, i);
                continue;
            }
            b'[' => {
                depth += 1;
                i += 1;
                continue;
            }
            b']' => {
                depth = depth.saturating_sub(1);
                i += 1;
            }
            _ => {
                i += 1;
                continue;
            }
        }
        if depth == 0 {
            return i;
        }
    }
    c.len()
}

/// The end of the operand that starts at `i` (a string, hex string, name, array, dictionary or
/// number), in one pass over the bytes with no structure built. Always past `i`.
fn operand_end(c: &[u8], i: usize) -> usize {
    let end = match c[i] {
        b'(' => skip_string(c, i),
        b'<' if c.get(i + 1) == Some(&b'<') => skip_composite(c, i),
        b'<' => skip_hex(c, i),
        b'[' => skip_composite(c, i),
        b'/' => skip_regular(c, i + 1),
        _ => skip_regular(c, i),
    };
    end.max(i + 1)
}

/// A page's content reduced to its text operations (with their operands), and how many there
/// are. Paths, images (inline image data included), colours and marked content are dropped, so
/// that extraction costs what the text costs, not what the drawing costs.
fn text_operations(c: &[u8]) -> (Vec<u8>, usize) {
    let mut out = Vec::new();
    let mut kept = 0usize;
    // The byte ranges of the operands seen since the last operator; an operator takes at most a
    // few, so only the last ones are remembered.
    let mut operands: std::collections::VecDeque<(usize, usize)> = Default::default();
    let mut i = 0;
    while i < c.len() {
        let b = c[i];
        if is_white(b) {
            i += 1;
            continue;
        }
        if b == b'%' {
            while i < c.len() && c[i] != b'\n' && c[i] != b'\r' {
                i += 1;
            }
            continue;
        }
        let is_operand =
            matches!(b, b'(' | b'<' | b'[' | b'/' | b'+' | b'-' | b'.') || b.is_ascii_digit();
        if is_operand {
            let end = operand_end(c, i).min(c.len());
            operands.push_back((i, end));
            if operands.len() > 8 {
                operands.pop_front();
            }
            i = end;
            continue;
        }
        if is_delim(b) {
            // A stray closing bracket: skip it.
            i += 1;
            continue;
        }
        let start = i;
        i = skip_regular(c, i).max(i + 1);
        let op = &c[start..i];
        if op == b"BI" {
            // Inline image: its data runs from ID to the EI that stands alone.
            while i + 1 < c.len() {
                if c[i] == b'E'
                    && c[i + 1] == b'I'
                    && i > 0
                    && is_white(c[i - 1])
                    && c.get(i + 2).is_none_or(|b| is_white(*b))
                {
                    i += 2;
                    break;
                }
                i += 1;
            }
        } else if matches!(op, b"true" | b"false" | b"null") {
            operands.push_back((start, i));
            if operands.len() > 8 {
                operands.pop_front();
            }
            continue;
        } else if TEXT_OPERATORS.contains(&op) {
            for (a, z) in operands.iter() {
                out.extend_from_slice(&c[*a..*z]);
                out.push(b' ');
            }
            out.extend_from_slice(op);
            out.push(b'\n');
            kept += 1;
        }
        operands.clear();
    }
    (out, kept)
}

/// The text of a file for the search index: what could be read, joined; `None` when nothing.
pub fn searchable_text(mime: &str, bytes: &[u8]) -> Option<String> {
    let pieces = match extract(mime, bytes) {
        Extracted::Text(p) | Extracted::Partial(p, _) => p,
        Extracted::Unreadable(_) => return None,
    };
    let text: String = pieces
        .into_iter()
        .map(|(_, t)| t)
        .collect::<Vec<_>>()
        .join("\n");
    let text = text.trim();
    (!text.is_empty()).then(|| text.to_string())
}

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
        let opts = lopdf::LoadOptions {
            max_decompressed_size: Some(MAX_DECODED_BYTES),
            ..Default::default()
        };
        let mut doc = match lopdf::Document::load_mem_with_options(&bytes, opts) {
            Ok(d) => d,
            Err(lopdf::Error::Decompress(_)) => {
                return Extracted::Unreadable(
                    "PDF 文件中的压缩内容解压后过大，无法读取，不能自动检查".into(),
                )
            }
            Err(_) => return Extracted::Unreadable("PDF 文件已损坏或已加密，无法读取文字".into()),
        };
        if doc.is_encrypted() || doc.trailer.get(b"Encrypt").is_ok() {
            return Extracted::Unreadable("PDF 文件已加密，无法读取文字".into());
        }
        let pages: Vec<(u32, lopdf::ObjectId)> = doc.get_pages().into_iter().collect();
        let mut out = Vec::new();
        let mut budget = MAX_DECODED_BYTES;
        let partial = |out: Vec<(String, String)>, why: String| Extracted::Partial(out, why);
        for (n, (p, page_id)) in pages.iter().enumerate() {
            if n >= MAX_PAGES {
                return partial(out, format!("PDF 超过 {MAX_PAGES} 页，第 {p} 页起未读取"));
            }
            // The page's decoded content counts against the file's budget before its text is
            // read, so no page can inflate past what is left.
            let content = match doc.get_page_content_with_limit(*page_id, budget) {
                Ok(c) => c,
                Err(lopdf::Error::Decompress(_)) => {
                    return partial(
                        out,
                        format!(
                            "PDF 第{p}页起解压后内容超过筛查上限（{} MB），未读取",
                            MAX_DECODED_BYTES / 1024 / 1024
                        ),
                    )
                }
                Err(_) => return partial(out, format!("PDF 第{p}页的内容无法读取")),
            };
            budget = budget.saturating_sub(content.len());
            // The fonts' maps, decoded once per font, count against the file's budget too.
            let Some(cmaps) = page_cmap_bytes(&doc, *page_id).filter(|n| *n <= budget) else {
                return partial(
                    out,
                    format!("PDF 第{p}页的字体过多或字体映射表过大，未读取"),
                );
            };
            budget = budget.saturating_sub(cmaps);
            let (text_ops, count) = text_operations(&content);
            drop(content);
            if count > MAX_TEXT_OPS_PER_PAGE {
                return partial(
                    out,
                    format!("PDF 第{p}页的文字操作超过 {MAX_TEXT_OPS_PER_PAGE} 个，未读取"),
                );
            }
            if doc.change_page_content(*page_id, text_ops).is_err() {
                return partial(out, format!("PDF 第{p}页的内容无法读取"));
            }
            // The limit bounds what extraction decodes besides the (already reduced) content:
            // fonts' ToUnicode maps, which for CJK fonts are often larger than a short page.
            match doc.extract_text_with_limit(&[*p], MAX_CMAP_BYTES_PER_PAGE) {
                Ok(t) => out.push((format!("第{p}页"), t)),
                Err(_) => return partial(out, format!("PDF 第{p}页的文字无法读取")),
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
    let mut budget = MAX_DECODED_BYTES as u64;
    for name in names {
        let Some(label) = part_label(&name) else {
            continue;
        };
        let Ok(file) = zip.by_name(&name) else {
            return Extracted::Partial(out, format!("Office 文件的“{label}”部分无法读取"));
        };
        // One byte more than the budget tells a part that fits from one that does not.
        let mut raw = Vec::new();
        if file.take(budget + 1).read_to_end(&mut raw).is_err() {
            return Extracted::Partial(out, format!("Office 文件的“{label}”部分已损坏"));
        }
        if raw.len() as u64 > budget {
            return Extracted::Partial(
                out,
                format!(
                    "Office 文件解压后超过筛查上限（{} MB），“{label}”起未读取",
                    MAX_DECODED_BYTES / 1024 / 1024
                ),
            );
        }
        budget -= raw.len() as u64;
        let xml = String::from_utf8_lossy(&raw);
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
        // Runs (`w:r`, `a:r`, `r` with their `t`) join as the reader sees them joined; paragraphs,
        // rows, cells, shared strings and line breaks separate.
        match name {
            "w:p" | "a:p" | "row" | "si" | "c" | "is" | "cp:coreProperties"
                if tag.starts_with('/') =>
            {
                out.push('\n')
            }
            "w:br" | "w:cr" | "a:br" => out.push('\n'),
            "w:tab" => out.push('\t'),
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

    proptest::proptest! {
        #[test]
        fn no_content_or_part_panics(bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..512), text in "\\PC{0,200}") {
            let (kept, n) = text_operations(&bytes);
            proptest::prop_assert!(kept.len() <= bytes.len() * 2 + 1 + n * 4);
            let _ = xml_text(&text);
            let _ = decode_entities(&text);
            let _ = extract("application/pdf", &bytes);
            let _ = extract("application/vnd.openxmlformats-officedocument.wordprocessingml.document", &bytes);
        }
    }

    /// A page in a CID font (Identity-H) whose ToUnicode map is far larger than the page's text.
    fn pdf_cid(text_hex: &str, cmap_pad: usize) -> Vec<u8> {
        use lopdf::{dictionary, Document, Object, Stream};
        let mut cmap = String::from("/CIDInit /ProcSet findresource begin 12 dict begin begincmap\n/CMapName /X def\n1 begincodespacerange <0000> <FFFF> endcodespacerange\n");
        cmap.push_str("1 beginbfchar\n<0001> <4E2D>\nendbfchar\n");
        for i in 0..cmap_pad {
            cmap.push_str(&format!(
                "1 beginbfchar\n<{:04X}> <{:04X}>\nendbfchar\n",
                0x1000 + i,
                0x5000 + i
            ));
        }
        cmap.push_str("endcmap CMapName currentdict /CMap defineresource pop end end\n");
        let mut doc = Document::with_version("1.5");
        let pages_id = doc.new_object_id();
        let tounicode = doc.add_object(Stream::new(dictionary! {}, cmap.into_bytes()));
        let cid = doc.add_object(dictionary! {"Type" => "Font", "Subtype" => "CIDFontType2", "BaseFont" => "SimSun", "CIDSystemInfo" => dictionary! {"Registry" => Object::string_literal("Adobe"), "Ordering" => Object::string_literal("GB1"), "Supplement" => 2}});
        let font = doc.add_object(dictionary! {"Type" => "Font", "Subtype" => "Type0", "BaseFont" => "SimSun", "Encoding" => "Identity-H", "DescendantFonts" => vec![cid.into()], "ToUnicode" => tounicode});
        let resources = doc.add_object(dictionary! {"Font" => dictionary! {"F1" => font}});
        let content = doc.add_object(Stream::new(
            dictionary! {},
            format!("BT /F1 12 Tf 72 700 Td <{text_hex}> Tj ET").into_bytes(),
        ));
        let page = doc.add_object(dictionary! {"Type" => "Page", "Parent" => pages_id, "Contents" => content, "Resources" => resources});
        doc.objects.insert(
            pages_id,
            Object::Dictionary(
                dictionary! {"Type" => "Pages", "Kids" => vec![page.into()], "Count" => 1},
            ),
        );
        let catalog = doc.add_object(dictionary! {"Type" => "Catalog", "Pages" => pages_id});
        doc.trailer.set("Root", catalog);
        let mut out = Vec::new();
        doc.save_to(&mut out).unwrap();
        out
    }

    #[test]
    fn many_fonts_sharing_one_large_map_are_not_parsed_again_and_again() {
        use lopdf::{dictionary, Object};
        // One 300 KB map, named by 200 fonts of one page.
        let pdf = pdf_cid("0001", 12_000);
        let mut doc = lopdf::Document::load_mem(&pdf).unwrap();
        let page_id = *doc.get_pages().values().next().unwrap();
        let font_ref = doc
            .get_page_fonts(page_id)
            .unwrap()
            .keys()
            .next()
            .cloned()
            .unwrap();
        let resources_id = doc
            .get_dictionary(page_id)
            .unwrap()
            .get(b"Resources")
            .unwrap()
            .as_reference()
            .unwrap();
        let f1 = doc
            .get_dictionary(resources_id)
            .unwrap()
            .get(b"Font")
            .unwrap()
            .as_dict()
            .unwrap()
            .get(&font_ref)
            .unwrap()
            .clone();
        let mut fonts = lopdf::Dictionary::new();
        for i in 0..200 {
            fonts.set(format!("F{i}"), f1.clone());
        }
        doc.objects.insert(
            resources_id,
            Object::Dictionary(dictionary! {"Font" => fonts}),
        );
        let mut out = Vec::new();
        doc.save_to(&mut out).unwrap();
        match extract("application/pdf", &out) {
            Extracted::Partial(_, why) => assert!(why.contains("字体"), "{why}"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_short_page_in_a_cjk_font_is_read_whole() {
        // A few bytes of text, a ToUnicode map of tens of kilobytes.
        let pdf = pdf_cid("00010001", 2000);
        match extract("application/pdf", &pdf) {
            Extracted::Text(parts) => {
                assert!(parts.iter().any(|(_, t)| t.contains("中中")), "{parts:?}")
            }
            other => panic!("a short CJK page must be read whole: {other:?}"),
        }
    }

    #[test]
    fn only_text_operations_are_kept() {
        let content = b"q 1 0 0 1 0 0 cm 0 g 10 10 m 20 20 l S /P <</MCID 0>> BDC BT /F1 12 Tf 72 700 Td (a (nested) \\) string) Tj [(A) -120 (B)] TJ ET EMC BI /W 1 /H 1 ID \x00\xffEI x EI Q";
        let (kept, n) = text_operations(content);
        let kept = String::from_utf8_lossy(&kept);
        assert_eq!(n, 6, "{kept}");
        assert!(
            kept.contains("/F1 12 Tf") && kept.contains("(a (nested) \\) string) Tj"),
            "{kept}"
        );
        assert!(kept.contains("[(A) -120 (B)] TJ"), "{kept}");
        assert!(
            !kept.contains(" m") && !kept.contains("cm") && !kept.contains("BDC"),
            "{kept}"
        );
        // Arbitrary bytes never panic and always end.
        for junk in [
            &b"(((("[..],
            b"<<<<",
            b"[[[",
            b"BI ID",
            b"\\",
            b")",
            b"]>>",
            b"<",
        ] {
            let _ = text_operations(junk);
        }
    }

    #[test]
    fn runs_join_and_cells_separate() {
        // XLSX rich text: runs of one shared string join; separate strings and cells do not.
        let xlsx = r#"<sst><si><r><t>机</t></r><r><t>密</t></r><r><t>★</t></r></si><si><t>6222</t></si><si><t>0212</t></si></sst>"#;
        let t = xml_text(xlsx);
        assert!(t.contains("机密★"), "{t:?}");
        assert!(!t.contains("6222 0212") && !t.contains("62220212"), "{t:?}");
        // DOCX: runs join within a paragraph; a line break separates.
        let docx = r#"<w:p><w:r><w:t>内部</w:t></w:r><w:r><w:rPr><w:b/></w:rPr><w:t>资料</w:t></w:r></w:p><w:p><w:r><w:t>1101</w:t><w:br/><w:t>05</w:t></w:r></w:p>"#;
        let t = xml_text(docx);
        assert!(t.contains("内部资料"), "{t:?}");
        assert!(!t.contains("110105"), "{t:?}");
        // Cells of a sheet are apart.
        let sheet = r#"<sheetData><row><c><v>1234</v></c><c><v>5678</v></c></row></sheetData>"#;
        assert!(!xml_text(sheet).contains("1234 5678"));
    }

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

    /// A PDF whose one page's content stream is `content`, Flate-compressed.
    fn pdf_with_content(content: &[u8]) -> Vec<u8> {
        use lopdf::{dictionary, Document, Object, Stream};
        use std::io::Write;
        let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
        z.write_all(content).unwrap();
        let packed = z.finish().unwrap();
        let mut doc = Document::with_version("1.5");
        let pages_id = doc.new_object_id();
        let font_id = doc.add_object(
            dictionary! {"Type" => "Font", "Subtype" => "Type1", "BaseFont" => "Courier"},
        );
        let resources_id = doc.add_object(dictionary! {"Font" => dictionary! {"F1" => font_id}});
        let content_id =
            doc.add_object(Stream::new(dictionary! {"Filter" => "FlateDecode"}, packed));
        let page_id = doc.add_object(
            dictionary! {"Type" => "Page", "Parent" => pages_id, "Contents" => content_id},
        );
        doc.objects.insert(
            pages_id,
            Object::Dictionary(dictionary! {"Type" => "Pages", "Kids" => vec![page_id.into()], "Count" => 1, "Resources" => resources_id}),
        );
        let catalog_id = doc.add_object(dictionary! {"Type" => "Catalog", "Pages" => pages_id});
        doc.trailer.set("Root", catalog_id);
        let mut out = Vec::new();
        doc.save_to(&mut out).unwrap();
        out
    }

    #[test]
    fn decompression_is_bounded_and_a_bomb_is_not_fully_screened() {
        // 30 MB of page content from a file of a few tens of kilobytes.
        let mut content = b"BT /F1 12 Tf (13812345678) Tj ET\n".to_vec();
        content.extend(std::iter::repeat_n(b' ', 30 * 1024 * 1024));
        let bomb = pdf_with_content(&content);
        assert!(bomb.len() < 200 * 1024, "{} bytes", bomb.len());
        match extract("application/pdf", &bomb) {
            Extracted::Partial(_, why) => assert!(why.contains("上限"), "{why}"),
            other => panic!("a bomb must not pass as read: {other:?}"),
        }
        // An ordinary page is read whole.
        let fine = pdf_with_content(b"BT /F1 12 Tf (13812345678) Tj ET\n");
        assert!(matches!(
            extract("application/pdf", &fine),
            Extracted::Text(_)
        ));
        // An Office part that inflates past the limit: read no further.
        let mut big = String::from("<w:document><w:body><w:p><w:r><w:t>");
        big.push_str(&"机".repeat(MAX_DECODED_BYTES / 3 + 10));
        big.push_str("</w:t></w:r></w:p></w:body></w:document>");
        let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        let opts = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        zip.start_file("[Content_Types].xml", opts).unwrap();
        std::io::Write::write_all(&mut zip, b"<Types/>").unwrap();
        zip.start_file("word/document.xml", opts).unwrap();
        std::io::Write::write_all(&mut zip, big.as_bytes()).unwrap();
        let docx = zip.finish().unwrap().into_inner();
        match extract(
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            &docx,
        ) {
            Extracted::Partial(_, why) => assert!(why.contains("上限"), "{why}"),
            other => panic!("{other:?}"),
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
