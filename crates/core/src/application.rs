//! Applications (依申请公开, Art. 29-39): who may apply with what, validated field by field,
//! the statutory reply outcomes (the annual report's table 三 rows) and what each means.

use crate::screening::{id_check_char, mask_middle};
use crate::FieldError;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

macro_rules! str_enum {
    ($name:ident { $($v:ident = $s:literal / $l:literal),* $(,)? }) => {
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($v),* }
        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$v),*];
            pub fn as_str(self) -> &'static str { match self { $($name::$v => $s),* } }
            pub fn label(self) -> &'static str { match self { $($name::$v => $l),* } }
            pub fn parse(s: &str) -> Option<Self> { Self::ALL.iter().copied().find(|x| x.as_str() == s) }
            /// The choices, for messages: each label with the code the API takes.
            pub fn names() -> String { Self::ALL.iter().map(|x| format!("{}（{}）", x.label(), x.as_str())).collect::<Vec<_>>().join("、") }
        }
    };
}

str_enum!(ApplicantKind {
    NaturalPerson = "natural_person" / "自然人",
    Commercial = "commercial" / "商业企业",
    Research = "research" / "科研机构",
    PublicInterest = "public_interest" / "社会公益组织",
    LegalServices = "legal_services" / "法律服务机构",
    OtherOrg = "other_org" / "其他组织",
});

str_enum!(IdType {
    ResidentId = "resident_id" / "居民身份证",
    Passport = "passport" / "护照",
    HkMacaoPass = "hk_macao_pass" / "港澳居民来往内地通行证",
    TaiwanPass = "taiwan_pass" / "台湾居民来往大陆通行证",
    CreditCode = "credit_code" / "统一社会信用代码",
    Other = "other" / "其他证件",
});

str_enum!(Channel {
    InPerson = "in_person" / "当面提交",
    Post = "post" / "邮寄",
    Online = "online" / "网上提交",
    Fax = "fax" / "传真",
    Email = "email" / "电子邮件",
    Other = "other" / "其他",
});

str_enum!(Delivery {
    Paper = "paper" / "纸质",
    Email = "email" / "电子邮件",
    Disc = "disc" / "光盘",
    Collect = "collect" / "当面领取",
    Post = "post" / "邮寄",
    Online = "online" / "网上获取",
    Other = "other" / "其他",
});

str_enum!(PhaseKey {
    Running = "running" / "办理中",
    AwaitingCorrection = "awaiting_correction" / "等待申请人补正",
    Consulting = "consulting" / "征求意见中（期限暂停）",
    AwaitingFee = "awaiting_fee" / "等待缴费（期限暂停）",
    AwaitingFeeRunning = "awaiting_fee_running" / "等待缴费",
    Replied = "replied" / "已答复",
});

impl PhaseKey {
    /// The key of a derived clock phase, as stored with the application for queues.
    pub fn of(p: &crate::deadline::Phase) -> PhaseKey {
        use crate::deadline::Phase;
        match p {
            Phase::Running => PhaseKey::Running,
            Phase::AwaitingCorrection { .. } => PhaseKey::AwaitingCorrection,
            Phase::Consulting { .. } => PhaseKey::Consulting,
            Phase::AwaitingFee { paused: true, .. } => PhaseKey::AwaitingFee,
            Phase::AwaitingFee { paused: false, .. } => PhaseKey::AwaitingFeeRunning,
            Phase::Replied { .. } => PhaseKey::Replied,
        }
    }
    /// The clock runs (the reply deadline counts down).
    pub fn clock_runs(self) -> bool {
        matches!(self, PhaseKey::Running | PhaseKey::AwaitingFeeRunning)
    }
    /// The clock is stopped for a third party or an unpaid fee.
    pub fn paused(self) -> bool {
        matches!(self, PhaseKey::Consulting | PhaseKey::AwaitingFee)
    }
    /// The applicant is to act (correct the application or pay).
    pub fn awaits_applicant(self) -> bool {
        matches!(
            self,
            PhaseKey::AwaitingCorrection | PhaseKey::AwaitingFee | PhaseKey::AwaitingFeeRunning
        )
    }
}

