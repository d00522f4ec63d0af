//! What a service answers when an action does not happen. The web layer turns each variant
//! into a page or a JSON problem (`web::error`); the CLI prints its message. Callers match on
//! the variant and its rule code, never on the text.

use sunshine_core::policy::Denied;
use sunshine_core::review::ReviewRefusal;
use sunshine_core::FieldError;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// No such record, or one the actor may not know exists.
    #[error("not found")]
    NotFound,
    /// The record was public and is withdrawn; the reason is said.
    #[error("gone")]
    Gone(String),
    /// The actor's grants do not cover this action (a rule code and its message).
    #[error("denied: {}", .0.code())]
    Denied(Denied),
    /// A rule of the workflow forbids this action for this person.
    #[error("refused: {0}")]
    Refused(&'static str, String),
    /// The input is wrong, field by field.
    #[error("invalid input")]
    Invalid(Vec<FieldError>),
    /// The record is not in a state that allows the action (a code and what to do).
    #[error("conflict: {0}")]
    Conflict(&'static str, String),
    /// An upload or body over its limit.
    #[error("too large")]
    TooLarge(String),
    /// A file of a kind not accepted.
    #[error("unsupported type")]
    Unsupported(String),
    /// Too many requests of this kind from one address; the message says when to retry.
    #[error("rate limited")]
    RateLimited(String),
    /// A service the step needs (the attachment store) did not answer; nothing was changed.
    #[error("unavailable: {0}")]
    Unavailable(String),
    /// Anything else: logged once where it is answered, never shown.
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// The message for people, in Chinese: what went wrong and what to do.
    pub fn message(&self) -> String {
        match self {
            Error::NotFound => {
                "您访问的页面或信息不存在，或尚未公开。请检查地址，或回到首页查找。".into()
            }
            Error::Gone(reason) => format!("该信息已撤回，不再公开。{reason}"),
            Error::Denied(d) => d.message().into(),
            Error::Invalid(errs) => errs
                .iter()
                .map(|e| e.message.clone())
                .collect::<Vec<_>>()
                .join("；"),
            Error::Conflict(_, m)
            | Error::Refused(_, m)
            | Error::TooLarge(m)
            | Error::Unsupported(m)
            | Error::RateLimited(m) => m.clone(),
            Error::Unavailable(_) => "附件存储暂时无法访问，这一步没有完成，已有的内容不受影响。请稍后重试；如果仍然出错，请联系管理员。".into(),
            Error::Internal(_) => {
                "服务器内部错误，操作没有完成。请稍后重试；如果仍然出错，请联系管理员。".into()
            }
        }
    }

    /// The stable code API clients match on.
    pub fn code(&self) -> &'static str {
        match self {
            Error::NotFound => "not_found",
            Error::Gone(_) => "withdrawn",
            Error::Denied(d) => d.code(),
            Error::Invalid(_) => "invalid",
            Error::Conflict(code, _) | Error::Refused(code, _) => code,
            Error::TooLarge(_) => "too_large",
            Error::Unsupported(_) => "unsupported_type",
            Error::RateLimited(_) => "too_many_attempts",
            Error::Unavailable(_) => "storage_unavailable",
            Error::Internal(_) => "internal",
        }
    }
}

impl From<crate::cpu::JobFailed> for Error {
    fn from(e: crate::cpu::JobFailed) -> Self {
        Error::Internal(e.into())
    }
}

impl From<crate::blobs::Unavailable> for Error {
    /// Also for a key the store says it does not have: S3 answers a missing bucket the same
    /// way, and both are the store's to mend, not the person's (the log says which).
    fn from(e: crate::blobs::Unavailable) -> Self {
        tracing::error!(error = %e, "attachment storage failed");
        Error::Unavailable(e.to_string())
    }
}

impl From<sqlx::Error> for Error {
    fn from(e: sqlx::Error) -> Self {
        Error::Internal(e.into())
    }
}

impl From<Denied> for Error {
    fn from(d: Denied) -> Self {
        Error::Denied(d)
    }
}

impl From<ReviewRefusal> for Error {
    fn from(r: ReviewRefusal) -> Self {
        match r {
            ReviewRefusal::ContentChanged | ReviewRefusal::ConsultationMissing => {
                Error::Conflict(r.code(), r.message())
            }
            _ => Error::Refused(r.code(), r.message()),
        }
    }
}

impl From<FieldError> for Error {
    fn from(e: FieldError) -> Self {
        Error::Invalid(vec![e])
    }
}

impl From<crate::db::items::SaveError> for Error {
    fn from(e: crate::db::items::SaveError) -> Self {
        match e {
            crate::db::items::SaveError::Field(f) => Error::Invalid(vec![f]),
            crate::db::items::SaveError::Db(d) => d.into(),
        }
    }
}
