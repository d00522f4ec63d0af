//! Attachments: which files are accepted, judged by their content (never by the name or the
//! type the browser claims), and how a client's file name is made safe to show.

use serde::Serialize;

/// A kind of file the portal accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct FileKind {
    pub mime: &'static str,
    pub ext: &'static str,
    pub label: &'static str,
}

const ACCEPTED: &[FileKind] = &[
    FileKind {
        mime: "application/pdf",
        ext: "pdf",
        label: "PDF 文档",
    },
    FileKind {
        mime: "application/msword",
        ext: "doc",
        label: "Word 文档",
    },
    FileKind {
        mime: "application/vnd.ms-excel",
        ext: "xls",
        label: "Excel 表格",
    },
    FileKind {
        mime: "application/vnd.ms-powerpoint",
        ext: "ppt",
        label: "PowerPoint 演示文稿",
    },
    FileKind {
        mime: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ext: "docx",
        label: "Word 文档",
    },
    FileKind {
        mime: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ext: "xlsx",
        label: "Excel 表格",
    },
    FileKind {
        mime: "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        ext: "pptx",
        label: "PowerPoint 演示文稿",
    },
    FileKind {
        mime: "image/png",
        ext: "png",
        label: "PNG 图片",
    },
    FileKind {
        mime: "image/jpeg",
        ext: "jpg",
        label: "JPEG 图片",
    },
    FileKind {
        mime: "image/gif",
        ext: "gif",
        label: "GIF 图片",
    },
    FileKind {
        mime: "image/webp",
        ext: "webp",
        label: "WebP 图片",
    },
];

/// What is wrong with an upload, in words for the person uploading it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UploadError {
    Empty,
    TooLarge { limit_bytes: u64 },
    NotAccepted { detected: Option<String> },
}

impl UploadError {
    pub fn message(&self) -> String {
        match self {
            UploadError::Empty => "上传的文件是空的，请重新选择文件。".into(),
            UploadError::TooLarge { limit_bytes } => format!(
                "文件太大：附件不能超过 {} MB。请压缩后重新上传，或拆分为几个文件。",
                limit_bytes / (1024 * 1024)
            ),
            UploadError::NotAccepted { detected } => format!(
                "不接受这种文件{}。只能上传 PDF、Word、Excel、PowerPoint 文档和 PNG、JPEG、GIF、WebP 图片（按文件内容判断，不看扩展名）。",
                detected.as_deref().map(|d| format!("（实际内容为 {d}）")).unwrap_or_default()
            ),
        }
    }
}

/// Judges a file by its bytes.
pub fn sniff(bytes: &[u8], limit_bytes: u64) -> Result<FileKind, UploadError> {
    if bytes.is_empty() {
        return Err(UploadError::Empty);
    }
    if bytes.len() as u64 > limit_bytes {
        return Err(UploadError::TooLarge { limit_bytes });
    }
    let detected = infer::get(bytes);
    let mut mime = detected.map(|t| t.mime_type());
    if matches!(mime, Some("application/zip"))
        || mime.is_some_and(|m| m.starts_with("application/vnd.openxmlformats"))
    {
        // Office Open XML files are ZIP packages; infer only recognises them when their entries
        // come in Microsoft Office's order. WPS and LibreOffice order them differently, so look
        // at the package's own parts instead.
        mime = ooxml_kind(bytes).or(Some("application/zip"));
    }
    ACCEPTED
        .iter()
        .find(|k| Some(k.mime) == mime)
        .copied()
        .ok_or_else(|| UploadError::NotAccepted {
            detected: mime.map(str::to_owned),
        })
}

/// The Office Open XML type of a ZIP package, by the main part it contains.
fn ooxml_kind(bytes: &[u8]) -> Option<&'static str> {
    let zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).ok()?;
    let names: Vec<&str> = zip.file_names().collect();
    let has = |n: &str| names.contains(&n);
    if !has("[Content_Types].xml") {
        return None;
    }
    if has("word/document.xml") {
        Some("application/vnd.openxmlformats-officedocument.wordprocessingml.document")
    } else if has("xl/workbook.xml") {
        Some("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    } else if has("ppt/presentation.xml") {
        Some("application/vnd.openxmlformats-officedocument.presentationml.presentation")
    } else {
        None
    }
}

