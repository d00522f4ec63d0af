//! `sunshine user add|disable|enable|revoke` and `sunshine token create|list|revoke`.

use crate::auth;
use crate::config::Config;
use crate::db::audit::{self, Entry};
use crate::db::{units, users, Db};
use anyhow::{bail, Context};
use sunshine_core::role::Role;

#[derive(Debug, clap::Subcommand)]
pub enum UserCommand {
    /// Create a user (or reset their password, which ends their sessions) and grant roles on a
    /// unit. The password comes from SUNSHINE_PASSWORD or a prompt.
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
    /// Disable an account: it can no longer sign in, its sessions end and its tokens stop
    Disable {
        #[arg(long)]
        login: String,
    },
    /// Enable a disabled account again
    Enable {
        #[arg(long)]
        login: String,
    },
    /// Remove roles the user holds on a unit
    Revoke {
        #[arg(long)]
        unit: String,
        #[arg(long = "role", required = true, value_delimiter = ',')]
        roles: Vec<String>,
        #[arg(long)]
        login: String,
    },
}

#[derive(Debug, clap::Subcommand)]
pub enum TokenCommand {
    /// Print a new API bearer token for the user
    Create {
        #[arg(long)]
        login: String,
        /// Days until the token expires (default: the token_days setting, 90)
        #[arg(long)]
        days: Option<i64>,
        /// What the token is for, shown by `token list`
        #[arg(long, default_value = "")]
        label: String,
    },
    /// List tokens (tab-separated: id, login, label, created, expires, state); never the tokens
    List {
        #[arg(long)]
        login: Option<String>,
    },
    /// Revoke a token by its id (from `token list`): it stops working at once
    Revoke { id: i64 },
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

fn parse_roles(roles: &[String]) -> anyhow::Result<Vec<Role>> {
    roles
        .iter()
        .map(|r| {
            Role::parse(r.trim()).with_context(|| {
                format!("--role“{r}”无效，应为 editor、director、leader、principal、admin 或 supervisor")
            })
        })
        .collect()
}

pub async fn run_user(config: &Config, cmd: UserCommand) -> anyhow::Result<()> {
    let (unit, roles, login, name) = match cmd {
        UserCommand::Add {
            unit,
            roles,
            login,
            name,
        } => (unit, roles, login, name),
        UserCommand::Disable { login } => return set_disabled(config, &login, true).await,
        UserCommand::Enable { login } => return set_disabled(config, &login, false).await,
        UserCommand::Revoke { unit, roles, login } => {
            return revoke_roles(config, &unit, &roles, &login).await
        }
    };
    if !crate::service::accounts::valid_login(&login) {
        bail!("--login 只能由字母、数字和 - _ . @ 组成，2至40个字符");
    }
    let roles = parse_roles(&roles)?;
    let db = Db::open(config).await?;
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

async fn set_disabled(config: &Config, login: &str, disabled: bool) -> anyhow::Result<()> {
    let db = Db::open(config).await?;
    let mut tx = db.begin().await?;
    if !users::set_disabled(&mut tx, login, disabled).await? {
        bail!("用户“{login}”不存在");
    }
    audit::append(
        &mut tx,
        &Entry {
            actor: "cli",
            ip: "local",
            action: if disabled {
                "user.disable"
            } else {
                "user.enable"
            },
            target: format!("user:{login}"),
            ..Default::default()
        },
    )
    .await?;
    tx.commit().await?;
    if disabled {
        println!("已停用 {login}：不能再登录，已登录的会话立即结束，API 令牌全部撤销（重新启用后须另发令牌）。");
    } else {
        println!("已启用 {login}。");
    }
    Ok(())
}

async fn revoke_roles(
    config: &Config,
    unit: &str,
    roles: &[String],
    login: &str,
) -> anyhow::Result<()> {
    let roles = parse_roles(roles)?;
    let db = Db::open(config).await?;
    let mut tx = db.begin().await?;
    let u = units::by_code(&mut tx, unit)
        .await?
        .with_context(|| format!("单位“{unit}”不存在"))?;
    let user = users::by_login(&mut tx, login)
        .await?
        .with_context(|| format!("用户“{login}”不存在"))?;
    let mut removed = Vec::new();
    for r in &roles {
        if users::revoke_role(&mut tx, user.id, u.id, *r).await? {
            removed.push(r.as_str());
        }
    }
    if removed.is_empty() {
        bail!("用户“{login}”在“{unit}”没有这些岗位，未作改动");
    }
    audit::append(
        &mut tx,
        &Entry {
            actor: "cli",
            ip: "local",
            action: "user.revoke",
            unit_id: Some(u.id),
            target: format!("user:{login}"),
            detail: removed.join(","),
            ..Default::default()
        },
    )
    .await?;
    tx.commit().await?;
    println!("已收回 {login} 在 {unit} 的岗位：{}", removed.join(","));
    Ok(())
}

fn day(t: i64) -> String {
    chrono::DateTime::from_timestamp(t + 8 * 3600, 0)
        .map(|d| d.format("%Y-%m-%d").to_string())
        .unwrap_or_default()
}

pub async fn run_token(config: &Config, cmd: TokenCommand) -> anyhow::Result<()> {
    let db = Db::open(config).await?;
    match cmd {
        TokenCommand::Create { login, days, label } => {
            let days = days.unwrap_or(config.token_days);
            if !(1..=3660).contains(&days) {
                bail!("--days 应在 1 到 3660 之间");
            }
            if label.chars().count() > 100 {
                bail!("--label 不能超过100个字符");
            }
            let mut tx = db.begin().await?;
            let user = users::by_login(&mut tx, &login)
                .await?
                .with_context(|| format!("用户“{login}”不存在"))?;
            let (token, hash) = auth::new_token();
            let expires = crate::db::now() + days * 86400;
            let id = users::insert_token(&mut tx, user.id, &hash, &label, expires).await?;
            audit::append(
                &mut tx,
                &Entry {
                    actor: "cli",
                    ip: "local",
                    action: "token.create",
                    target: format!("user:{login}"),
                    detail: format!("token:{id} 有效至 {}", day(expires)),
                    ..Default::default()
                },
            )
            .await?;
            tx.commit().await?;
            println!("{token}");
        }
        TokenCommand::List { login } => {
            let mut conn = db.pool.acquire().await?;
            let now = crate::db::now();
            for t in users::tokens(&mut conn, login.as_deref()).await? {
                let state = match t.revoked_at {
                    Some(_) => "已撤销",
                    None if t.expires_at <= now => "已过期",
                    None => "有效",
                };
                println!(
                    "{}\t{}\t{}\t{}\t{}\t{state}",
                    t.id,
                    t.login,
                    t.label,
                    day(t.created_at),
                    day(t.expires_at)
                );
            }
        }
        TokenCommand::Revoke { id } => {
            let mut tx = db.begin().await?;
            if !users::revoke_token(&mut tx, id).await? {
                bail!("令牌 {id} 不存在或已撤销（可用 sunshine token list 查看）");
            }
            audit::append(
                &mut tx,
                &Entry {
                    actor: "cli",
                    ip: "local",
                    action: "token.revoke",
                    target: format!("token:{id}"),
                    ..Default::default()
                },
            )
            .await?;
            tx.commit().await?;
            println!("令牌 {id} 已撤销，立即失效。");
        }
    }
    Ok(())
}
