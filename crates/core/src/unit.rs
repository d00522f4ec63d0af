//! Units (机构): the city government, its departments, towns, townships and sub-districts.

use crate::FieldError;
use serde::{Deserialize, Serialize};

/// The kind of a unit; decides where it is listed on the home page.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UnitKind {
    City,
    Department,
    Town,
    Township,
    Subdistrict,
}

impl UnitKind {
    pub const ALL: [UnitKind; 5] = [
        UnitKind::City,
        UnitKind::Department,
        UnitKind::Town,
        UnitKind::Township,
        UnitKind::Subdistrict,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            UnitKind::City => "city",
            UnitKind::Department => "department",
            UnitKind::Town => "town",
            UnitKind::Township => "township",
            UnitKind::Subdistrict => "subdistrict",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            UnitKind::City => "市人民政府",
            UnitKind::Department => "部门",
            UnitKind::Town => "镇",
            UnitKind::Township => "乡",
            UnitKind::Subdistrict => "街道",
        }
    }

    /// The portal section a unit of this kind is listed under (the seed's breadcrumb
    /// 首页 >> 乡镇信息公开 >> 妥安乡).
    pub fn section(self) -> Section {
        match self {
            UnitKind::City => Section::City,
            UnitKind::Department => Section::Departments,
            UnitKind::Town | UnitKind::Township | UnitKind::Subdistrict => Section::Townships,
        }
    }

    /// Whether the unit carries the township news columns (乡镇动态 and the rest).
    pub fn is_township_like(self) -> bool {
        self.section() == Section::Townships
    }
}

/// Sections of the portal's home page.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Section {
    City,
    Departments,
    Townships,
}

impl Section {
    pub fn label(self) -> &'static str {
        match self {
            Section::City => "本级信息公开",
            Section::Departments => "部门信息公开",
            Section::Townships => "乡镇信息公开",
        }
    }
    pub fn slug(self) -> &'static str {
        match self {
            Section::City => "city",
            Section::Departments => "departments",
            Section::Townships => "townships",
        }
    }
}

/// A unit code: the unit's URL slug. Lowercase ASCII letters, digits and hyphens, 2-40 long,
/// starting with a letter. Parsing it before any database access makes a malformed code a 404.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct UnitCode(String);

impl UnitCode {
    pub fn parse(s: &str) -> Result<Self, FieldError> {
        if is_slug(s, 40) {
            Ok(Self(s.to_owned()))
        } else {
            Err(FieldError::new(
                "code",
                "代码只能由小写字母、数字和连字符组成，以字母开头，长度2至40个字符",
            ))
        }
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for UnitCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Slugs for units and columns: `[a-z][a-z0-9-]{1,max-1}`.
pub fn is_slug(s: &str, max: usize) -> bool {
    let b = s.as_bytes();
    (2..=max).contains(&b.len())
        && b[0].is_ascii_lowercase()
        && b.iter()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-')
}

/// The disclosure office's contact details, printed in the guide (指南, Art. 12).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OfficeContact {
    pub address: String,
    pub hours: String,
    pub phone: String,
    pub fax: String,
    pub email: String,
}

impl OfficeContact {
    /// Validates the contact as entered in the unit settings form.
    pub fn validate(&self) -> Vec<FieldError> {
        let mut errs = Vec::new();
        for (field, v, max) in [
            ("office_address", &self.address, 200),
            ("office_hours", &self.hours, 100),
            ("office_phone", &self.phone, 50),
            ("office_fax", &self.fax, 50),
            ("office_email", &self.email, 100),
        ] {
            if v.chars().count() > max {
                errs.push(FieldError::new(field, format!("不能超过{max}个字符")));
            }
        }
        if !self.phone.is_empty() && !is_phone_like(&self.phone) {
            errs.push(FieldError::new(
                "office_phone",
                "电话号码只能包含数字、空格、连字符、括号和加号",
            ));
        }
        if !self.fax.is_empty() && !is_phone_like(&self.fax) {
            errs.push(FieldError::new(
                "office_fax",
                "传真号码只能包含数字、空格、连字符、括号和加号",
            ));
        }
        if !self.email.is_empty() && !is_email_like(&self.email) {
            errs.push(FieldError::new(
                "office_email",
                "电子邮箱格式不正确，例如 gkb@example.gov.cn",
            ));
        }
        errs
    }
}

fn is_phone_like(s: &str) -> bool {
    s.chars().any(|c| c.is_ascii_digit())
        && s.chars()
            .all(|c| c.is_ascii_digit() || " -()+、，,".contains(c))
}

/// A deliberately plain e-mail check: one `@`, something before it, a dot after it.
pub fn is_email_like(s: &str) -> bool {
    match s.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && !domain.contains('@')
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !s.chars().any(char::is_whitespace)
        }
        None => false,
    }
}

/// What a unit's site shows about itself (the footer) and where it is served, as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SiteSettings {
    /// 主办单位.
    pub host_org: String,
    /// 网站标识码.
    pub site_code: String,
    /// ICP 备案号.
    pub icp_no: String,
    /// 公网安备 number.
    pub police_no: String,
    /// The unit's own host name (empty: none).
    pub host: String,
}

fn plain(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_control())
        .collect::<String>()
        .trim()
        .to_owned()
}