/// The name shown to readers: the last path component of what the client sent, without
/// control characters or characters that are unsafe in a download header, at most 100
/// characters, with the extension set from the detected kind. Never used as a storage path.
pub fn display_name(client_name: &str, kind: FileKind) -> String {
    let base = client_name.rsplit(['/', '\\']).next().unwrap_or("");
    let stem = match base.rsplit_once('.') {
        Some((stem, _)) if !stem.is_empty() => stem,
        _ => base,
    };
    let mut clean: String = stem
        .chars()
        .filter(|c| !c.is_control() && !"\"<>:|?*;".contains(*c))
        .take(100)
        .collect::<String>()
        .trim()
        .trim_start_matches('.')
        .to_owned();
    if clean.is_empty() {
        clean = "附件".into();
    }
    format!("{clean}.{}", kind.ext)
}

#[cfg(test)]
mod tests {
    use super::*;

    const PDF: &[u8] = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF";
    const PNG: &[u8] = &[
        0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 0x0D, b'I', b'H', b'D', b'R',
    ];

    #[test]
    fn content_decides() {
        assert_eq!(sniff(PDF, 1 << 20).unwrap().ext, "pdf");
        assert_eq!(sniff(PNG, 1 << 20).unwrap().ext, "png");
    }

    #[test]
    fn disguised_executable_refused() {
        let exe = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00";
        let err = sniff(exe, 1 << 20).unwrap_err();
        assert!(matches!(err, UploadError::NotAccepted { .. }));
        assert!(err.message().contains("不接受"));
        assert!(matches!(
            sniff(b"<html><script>alert(1)</script>", 1 << 20),
            Err(UploadError::NotAccepted { .. })
        ));
        assert!(matches!(
            sniff(b"just some text", 1 << 20),
            Err(UploadError::NotAccepted { detected: None })
        ));
    }

    fn package(names: &[&str]) -> Vec<u8> {
        use std::io::Write;
        let mut buf = std::io::Cursor::new(Vec::new());
        let mut z = zip::ZipWriter::new(&mut buf);
        for n in names {
            z.start_file(
                *n,
                zip::write::SimpleFileOptions::default()
                    .compression_method(zip::CompressionMethod::Stored),
            )
            .unwrap();
            z.write_all(b"<x/>").unwrap();
        }
        z.finish().unwrap();
        buf.into_inner()
    }

    #[test]
    fn office_files_in_any_entry_order() {
        let wps = package(&[
            "[Content_Types].xml",
            "docProps/app.xml",
            "word/document.xml",
            "_rels/.rels",
        ]);
        assert_eq!(sniff(&wps, 1 << 20).unwrap().ext, "docx");
        let xlsx = package(&[
            "[Content_Types].xml",
            "xl/workbook.xml",
            "xl/worksheets/sheet1.xml",
        ]);
        assert_eq!(sniff(&xlsx, 1 << 20).unwrap().ext, "xlsx");
        let plain_zip = package(&["a.txt", "b.exe"]);
        assert!(
            matches!(
                sniff(&plain_zip, 1 << 20),
                Err(UploadError::NotAccepted { .. })
            ),
            "a plain archive is not a document"
        );
        let fake = package(&["word/document.xml"]);
        assert!(
            sniff(&fake, 1 << 20).is_err(),
            "no content types: not an Office package"
        );
    }

    #[test]
    fn size_and_emptiness() {
        assert_eq!(sniff(b"", 10), Err(UploadError::Empty));
        assert_eq!(
            sniff(PDF, 10),
            Err(UploadError::TooLarge { limit_bytes: 10 })
        );
        assert!(UploadError::TooLarge {
            limit_bytes: 20 << 20
        }
        .message()
        .contains("20 MB"));
    }

    #[test]
    fn names_are_tamed() {
        let pdf = sniff(PDF, 1 << 20).unwrap();
        assert_eq!(display_name("../../etc/passwd", pdf), "passwd.pdf");
        assert_eq!(display_name("C:\\Users\\x\\年报.exe", pdf), "年报.pdf");
        assert_eq!(display_name("a\"b<c>.pdf", pdf), "abc.pdf");
        assert_eq!(display_name("", pdf), "附件.pdf");
        assert_eq!(display_name(".hidden", pdf), "hidden.pdf");
    }
}