str_enum!(Outcome {
    Granted = "granted" / "予以公开",
    Partial = "partial" / "部分公开",
    RefusedStateSecret = "refused_state_secret" / "不予公开：属于国家秘密",
    RefusedProhibitedByLaw = "refused_prohibited_by_law" / "不予公开：其他法律行政法规禁止公开",
    RefusedThreeSecurityOneStability = "refused_three_security_one_stability" / "不予公开：危及“三安全一稳定”",
    RefusedThirdPartyRights = "refused_third_party_rights" / "不予公开：保护第三方合法权益",
    RefusedInternalAffairs = "refused_internal_affairs" / "不予公开：属于三类内部事务信息",
    RefusedProcessInformation = "refused_process_information" / "不予公开：属于四类过程性信息",
    RefusedEnforcementFile = "refused_enforcement_file" / "不予公开：属于行政执法案卷",
    RefusedAdministrativeQuery = "refused_administrative_query" / "不予公开：属于行政查询事项",
    UnavailableNotHeld = "unavailable_not_held" / "无法提供：本机关不掌握相关政府信息",
    UnavailableNeedsCreation = "unavailable_needs_creation" / "无法提供：没有现成信息需要另行制作",
    UnavailableUnclearAfterCorrection = "unavailable_unclear_after_correction" / "无法提供：补正后申请内容仍不明确",
    NotProcessedPetitionComplaint = "not_processed_petition_complaint" / "不予处理：信访举报投诉类申请",
    NotProcessedRepeated = "not_processed_repeated" / "不予处理：重复申请",
    NotProcessedPublication = "not_processed_publication" / "不予处理：要求提供公开出版物",
    NotProcessedExcessive = "not_processed_excessive" / "不予处理：无正当理由大量反复申请",
    NotProcessedConfirmation = "not_processed_confirmation" / "不予处理：要求行政机关确认或重新出具已获取信息",
    OtherNoCorrection = "other_no_correction" / "其他处理：申请人无正当理由逾期不补正",
    OtherFeeUnpaid = "other_fee_unpaid" / "其他处理：申请人逾期未缴纳信息处理费",
    OtherOther = "other_other" / "其他处理：其他",
});

impl Outcome {
    /// The article the decision rests on, suggested when staff leave the basis empty in a template.
    pub fn default_basis(self) -> &'static str {
        use Outcome::*;
        match self {
            Granted => "《中华人民共和国政府信息公开条例》第三十六条第（一）、（二）项",
            Partial => "《中华人民共和国政府信息公开条例》第三十七条",
            RefusedStateSecret | RefusedProhibitedByLaw | RefusedThreeSecurityOneStability => {
                "《中华人民共和国政府信息公开条例》第十四条"
            }
            RefusedThirdPartyRights => "《中华人民共和国政府信息公开条例》第十五条、第三十二条",
            RefusedInternalAffairs | RefusedProcessInformation | RefusedEnforcementFile => {
                "《中华人民共和国政府信息公开条例》第十六条"
            }
            RefusedAdministrativeQuery => "《中华人民共和国政府信息公开条例》第三十六条第（七）项",
            UnavailableNotHeld | UnavailableNeedsCreation => {
                "《中华人民共和国政府信息公开条例》第三十六条第（五）项、第三十八条"
            }
            UnavailableUnclearAfterCorrection => "《中华人民共和国政府信息公开条例》第三十条",
            NotProcessedPetitionComplaint => "《中华人民共和国政府信息公开条例》第三十九条第一款",
            NotProcessedRepeated => "《中华人民共和国政府信息公开条例》第三十六条第（六）项",
            NotProcessedPublication => "《中华人民共和国政府信息公开条例》第三十九条第二款",
            NotProcessedExcessive => "《中华人民共和国政府信息公开条例》第三十五条",
            NotProcessedConfirmation => "《中华人民共和国政府信息公开条例》第三十九条第二款",
            OtherNoCorrection => "《中华人民共和国政府信息公开条例》第三十条",
            OtherFeeUnpaid => "《政府信息公开信息处理费管理办法》（国办函〔2020〕109号）",
            OtherOther => "",
        }
    }
}

