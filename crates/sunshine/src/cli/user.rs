//! `sunshine user add` and `sunshine token create`.

use crate::auth;
use crate::config::Config;
use crate::db::audit::{self, Entry};
use crate::db::{units, users, Db};
use anyhow::{bail, Context};
use sunshine_core::role::Role;

#[derive(Debug, clap::Subcommand)]
pub enum UserCommand {
    /// Create a user (or reset their password) and grant roles on a unit.
    /// The password comes from SUNSHINE_PASSWORD or a prompt.
    Add {
        /// Unit code, e.g. tuoan
        #[arg(long)]
        unit: String,
        /// editor (信息员), director (办公室主任), leader (分管领导), principal (主要领导),
        /// admin (管理员), supervisor (监督员); repeat or separate with commas
        #[arg(long = "role", required = true, value_delimiter = ',')]
        roles: Vec<String>,
        /// Login name
        #[arg(long)]
        login: String,
        /// Display name (defaults to the login)
        #[arg(long)]
        name: Option<String>,
    },
}

#[derive(Debug, clap::Subcommand)]
pub enum TokenCommand {
    /// Print a new API bearer token for the user
    Create {
        #[arg(long)]
        login: String,
    },
}

fn password() -> anyhow::Result<String> {
    if let Ok(p) = std::env::var("SUNSHINE_PASSWORD") {
        return Ok(p);
    }
    let p = rpassword::prompt_password("密码: ")
        .context("无法读取密码（可用环境变量 SUNSHINE_PASSWORD 提供）")?;
    let again = rpassword::prompt_password("再输入一次: ").context("无法读取密码")?;
    if p != again {
        bail!("两次输入的密码不一致");
    }
    Ok(p)
}

fn valid_login(login: &str) -> bool {
    (2..=40).contains(&login.len())
        && login
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.@".contains(c))
}

pub async fn run_user(config: &Config, cmd: UserCommand) -> anyhow::Result<()> {
    let UserCommand::Add {
        unit,
        roles,
        login,
        name,
    } = cmd;
    if !valid_login(&login) {
        bail!("--login 只能由字母、数字和 - _ . @ 组成，2至40个字符");
    }
    let roles: Vec<Role> = roles
        .iter()
        .map(|r| {
            Role::parse(r.trim()).with_context(|| {
                format!("--role“{r}”无效，应为 editor、director、leader、principal、admin 或 supervisor")
            })
        })
        .collect::<anyhow::Result<_>>()?;
    let db = Db::connect_and_migrate(&config.database_url).await?;
    let mut conn = db.pool.acquire().await?;
    let unit = units::by_code(&mut conn, &unit).await?.with_context(|| {
        format!("单位“{unit}”不存在（可用 sunshine unit list 查看，sunshine unit add 新增）")
    })?;
    drop(conn);
    let pw = password()?;
    auth::check_password_strength(&pw).map_err(|m| anyhow::anyhow!(m))?;
    let hash = auth::hash_password(&pw)?;
    let mut tx = db.begin().await?;
    let id = users::upsert(&mut tx, &login, name.as_deref().unwrap_or(&login), &hash).await?;
    for r in &roles {
        users::grant(&mut tx, id, unit.id, *r).await?;
    }
    let detail = roles
        .iter()
        .map(|r| r.as_str())
        .collect::<Vec<_>>()
        .join(",");
    audit::append(
        &mut tx,
        &Entry {
            actor: "cli",
            ip: "local",
            action: "user.add",
            unit_id: Some(unit.id),
            target: format!("user:{login}"),
            detail,
            ..Default::default()
        },
    )
    .await?;
    tx.commit().await?;
    println!("{login}");
    Ok(())
}

pub async fn run_token(config: &Config, cmd: TokenCommand) -> anyhow::Result<()> {
    let TokenCommand::Create { login } = cmd;
    let db = Db::connect_and_migrate(&config.database_url).await?;
    let mut tx = db.begin().await?;
    let user = users::by_login(&mut tx, &login)
        .await?
        .with_context(|| format!("用户“{login}”不存在"))?;
    let (token, hash) = auth::new_token();
    users::insert_token(&mut tx, user.id, &hash).await?;
    audit::append(
        &mut tx,
        &Entry {
            actor: "cli",
            ip: "local",
            action: "token.create",
            target: format!("user:{login}"),
            ..Default::default()
        },
    )
    .await?;
    tx.commit().await?;
    println!("{token}");
    Ok(())
}