/// A host name as a request names it: lower case, letters, digits, hyphens and dots, with an
/// optional port; `None` if it is not one.
pub fn normalize_host(raw: &str) -> Option<String> {
    let h = raw.trim().trim_end_matches('.').to_ascii_lowercase();
    let (name, port) = match h.rsplit_once(':') {
        Some((n, p)) if !p.is_empty() && p.len() <= 5 && p.chars().all(|c| c.is_ascii_digit()) => {
            (n.to_owned(), Some(p.to_owned()))
        }
        Some(_) => return None,
        None => (h.clone(), None),
    };
    let ok = !name.is_empty()
        && name.len() <= 253
        && name.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        });
    ok.then(|| match port {
        Some(p) => format!("{name}:{p}"),
        None => name,
    })
}

impl SiteSettings {
    /// The settings cleaned (control characters dropped, ends trimmed, the host in lower case),
    /// or every field that is wrong.
    pub fn validate(&self) -> Result<SiteSettings, Vec<FieldError>> {
        let mut errs = Vec::new();
        let host_org = plain(&self.host_org);
        if host_org.chars().count() > 50 {
            errs.push(FieldError::new("host_org", "主办单位不能超过50个字"));
        }
        let site_code = plain(&self.site_code);
        if !site_code.is_empty()
            && (site_code.len() != 10 || !site_code.chars().all(|c| c.is_ascii_alphanumeric()))
        {
            errs.push(FieldError::new(
                "site_code",
                "网站标识码由数字和字母组成，共10位（如 5323310001，见全国政府网站信息报送系统）",
            ));
        }
        let registration = |s: &str| {
            s.chars()
                .all(|c| c.is_alphanumeric() || " -－号".contains(c))
        };
        let icp_no = plain(&self.icp_no);
        if icp_no.chars().count() > 40 || !registration(&icp_no) {
            errs.push(FieldError::new(
                "icp_no",
                "ICP备案号不能超过40个字，如 滇ICP备05001234号-1",
            ));
        }
        let police_no = plain(&self.police_no);
        if police_no.chars().count() > 40
            || !registration(&police_no)
            || (!police_no.is_empty() && !police_no.chars().any(|c| c.is_ascii_digit()))
        {
            errs.push(FieldError::new(
                "police_no",
                "公网安备号应含备案编号数字，不超过40个字，如 滇公网安备 53012802000123号",
            ));
        }
        let host = if self.host.trim().is_empty() {
            String::new()
        } else {
            match normalize_host(&self.host) {
                Some(h) => h,
                None => {
                    errs.push(FieldError::new(
                        "host",
                        "独立域名应只含字母、数字、连字符和点（可带 :端口），如 tuoan.lufeng.gov.cn（不写 http://，不写路径）",
                    ));
                    String::new()
                }
            }
        };
        if errs.is_empty() {
            Ok(SiteSettings {
                host_org,
                site_code,
                icp_no,
                police_no,
                host,
            })
        } else {
            Err(errs)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unit_codes() {
        assert!(UnitCode::parse("tuoan").is_ok());
        assert!(UnitCode::parse("lufeng-fgj").is_ok());
        for bad in [
            "",
            "a",
            "Tuoan",
            "1abc",
            "tu oan",
            "妥安",
            "../etc",
            &"a".repeat(41),
        ] {
            assert!(UnitCode::parse(bad).is_err(), "{bad} should be rejected");
        }
    }

    #[test]
    fn sections() {
        assert_eq!(UnitKind::Township.section(), Section::Townships);
        assert_eq!(UnitKind::Town.section().label(), "乡镇信息公开");
        assert_eq!(UnitKind::Department.section().label(), "部门信息公开");
    }

    #[test]
    fn office_contact_validation() {
        let mut c = OfficeContact {
            phone: "0878-4121234".into(),
            email: "gkb@lf.gov.cn".into(),
            ..Default::default()
        };
        assert!(c.validate().is_empty());
        c.email = "not-an-email".into();
        c.phone = "call me".into();
        let fields: Vec<_> = c.validate().into_iter().map(|e| e.field).collect();
        assert_eq!(fields, vec!["office_phone", "office_email"]);
    }

    #[test]
    fn site_settings_are_cleaned_or_refused() {
        let ok = SiteSettings {
            host_org: " 禄劝县人民政府办公室\u{7} ".into(),
            site_code: "5301280001".into(),
            icp_no: "滇ICP备05001234号-1".into(),
            police_no: "滇公网安备 53012802000123号".into(),
            host: " TuoAn.LuQuan.gov.cn. ".into(),
        }
        .validate()
        .unwrap();
        assert_eq!(ok.host_org, "禄劝县人民政府办公室");
        assert_eq!(ok.host, "tuoan.luquan.gov.cn");
        let bad = SiteSettings {
            host_org: "长".repeat(51),
            site_code: "53-01".into(),
            icp_no: "滇ICP备<script>".into(),
            police_no: "滇公网安备".into(),
            host: "http://x.cn/path".into(),
        }
        .validate()
        .unwrap_err();
        let fields: Vec<&str> = bad.iter().map(|e| e.field).collect();
        assert_eq!(
            fields,
            ["host_org", "site_code", "icp_no", "police_no", "host"]
        );
    }

    #[test]
    fn host_names() {
        assert_eq!(
            normalize_host("A.b.CN:8080").as_deref(),
            Some("a.b.cn:8080")
        );
        for bad in [
            "",
            "a..b",
            "-a.cn",
            "a_b.cn",
            "a.cn:",
            "a.cn:123456",
            "a.cn/x",
            "[::1]",
        ] {
            assert_eq!(normalize_host(bad), None, "{bad}");
        }
    }
}
