//! No input crashes a request: every parse and check function of the core answers arbitrary
//! Unicode (full-width digits, combining marks, lone multi-byte characters at every length) with
//! a value or an error, never a panic.

use chrono::NaiveDate;
use proptest::prelude::*;
use sunshine_core::application::{
    credit_code_valid, mask_contact, mask_id, resident_id_valid, ApplicantInput, ApplicationInput,
};
use sunshine_core::item::{normalize_doc_no, ItemInput};
use sunshine_core::review::{Importance, PreReview, ReviewPolicy};
use sunshine_core::screening::{self, Exemptions, Segment};

/// Strings that look like the identifiers people type, in both widths, with stray marks.
fn id_like() -> impl Strategy<Value = String> {
    "[0-9０-９XxＸ \\-－\u{200b}\u{ff10}-\u{ff19}一-龥]{0,40}"
}

fn any_text() -> impl Strategy<Value = String> {
    prop_oneof![any::<String>(), id_like()]
}

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 12, 2).unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn identifiers(s in any_text()) {
        let _ = resident_id_valid(&s);
        let _ = credit_code_valid(&s);
        let _ = mask_id(&s);
        let _ = mask_contact(&s, &s, &s);
        let _ = screening::id_check_char(&s);
        let _ = screening::luhn(&s);
        let _ = screening::mask_email(&s);
        let _ = screening::mask_middle(&s, 3, 4);
        let _ = normalize_doc_no(&s);
        let _ = sunshine_core::text::fold_width(&s);
        let _ = sunshine_core::unit::is_email_like(&s);
        let _ = sunshine_core::unit::UnitCode::parse(&s);
        let _ = sunshine_core::unit::is_slug(&s, 40);
        let _ = sunshine_core::page::Page::parse(Some(&s), 20);
        let _ = sunshine_core::role::Role::parse(&s);
        let _ = Importance::parse(&s);
        let _ = ReviewPolicy::parse_chain("general", &s);
        let _ = sunshine_core::index_no::IndexPattern::parse(&s);
        let _ = sunshine_core::catalog::validate_column_name(&s);
        let _ = sunshine_core::calendar::YearData::parse(&s);
    }

    #[test]
    fn applications(fields in proptest::collection::vec(any_text(), 14)) {
        let input = ApplicationInput {
            unit: fields[0].clone(),
            applicant: ApplicantInput {
                kind: fields[1].clone(),
                name: fields[2].clone(),
                id_type: fields[3].clone(),
                id_number: fields[4].clone(),
                phone: fields[5].clone(),
                email: fields[6].clone(),
                address: fields[7].clone(),
                postcode: fields[11].clone(),
                legal_rep: fields[12].clone(),
                contact_person: fields[13].clone(),
            },
            description: fields[8].clone(),
            purpose: fields[9].clone(),
            delivery: fields[10].clone(),
            channel: String::new(),
            on: None,
        };
        let _ = input.parse();
        // The same with the identifier fields of a real type, so the ID checks are reached.
        let mut resident = input.clone();
        resident.applicant.kind = "natural_person".into();
        resident.applicant.id_type = "resident_id".into();
        let _ = resident.parse();
        let mut company = input;
        company.applicant.kind = "commercial".into();
        company.applicant.id_type = "credit_code".into();
        let _ = company.parse();
    }

    #[test]
    fn items(fields in proptest::collection::vec(any_text(), 16)) {
        let input = ItemInput {
            column: fields[0].clone(),
            title: fields[1].clone(),
            body_html: fields[2].clone(),
            publisher: fields[3].clone(),
            author: fields[4].clone(),
            source: fields[5].clone(),
            doc_no: fields[6].clone(),
            written_on: fields[7].clone(),
            topic: fields[8].clone(),
            validity: fields[9].clone(),
            disclosure: fields[10].clone(),
            withheld_reason: fields[11].clone(),
            importance: fields[12].clone(),
            prereview: PreReview {
                mode: fields[13].clone(),
                scope: fields[14].clone(),
                time_limit: fields[15].clone(),
                touches_security: true,
                consult_department: fields[13].clone(),
            },
            doc_type: fields[14].clone(),
            repealed_on: fields[15].clone(),
        };
        let _ = input.parse(today());
        let _ = input.prereview.validate();
    }

    #[test]
    fn screening_and_text(s in any_text(), html in any::<String>()) {
        let segs = [
            Segment { location: screening::TITLE.into(), text: s.clone() },
            Segment { location: screening::BODY.into(), text: sunshine_core::html::visible_text(&html) },
        ];
        let ex = Exemptions::from_contact(&s, &s, &s);
        for f in screening::screen(&segs, &ex) {
            let _ = screening::apply_mask(&s, &f);
        }
        let _ = sunshine_core::html::sanitize(&html);
        let reader = sunshine_core::html::reader_text(&html);
        let folded = reader.folded();
        let n = folded.text.len();
        for (a, b) in [(0, n), (n / 3, n / 2), (1, n)] {
            if let Some((x, y)) = folded.source_range(a, b) {
                if let Some((p, q)) = reader.source_range(x, y) {
                    let _ = sunshine_core::text::replace_ranges(&html, &[(p, q)], "*");
                }
            }
        }
        let _ = sunshine_core::html::escape(&s);
        let _ = sunshine_core::text::classify(&s);
        let _ = sunshine_core::text::to_html(&s);
        let _ = sunshine_core::report_text::read(&s);
        let _ = sunshine_core::report_text::read(&html);
        let _ = sunshine_core::report_text::text_of_html(&html);
        let _ = sunshine_core::report::may_make_rules(&s);
        let _ = sunshine_core::report::row_label(&s);
        let _ = sunshine_core::report::column_label(&s);
    }
}
