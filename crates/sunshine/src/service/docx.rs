//! The annual report as a Word document (DOCX) that opens in WPS and Word with its tables intact:
//! plain WordprocessingML, one real table per national table, cells merged only with gridSpan.

use std::io::Write;
use sunshine_core::report::{self, Report, COLUMNS};

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn para(text: &str, bold: bool, size_half_points: u32) -> String {
    format!(
        "<w:p><w:r><w:rPr><w:rFonts w:eastAsia=\"宋体\"/>{}<w:sz w:val=\"{size_half_points}\"/></w:rPr><w:t xml:space=\"preserve\">{}</w:t></w:r></w:p>",
        if bold { "<w:b/>" } else { "" },
        esc(text)
    )
}

fn cell(text: &str, span: usize) -> String {
    let span = if span > 1 {
        format!("<w:gridSpan w:val=\"{span}\"/>")
    } else {
        String::new()
    };
    format!("<w:tc><w:tcPr>{span}</w:tcPr><w:p><w:r><w:rPr><w:sz w:val=\"18\"/></w:rPr><w:t xml:space=\"preserve\">{}</w:t></w:r></w:p></w:tc>", esc(text))
}

fn table(cols: usize, rows: &[Vec<(String, usize)>]) -> String {
    let border = "<w:top w:val=\"single\" w:sz=\"4\"/><w:left w:val=\"single\" w:sz=\"4\"/><w:bottom w:val=\"single\" w:sz=\"4\"/><w:right w:val=\"single\" w:sz=\"4\"/><w:insideH w:val=\"single\" w:sz=\"4\"/><w:insideV w:val=\"single\" w:sz=\"4\"/>";
    let mut t = format!("<w:tbl><w:tblPr><w:tblW w:w=\"5000\" w:type=\"pct\"/><w:tblLayout w:type=\"fixed\"/><w:tblBorders>{border}</w:tblBorders></w:tblPr><w:tblGrid>");
    // Landscape A4 leaves about 14,500 twips: the label column wide, the number columns even.
    let label = if cols > 1 && cols < 15 {
        14_500 * 2 / 5
    } else {
        14_500 / cols
    };
    let rest = if cols > 1 {
        (14_500 - label) / (cols - 1)
    } else {
        14_500
    };
    for i in 0..cols {
        t.push_str(&format!(
            "<w:gridCol w:w=\"{}\"/>",
            if i == 0 { label } else { rest }
        ));
    }
    t.push_str("</w:tblGrid>");
    for r in rows {
        t.push_str("<w:tr>");
        for (text, span) in r {
            t.push_str(&cell(text, *span));
        }
        t.push_str("</w:tr>");
    }
    t.push_str("</w:tbl>");
    t
}

fn one(s: impl ToString) -> (String, usize) {
    (s.to_string(), 1)
}