/// The applicant as submitted.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct ApplicantInput {
    pub kind: String,
    pub name: String,
    pub id_type: String,
    pub id_number: String,
    pub phone: String,
    pub email: String,
    pub address: String,
    /// 邮政编码 (optional; six digits).
    pub postcode: String,
    /// 法定代表人或负责人 of an organisation (required for organisations; empty for persons).
    pub legal_rep: String,
    /// 联系人 of an organisation (required for organisations; empty for persons).
    pub contact_person: String,
}

/// An application as submitted (public form, API, or staff registration).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct ApplicationInput {
    pub unit: String,
    pub applicant: ApplicantInput,
    pub description: String,
    pub purpose: String,
    pub delivery: String,
    pub channel: String,
    /// Date of receipt for a staff registration; absent: today.
    pub on: Option<String>,
}

/// A checked application.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Application {
    pub unit: String,
    pub kind: ApplicantKind,
    pub name: String,
    pub id_type: IdType,
    pub id_number: String,
    pub phone: String,
    pub email: String,
    pub address: String,
    pub postcode: String,
    pub legal_rep: String,
    pub contact_person: String,
    pub description: String,
    pub purpose: String,
    pub delivery: Delivery,
    pub channel: Channel,
}

/// GB 32100 check character of a 统一社会信用代码.
pub fn credit_code_valid(code: &str) -> bool {
    const CHARS: &str = "0123456789ABCDEFGHJKLMNPQRTUWXY";
    const W: [usize; 17] = [
        1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
    ];
    let c: Vec<char> = code.chars().collect();
    if c.len() != 18 {
        return false;
    }
    let mut sum = 0;
    for (ch, w) in c[..17].iter().zip(W) {
        match CHARS.find(*ch) {
            Some(v) => sum += v * w,
            None => return false,
        }
    }
    let check = (31 - sum % 31) % 31;
    CHARS.chars().nth(check) == Some(c[17])
}

/// A resident ID number with a valid date of birth and GB 11643 check character. Judged by
/// characters, never by bytes: any string is answered, none panics.
pub fn resident_id_valid(id: &str) -> bool {
    let chars: Vec<char> = id.chars().map(|c| c.to_ascii_uppercase()).collect();
    if chars.len() != 18 || !chars[..17].iter().all(char::is_ascii_digit) {
        return false;
    }
    let first17: String = chars[..17].iter().collect();
    let birth: String = chars[6..14].iter().collect();
    NaiveDate::parse_from_str(&birth, "%Y%m%d").is_ok()
        && id_check_char(&first17) == Some(chars[17])
}

fn phone_valid(p: &str) -> bool {
    if p.chars().count() > 30 {
        return false;
    }
    let digits: String = p.chars().filter(|c| c.is_ascii_digit()).collect();
    // The country code of a mainland number, as people write it: +86 138…, 0086 138….
    let trimmed = p.trim_start();
    let digits = if trimmed.starts_with("+86") || trimmed.starts_with("0086") {
        let cc = if trimmed.starts_with('+') { 2 } else { 4 };
        digits.get(cc..).unwrap_or("").to_owned()
    } else {
        digits
    };
    let allowed = p.chars().all(|c| c.is_ascii_digit() || " -()+".contains(c));
    allowed
        && ((digits.len() == 11 && digits.starts_with('1'))
            || (digits.starts_with('0') && (10..=12).contains(&digits.len())))
}

/// The masked ID number shown in lists.
pub fn mask_id(id: &str) -> String {
    mask_middle(id, 4, 4)
}

/// An applicant's contact details as a supervisor sees them (they oversee cases; they do not
/// handle them): phone, e-mail and address masked.
pub fn mask_contact(phone: &str, email: &str, address: &str) -> (String, String, String) {
    let phone = if phone.is_empty() {
        String::new()
    } else {
        mask_middle(phone, 3, 2)
    };
    let email = if email.is_empty() {
        String::new()
    } else {
        crate::screening::mask_email(email)
    };
    let address = if address.is_empty() {
        String::new()
    } else {
        let head: String = address.chars().take(3).collect();
        format!("{head}****")
    };
    (phone, email, address)
}

impl ApplicationInput {
    /// Checks every field, naming each problem by its JSON path (`applicant.id_number`).
    /// Identifiers typed in full-width forms (as phone keyboards do) are folded to ASCII first
    /// and accepted.
    pub fn parse(&self) -> Result<Application, Vec<FieldError>> {
        let mut e = Vec::new();
        let a = &self.applicant;
        let fold = crate::text::fold_width;
        let kind = ApplicantKind::parse(a.kind.trim());
        if kind.is_none() {
            e.push(FieldError::new(
                "applicant.kind",
                format!("申请人类型应为：{}", ApplicantKind::names()),
            ));
        }
        let name = crate::text::clean_text(&a.name);
        if crate::text::visible_len(&name) == 0 || name.chars().count() > 100 {
            e.push(FieldError::new(
                "applicant.name",
                "请填写申请人姓名或名称（不超过100个字符）",
            ));
        }
        let id_type = IdType::parse(a.id_type.trim());
        let id_number: String = fold(&a.id_number)
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect::<String>()
            .to_ascii_uppercase();
        match id_type {
            None => e.push(FieldError::new(
                "applicant.id_type",
                format!("证件类型应为：{}", IdType::names()),
            )),
            Some(_) if id_number.is_empty() => e.push(FieldError::new(
                "applicant.id_number",
                if kind.is_some_and(|k| k != ApplicantKind::NaturalPerson) {
                    "请填写证件号码（法人或其他组织填写统一社会信用代码）"
                } else {
                    "请填写证件号码（身份证明是申请的必备内容）"
                },
            )),
            Some(IdType::ResidentId) if !resident_id_valid(&id_number) => e.push(FieldError::new(
                "applicant.id_number",
                "居民身份证号码不正确：应为18位，出生日期有效，最后一位校验码正确",
            )),
            Some(IdType::CreditCode) if !credit_code_valid(&id_number) => e.push(FieldError::new(
                "applicant.id_number",
                "统一社会信用代码不正确：应为18位，最后一位校验码正确",
            )),
            Some(_)
                if !(5..=30).contains(&id_number.chars().count())
                    || !id_number
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '-') =>
            {
                e.push(FieldError::new(
                    "applicant.id_number",
                    "证件号码应为5至30位字母或数字",
                ))
            }
            _ => {}
        }
        match (kind, id_type) {
            (Some(ApplicantKind::NaturalPerson), Some(IdType::CreditCode)) => {
                e.push(FieldError::new(
                    "applicant.id_type",
                    "自然人请填写个人身份证件，不能用统一社会信用代码",
                ))
            }
            (Some(k), Some(t))
                if k != ApplicantKind::NaturalPerson
                    && !matches!(t, IdType::CreditCode | IdType::Other) =>
            {
                e.push(FieldError::new(
                    "applicant.id_type",
                    "法人或其他组织请填写统一社会信用代码",
                ))
            }
            _ => {}
        }
        let phone = fold(&a.phone).trim().to_owned();
        let email = fold(&a.email).trim().to_owned();
        if phone.is_empty() && email.is_empty() {
            e.push(FieldError::new(
                "applicant.phone",
                "请至少留下电话或电子邮箱，以便联系和送达",
            ));
        }
        if !phone.is_empty() && !phone_valid(&phone) {
            e.push(FieldError::new(
                "applicant.phone",
                "电话号码不正确：手机为11位，固定电话请带区号，如 0878-4121234",
            ));
        }
        if !email.is_empty() && (email.chars().count() > 254 || !crate::unit::is_email_like(&email))
        {
            e.push(FieldError::new(
                "applicant.email",
                "电子邮箱格式不正确，例如 name@example.com",
            ));
        }
        let organisation = kind.is_some_and(|k| k != ApplicantKind::NaturalPerson);
        let legal_rep = crate::text::clean_text(&a.legal_rep);
        let contact_person = crate::text::clean_text(&a.contact_person);
        for (field, value, missing) in [
            (
                "applicant.legal_rep",
                &legal_rep,
                "法人或其他组织请填写法定代表人或负责人的姓名",
            ),
            (
                "applicant.contact_person",
                &contact_person,
                "法人或其他组织请填写联系人的姓名，以便联系和送达",
            ),
        ] {
            if organisation && crate::text::visible_len(value) == 0 {
                e.push(FieldError::new(field, missing));
            } else if value.chars().count() > 50 {
                e.push(FieldError::new(field, "姓名不能超过50个字符"));
            }
        }
        let postcode = fold(&a.postcode).trim().to_owned();
        let postcode_ok = postcode.len() == 6 && postcode.bytes().all(|b| b.is_ascii_digit());
        if !postcode.is_empty() && !postcode_ok {
            e.push(FieldError::new(
                "applicant.postcode",
                "邮政编码应为6位数字，如 651200；不清楚可以不填",
            ));
        }
        let address = crate::text::clean_text(&a.address);
        if address.chars().count() > 200 {
            e.push(FieldError::new(
                "applicant.address",
                "通信地址不能超过200个字符",
            ));
        }
        let description = crate::text::clean_text(&self.description);
        if crate::text::visible_len(&description) == 0 {
            e.push(FieldError::new(
                "description",
                "请描述所需的政府信息（名称、文号或便于查询的其他特征）",
            ));
        } else if description.chars().count() > 5000 {
            e.push(FieldError::new(
                "description",
                "所需信息的描述不能超过5000个字符",
            ));
        }
        let purpose = crate::text::clean_text(&self.purpose);
        if purpose.chars().count() > 1000 {
            e.push(FieldError::new("purpose", "用途不能超过1000个字符"));
        }
        let delivery = Delivery::parse(self.delivery.trim());
        if delivery.is_none() {
            e.push(FieldError::new(
                "delivery",
                format!("获取方式应为：{}", Delivery::names()),
            ));
        }
        if delivery == Some(Delivery::Email) && email.is_empty() {
            e.push(FieldError::new(
                "applicant.email",
                "选择以电子邮件获取信息的，请填写电子邮箱（或改选其他获取方式）",
            ));
        }
        let channel = match self.channel.trim() {
            "" => Some(Channel::Online),
            c => Channel::parse(c),
        };
        if channel.is_none() {
            e.push(FieldError::new(
                "channel",
                format!("申请渠道应为：{}", Channel::names()),
            ));
        }
        if self.unit.trim().is_empty() {
            e.push(FieldError::new("unit", "请选择受理申请的机关"));
        } else if self.unit.chars().count() > 40 {
            e.push(FieldError::new(
                "unit",
                "受理机关的代码不正确，请从列表中选择",
            ));
        }
        match (kind, id_type, delivery, channel) {
            (Some(kind), Some(id_type), Some(delivery), Some(channel)) if e.is_empty() => {
                Ok(Application {
                    unit: self.unit.trim().to_owned(),
                    kind,
                    name,
                    id_type,
                    id_number,
                    phone,
                    email,
                    address,
                    postcode,
                    legal_rep: if organisation {
                        legal_rep
                    } else {
                        String::new()
                    },
                    contact_person: if organisation {
                        contact_person
                    } else {
                        String::new()
                    },
                    description,
                    purpose,
                    delivery,
                    channel,
                })
            }
            _ => Err(e),
        }
    }
}