fn document(r: &Report) -> String {
    let mut b = String::new();
    b.push_str(&para(
        &format!("{}{}年政府信息公开工作年度报告", r.unit_name, r.year),
        true,
        32,
    ));
    let section = |k: &str| r.sections.get(k).cloned().unwrap_or_default();
    b.push_str(&para("一、总体情况", true, 24));
    b.push_str(&para(&section("一"), false, 21));
    b.push_str(&para("二、主动公开政府信息情况", true, 24));
    let p = &r.proactive;
    b.push_str(&table(
        4,
        &[
            vec![("第二十条第（一）项".into(), 4)],
            vec![
                one("信息内容"),
                one("本年制发件数"),
                one("本年废止件数"),
                one("现行有效件数"),
            ],
            vec![
                one("规章"),
                one(p.rules.issued),
                one(p.rules.repealed),
                one(p.rules.in_force),
            ],
            vec![
                one("行政规范性文件"),
                one(p.normative_documents.issued),
                one(p.normative_documents.repealed),
                one(p.normative_documents.in_force),
            ],
            vec![("第二十条第（五）项".into(), 4)],
            vec![
                one("行政许可"),
                ("本年处理决定数量".into(), 2),
                one(p.licensing),
            ],
            vec![("第二十条第（六）项".into(), 4)],
            vec![
                one("行政处罚"),
                ("本年处理决定数量".into(), 2),
                one(p.penalty),
            ],
            vec![
                one("行政强制"),
                ("本年处理决定数量".into(), 2),
                one(p.coercion),
            ],
            vec![("第二十条第（八）项".into(), 4)],
            vec![
                one("行政事业性收费"),
                ("本年收费金额（单位：万元）".into(), 2),
                one(p.fees_wan_yuan),
            ],
        ],
    ));
    b.push_str(&para("三、收到和处理政府信息公开申请情况", true, 24));
    let mut rows = vec![
        vec![
            one("（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）"),
            one("自然人"),
            ("法人或其他组织".into(), 5),
            one("总计"),
        ],
        vec![
            one(""),
            one(""),
            one("商业企业"),
            one("科研机构"),
            one("社会公益组织"),
            one("法律服务机构"),
            one("其他"),
            one(""),
        ],
    ];
    for (label, key, vals) in super::report::printed_rows(r) {
        if key.is_empty() {
            rows.push(vec![(label, 8)]);
        } else {
            let mut row = vec![one(label)];
            row.extend(vals.into_iter().map(one));
            rows.push(row);
        }
    }
    b.push_str(&table(1 + COLUMNS.len(), &rows));
    b.push_str(&para("四、政府信息公开行政复议、行政诉讼情况", true, 24));
    let rem = &r.remedies;
    let heads = ["结果维持", "结果纠正", "其他结果", "尚未审结", "总计"];
    let mut head = Vec::new();
    for _ in 0..3 {
        head.extend(heads.iter().map(one));
    }
    let vals: Vec<(String, usize)> = [
        &rem.reconsideration,
        &rem.litigation_direct,
        &rem.litigation_after_reconsideration,
    ]
    .iter()
    .flat_map(|c| [c.upheld, c.corrected, c.other, c.pending, c.total])
    .map(one)
    .collect();
    b.push_str(&table(
        15,
        &[
            vec![("行政复议".into(), 5), ("行政诉讼".into(), 10)],
            vec![
                ("".into(), 5),
                ("未经复议直接起诉".into(), 5),
                ("复议后起诉".into(), 5),
            ],
            head,
            vals,
        ],
    ));
    b.push_str(&para("五、存在的主要问题及改进情况", true, 24));
    b.push_str(&para(&section("五"), false, 21));
    b.push_str(&para("六、其他需要报告的事项", true, 24));
    b.push_str(&para(&section("六"), false, 21));
    if let Some(a) = r.sections.get("附录") {
        b.push_str(&para(a, false, 18));
    }
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\
         <w:document xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\"><w:body>{b}\
         <w:sectPr><w:pgSz w:w=\"16838\" w:h=\"11906\" w:orient=\"landscape\"/><w:pgMar w:top=\"1134\" w:right=\"1134\" w:bottom=\"1134\" w:left=\"1134\"/></w:sectPr></w:body></w:document>"
    )
}

/// The report as DOCX bytes.
pub fn to_docx(r: &Report) -> anyhow::Result<Vec<u8>> {
    let title = format!("{}{}年政府信息公开工作年度报告", r.unit_name, r.year);
    let parts: [(&str, String); 4] = [
        (
            "[Content_Types].xml",
            "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?><Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\">\
             <Default Extension=\"rels\" ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/>\
             <Default Extension=\"xml\" ContentType=\"application/xml\"/>\
             <Override PartName=\"/word/document.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml\"/>\
             <Override PartName=\"/docProps/core.xml\" ContentType=\"application/vnd.openxmlformats-package.core-properties+xml\"/></Types>"
                .into(),
        ),
        (
            "_rels/.rels",
            "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?><Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">\
             <Relationship Id=\"rId1\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument\" Target=\"word/document.xml\"/>\
             <Relationship Id=\"rId2\" Type=\"http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties\" Target=\"docProps/core.xml\"/></Relationships>"
                .into(),
        ),
        ("word/document.xml", document(r)),
        (
            "docProps/core.xml",
            format!(
                "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?><cp:coreProperties xmlns:cp=\"http://schemas.openxmlformats.org/package/2006/metadata/core-properties\" xmlns:dc=\"http://purl.org/dc/elements/1.1/\"><dc:title>{}</dc:title><dc:creator>{}</dc:creator></cp:coreProperties>",
                esc(&title),
                esc(&r.unit_name)
            ),
        ),
    ];
    let mut buf = std::io::Cursor::new(Vec::new());
    {
        let mut z = zip::ZipWriter::new(&mut buf);
        let opts = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        for (name, body) in &parts {
            z.start_file(*name, opts)?;
            z.write_all(body.as_bytes())?;
        }
        z.finish()?;
    }
    let _ = report::ROWS;
    Ok(buf.into_inner())
}