/// The date of receipt rule (Art. 31) for each channel, as staff are told when registering.
pub fn receipt_rule(c: Channel) -> &'static str {
    match c {
        Channel::InPerson => "当面提交的，以提交之日为收到申请之日",
        Channel::Post => "邮寄的，以签收之日为收到申请之日；平常信函等无需签收的，以双方确认之日为收到申请之日（应于收到当日与申请人确认）",
        Channel::Online | Channel::Email => "网上或电子邮件提交的，以双方确认之日为收到申请之日",
        Channel::Fax => "通过传真提交的，以双方确认之日为收到申请之日",
        Channel::Other => "以双方确认之日为收到申请之日",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn valid_id() -> String {
        let f = "53010219900101123";
        format!("{f}{}", id_check_char(f).unwrap())
    }

    fn input() -> ApplicationInput {
        ApplicationInput {
            unit: "tuoan".into(),
            applicant: ApplicantInput {
                kind: "natural_person".into(),
                name: "张三".into(),
                id_type: "resident_id".into(),
                id_number: valid_id(),
                phone: "13812345678".into(),
                email: "zhangsan@example.com".into(),
                ..Default::default()
            },
            description: "2025年妥安乡农村危房改造补助资金发放名单".into(),
            delivery: "email".into(),
            channel: "online".into(),
            ..Default::default()
        }
    }

    #[test]
    fn a_good_application() {
        let a = input().parse().unwrap();
        assert_eq!(a.kind, ApplicantKind::NaturalPerson);
        assert_eq!(
            mask_id(&a.id_number),
            format!("5301**********{}", &a.id_number[14..])
        );
    }

    #[test]
    fn every_bad_field_is_named() {
        let mut i = input();
        i.applicant.id_number = format!("{}0", &valid_id()[..17]).replace(&valid_id()[17..], "0");
        if resident_id_valid(&i.applicant.id_number) {
            i.applicant.id_number = "530102199013011234".into();
        }
        i.applicant.phone = "12345".into();
        i.applicant.email = "bad".into();
        i.description = "  ".into();
        i.delivery = "pigeon".into();
        i.channel = "telepathy".into();
        let fields: Vec<_> = i
            .parse()
            .unwrap_err()
            .into_iter()
            .map(|e| e.field)
            .collect();
        for f in [
            "applicant.id_number",
            "applicant.phone",
            "applicant.email",
            "description",
            "delivery",
            "channel",
        ] {
            assert!(fields.contains(&f), "{f} in {fields:?}");
        }
    }

    #[test]
    fn organisations_use_credit_codes() {
        assert!(credit_code_valid("91350100M000100Y43"));
        assert!(!credit_code_valid("91350100M000100Y44"));
        let mut i = input();
        i.applicant.kind = "commercial".into();
        assert_eq!(i.parse().unwrap_err()[0].field, "applicant.id_type");
        i.applicant.id_type = "credit_code".into();
        i.applicant.id_number = "91350100M000100Y43".into();
        // An organisation names its legal representative and a contact person.
        let fields: Vec<_> = i
            .parse()
            .unwrap_err()
            .into_iter()
            .map(|e| e.field)
            .collect();
        assert_eq!(
            fields,
            ["applicant.legal_rep", "applicant.contact_person"],
            "{fields:?}"
        );
        i.applicant.legal_rep = "王五".into();
        i.applicant.contact_person = "赵六".into();
        let a = i.parse().unwrap();
        assert_eq!(
            (a.legal_rep.as_str(), a.contact_person.as_str()),
            ("王五", "赵六")
        );
        // A person's application keeps neither (the form's hidden fields may still carry them).
        let mut p = input();
        p.applicant.legal_rep = "王五".into();
        let a = p.parse().unwrap();
        assert!(a.legal_rep.is_empty() && a.contact_person.is_empty());
    }

    #[test]
    fn an_empty_id_number_is_asked_for_not_called_wrong() {
        let mut i = input();
        i.applicant.id_number = " ".into();
        let e = i.parse().unwrap_err();
        assert_eq!(e.len(), 1, "{e:?}");
        assert_eq!(e[0].field, "applicant.id_number");
        assert!(
            e[0].message.starts_with("请填写证件号码"),
            "{}",
            e[0].message
        );
    }

    #[test]
    fn email_delivery_needs_an_address() {
        let mut i = input();
        i.applicant.email.clear();
        let e = i.parse().unwrap_err();
        assert_eq!(e.len(), 1, "{e:?}");
        assert_eq!(e[0].field, "applicant.email");
        assert!(e[0].message.contains("电子邮箱"), "{}", e[0].message);
        i.delivery = "paper".into();
        assert!(i.parse().is_ok(), "paper needs no e-mail address");
    }

    #[test]
    fn postcodes_are_six_digits_or_none() {
        let mut i = input();
        for good in ["", "651200", "６５１２００"] {
            i.applicant.postcode = good.into();
            assert!(i.parse().is_ok(), "{good}");
        }
        assert_eq!(i.parse().unwrap().postcode, "651200");
        for bad in ["65120", "6512001", "65l200", "邮编"] {
            i.applicant.postcode = bad.into();
            let e = i.parse().unwrap_err();
            assert_eq!(e[0].field, "applicant.postcode", "{bad}");
        }
    }

    #[test]
    fn blank_looking_fields_are_blank_and_country_codes_fine() {
        let mut i = input();
        i.applicant.name = "\u{200b}\u{200b}\u{200b}".into();
        i.description = "\u{3000}\u{feff}".into();
        let fields: Vec<_> = i
            .parse()
            .unwrap_err()
            .into_iter()
            .map(|e| e.field)
            .collect();
        assert!(
            fields.contains(&"applicant.name") && fields.contains(&"description"),
            "{fields:?}"
        );
        let mut i = input();
        i.applicant.phone = "+86 138 1234 5678".into();
        i.applicant.name = "张\u{0}三".into();
        let a = i.parse().unwrap();
        assert_eq!(a.name, "张三");
        i.applicant.phone = "0086-13812345678".into();
        assert!(i.parse().is_ok());
        i.applicant.id_number = format!("{}\u{200b}", valid_id());
        assert!(
            i.parse().is_ok(),
            "a pasted zero-width space is not part of the number"
        );
    }

    #[test]
    fn contact_is_required() {
        let mut i = input();
        i.applicant.phone.clear();
        i.applicant.email.clear();
        i.delivery = "paper".into();
        assert_eq!(i.parse().unwrap_err()[0].field, "applicant.phone");
        i.applicant.email = "zhang@example.com".into();
        assert!(i.parse().is_ok());
        i.applicant.phone = "0878-4121234".into();
        assert!(i.parse().is_ok());
    }

    #[test]
    fn full_width_identifiers_are_folded_and_accepted() {
        let wide: String = valid_id()
            .chars()
            .map(|c| char::from_u32(u32::from(c) + 0xFEE0).unwrap_or(c))
            .collect();
        let mut i = input();
        i.applicant.id_number = wide;
        i.applicant.phone = "１３８１２３４５６７８".into();
        i.applicant.email = "ｚｈａｎｇ＠ｅｘａｍｐｌｅ．ｃｏｍ".into();
        let a = i.parse().unwrap();
        assert_eq!(a.id_number, valid_id());
        assert_eq!(a.phone, "13812345678");
        assert_eq!(a.email, "zhang@example.com");
        // Six full-width digits are 18 bytes: once sliced by bytes, now simply wrong.
        i.applicant.id_number = "１２３４５６".into();
        assert_eq!(i.parse().unwrap_err()[0].field, "applicant.id_number");
        assert!(!resident_id_valid("１２３４５６"));
        assert!(!resident_id_valid("ａ２３４５６７８９０１２３４５６７８"));
    }

    #[test]
    fn outcomes_are_the_report_rows() {
        assert_eq!(Outcome::ALL.len(), 21);
        assert_eq!(Outcome::ALL.first().unwrap().as_str(), "granted");
        assert_eq!(Outcome::ALL.last().unwrap().as_str(), "other_other");
    }
}
