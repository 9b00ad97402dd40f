//! The `hearth` command: migrate, initialise, build the demo town, import
//! persons, add users and serve the web application.
#![forbid(unsafe_code)]

mod progress;

use anyhow::{Context, Result, bail};
use clap::{Args, Parser, Subcommand};
use hearth_core::Lang;
use hearth_core::scope::Scope;
use hearth_core::user::{Role, check_password_strength, hash_password};
use hearth_demo::DemoConfig;
use hearth_store::{Db, bulk, migrate, users};
use std::io::IsTerminal;
use std::path::PathBuf;

const DEFAULT_DB: &str = "sqlite://hearth.db";

#[derive(Parser, Debug)]
#[command(
    name = "hearth",
    version,
    about = "Hearth 乡镇计生与妇幼健康服务管理系统"
)]
struct Cli {
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Args, Debug, Clone)]
struct DbArg {
    /// Database URL: sqlite://PATH or postgres://…
    #[arg(long = "db", env = "HEARTH_DATABASE_URL", default_value = DEFAULT_DB)]
    url: String,
}

/// Web session settings, shared by `serve` and `demo`.
#[derive(Args, Debug, Clone)]
struct WebArgs {
    /// Sign a user out after this many minutes without a request.
    #[arg(long, env = "HEARTH_IDLE_TIMEOUT_MINUTES", default_value_t = 30)]
    idle_timeout_minutes: u64,
    /// Sign a user out this many hours after signing in, active or not.
    #[arg(long, env = "HEARTH_ABSOLUTE_TIMEOUT_HOURS", default_value_t = 12)]
    absolute_timeout_hours: u64,
    /// Mark session cookies Secure (set when a TLS proxy does not send X-Forwarded-Proto).
    #[arg(long, env = "HEARTH_SECURE_COOKIES")]
    secure_cookies: bool,
}

#[derive(Subcommand, Debug)]
enum Cmd {
    /// Bring the database schema up to date.
    Migrate(DbArg),
    /// Create the administrator account (password from HEARTH_ADMIN_PASSWORD or a prompt).
    Init {
        #[command(flatten)]
        db: DbArg,
        /// The county-level org unit the administrator belongs to.
        #[arg(long, default_value = "370404")]
        org: String,
        /// Its name.
        #[arg(long, default_value = "峄城区")]
        org_name: String,
        #[arg(long, default_value = "admin")]
        username: String,
    },
    /// Build the synthetic demo town (and serve it unless --no-serve).
    Demo {
        #[command(flatten)]
        db: DbArg,
        /// Number of persons (45,000 is one township; 1,000,000 a county).
        #[arg(long, default_value_t = 45_000)]
        persons: usize,
        #[arg(long, default_value_t = 20_261_129)]
        seed: u64,
        /// Build (or reuse) the demo and exit without serving.
        #[arg(long)]
        no_serve: bool,
        /// Delete an existing SQLite demo database and build it anew.
        #[arg(long)]
        fresh: bool,
        #[arg(long, default_value = "127.0.0.1:8080")]
        bind: String,
        /// The password of every demo account.
        #[arg(long, default_value = "hearth-demo")]
        demo_password: String,
        #[command(flatten)]
        web: WebArgs,
    },
    /// Serve the web application.
    Serve {
        #[command(flatten)]
        db: DbArg,
        #[arg(long, default_value = "127.0.0.1:8080")]
        bind: String,
        #[command(flatten)]
        web: WebArgs,
    },
    /// Import records.
    #[command(subcommand)]
    Import(ImportCmd),
    /// Manage users.
    #[command(subcommand)]
    User(UserCmd),
}

#[derive(Subcommand, Debug)]
enum ImportCmd {
    /// Import persons from a CSV or Excel (.xlsx) file with the documented Chinese headers.
    Persons {
        file: PathBuf,
        #[command(flatten)]
        db: DbArg,
        /// Validate and report, write nothing.
        #[arg(long)]
        dry_run: bool,
        /// Also write the row-by-row report as JSON.
        #[arg(long)]
        report: Option<PathBuf>,
        /// Language of the report messages: zh-CN or en.
        #[arg(long, default_value = "zh-CN")]
        lang: String,
    },
}

#[derive(Subcommand, Debug)]
enum UserCmd {
    /// Add a user (password from HEARTH_USER_PASSWORD or a prompt).
    Add {
        name: String,
        /// admin, town_staff, village_specialist, follow_up_worker, clinician, supervisor, auditor
        #[arg(long)]
        role: String,
        /// The user's org unit code.
        #[arg(long)]
        org: String,
        #[arg(long)]
        display_name: Option<String>,
        /// Supervisors only: may read named records.
        #[arg(long)]
        named_access: bool,
        /// Grant the enforcement case register (两非案件) at creation.
        #[arg(long)]
        enforcement: bool,
        #[command(flatten)]
        db: DbArg,
    },
}

fn main() -> std::process::ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("HEARTH_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .init();
    match run(Cli::parse()) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("错误 error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

fn open(url: &str) -> Result<Db> {
    hearth_store::open_and_migrate(url).with_context(|| format!("opening database {url}"))
}

fn read_secret(env: &str, prompt: &str) -> Result<String> {
    if let Ok(p) = std::env::var(env) {
        return Ok(p);
    }
    if !std::io::stdin().is_terminal() {
        bail!("set {env} (no terminal to prompt on)");
    }
    let p = rpassword::prompt_password(prompt)?;
    let again = rpassword::prompt_password("再输入一次 / again: ")?;
    if p != again {
        bail!("passwords differ");
    }
    Ok(p)
}

fn run(cli: Cli) -> Result<()> {
    match cli.cmd {
        Cmd::Migrate(db) => {
            let d = Db::open(&db.url)?;
            let applied = migrate::migrate(&d)?;
            // Search initials are computed in Rust, so a migration cannot fill them.
            hearth_store::search::backfill_initials(&d)?;
            println!(
                "schema at version {} ({} applied now) on {}",
                migrate::latest_version(),
                applied.len(),
                d.display_url()
            );
            Ok(())
        }
        Cmd::Init {
            db,
            org,
            org_name,
            username,
        } => {
            let d = open(&db.url)?;
            let unit = hearth_core::org::OrgUnit::new(&org, &org_name)
                .map_err(|e| anyhow::anyhow!("--org: {}", e.message(Lang::En)))?;
            let scope = Scope::system("cli");
            hearth_store::orgs::upsert(&d, &scope, &[unit])?;
            let pw = read_secret("HEARTH_ADMIN_PASSWORD", "管理员密码 / admin password: ")?;
            check_password_strength(&pw)
                .map_err(|r| anyhow::anyhow!("password {}", r.message(Lang::En)))?;
            let hash = hash_password(&pw).map_err(anyhow::Error::msg)?;
            let u = users::create(
                &d,
                &scope,
                &users::NewUser {
                    username: &username,
                    display_name: "系统管理员",
                    role: Role::Admin,
                    org_code: &org,
                    password_hash: &hash,
                    named_access: true,
                },
            )
            .map_err(store_err)?;
            println!("administrator '{}' created", u.username);
            Ok(())
        }
        Cmd::Demo {
            db,
            persons,
            seed,
            no_serve,
            fresh,
            bind,
            demo_password,
            web,
        } => {
            if fresh {
                remove_sqlite(&db.url)?;
            }
            let d = open(&db.url)?;
            let cfg = DemoConfig {
                persons,
                seed,
                today: hearth_core::dates::today(),
                followup_months: hearth_demo::FOLLOWUP_MONTHS,
            };
            if bulk::has_persons(&d)? {
                println!(
                    "reusing the demo database at {} (use --fresh to rebuild)",
                    d.display_url()
                );
            } else {
                build_demo(&d, &cfg, &demo_password)?;
            }
            print_accounts(&demo_password);
            if no_serve {
                return Ok(());
            }
            serve(d, &bind, &web)
        }
        Cmd::Serve { db, bind, web } => {
            let d = open(&db.url)?;
            serve(d, &bind, &web)
        }
        Cmd::Import(ImportCmd::Persons {
            file,
            db,
            dry_run,
            report,
            lang,
        }) => import(
            &db.url,
            &file,
            dry_run,
            report.as_deref(),
            Lang::from_tag(&lang),
        ),
        Cmd::User(UserCmd::Add {
            name,
            role,
            org,
            display_name,
            named_access,
            enforcement,
            db,
        }) => {
            let d = open(&db.url)?;
            let role = Role::parse(&role)
                .map_err(|r| anyhow::anyhow!("--role {}", r.message(Lang::En)))?;
            let pw = read_secret(
                "HEARTH_USER_PASSWORD",
                &format!("{name} 的密码 / password: "),
            )?;
            check_password_strength(&pw)
                .map_err(|r| anyhow::anyhow!("password {}", r.message(Lang::En)))?;
            let hash = hash_password(&pw).map_err(anyhow::Error::msg)?;
            let u = users::create(
                &d,
                &Scope::system("cli"),
                &users::NewUser {
                    username: &name,
                    display_name: display_name.as_deref().unwrap_or(&name),
                    role,
                    org_code: &org,
                    password_hash: &hash,
                    named_access,
                },
            )
            .map_err(store_err)?;
            if enforcement {
                hearth_store::enforcement::set_grant(&d, &Scope::system("cli"), &u.id, true)
                    .map_err(store_err)
                    .with_context(|| {
                        format!(
                            "user '{}' was created, but the enforcement grant failed",
                            u.username
                        )
                    })?;
            }
            println!(
                "user '{}' ({}) created in {}{}",
                u.username,
                role.code(),
                u.org_code,
                if enforcement {
                    ", granted the enforcement register"
                } else {
                    ""
                }
            );
            Ok(())
        }
    }
}

/// Turns a store error into a message naming the field and the reason.
fn store_err(e: hearth_store::StoreError) -> anyhow::Error {
    match e {
        hearth_store::StoreError::Invalid(fields) => anyhow::anyhow!(
            "{}",
            fields
                .iter()
                .map(|f| format!(
                    "{}: {} / {}",
                    f.field,
                    f.message(Lang::Zh),
                    f.message(Lang::En)
                ))
                .collect::<Vec<_>>()
                .join("; ")
        ),
        other => other.into(),
    }
}

fn remove_sqlite(url: &str) -> Result<()> {
    if url.starts_with("postgres") {
        bail!(
            "--fresh only removes a SQLite file; drop and recreate the PostgreSQL database yourself"
        );
    }
    let path = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
        .unwrap_or(url);
    for suffix in ["", "-wal", "-shm"] {
        let p = format!("{path}{suffix}");
        match std::fs::remove_file(&p) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(e).with_context(|| format!("removing {p}")),
        }
    }
    Ok(())
}

fn build_demo(d: &Db, cfg: &DemoConfig, password: &str) -> Result<()> {
    let started = std::time::Instant::now();
    // One hash for every demo account: the password is public anyway, and
    // argon2id is deliberately slow.
    let hash = hash_password(password).map_err(anyhow::Error::msg)?;
    let bar = progress::Progress::new(cfg.persons as u64, "生成示范乡镇 building the demo town");
    let stats = hearth_demo::load_demo(d, cfg, &hash, &mut |n| bar.set(n))?;
    bar.finish();
    let secs = started.elapsed().as_secs_f64();
    println!(
        "demo town built in {secs:.1} s: {} org units, {} households, {} persons, {} couples, {} birth registrations ({:.0} persons/s){}",
        stats.org_units,
        stats.households,
        stats.persons,
        stats.couples,
        stats.registrations,
        stats.persons as f64 / secs.max(1e-9),
        peak_rss()
    );
    println!(
        "five years of history: {} pregnancies, {} antenatal checks, {} births, {} infant deaths, {} enforcement cases ({:.0} rows/s in all)",
        stats.pregnancies,
        stats.antenatal_checks,
        stats.births,
        stats.infant_deaths,
        stats.enforcement_cases,
        (stats.register_rows() + stats.history_rows()) as f64 / secs.max(1e-9)
    );
    println!(
        "follow-up: {} zones, {} women assigned, {} visits covering {} contacts, {} needs, {} contraceptive procedures",
        stats.zones,
        stats.assignments,
        stats.visits,
        stats.visit_contacts,
        stats.needs,
        stats.procedures
    );
    Ok(())
}

fn print_accounts(password: &str) {
    println!("demo accounts (password: {password}):");
    println!(
        "  admin 系统管理员 · town 镇计生办 (with the enforcement register) · clinician 医务人员 · supervisor 区县督导 · auditor 审计员"
    );
    println!("  v01, v02, … 村计生专干, one per village in village-code order");
    println!(
        "  v01w1, v01w2, … 随访员, the follow-up worker of each zone (片区) of v01's village, and so on"
    );
}

fn import(
    url: &str,
    file: &std::path::Path,
    dry_run: bool,
    report: Option<&std::path::Path>,
    lang: Lang,
) -> Result<()> {
    let d = open(url)?;
    let mut reader = hearth_core::import::Reader::open(file)
        .map_err(|e| anyhow::anyhow!("{}: {}", file.display(), e.message(lang)))?;
    let bar = progress::Progress::new(0, "导入 importing");
    let started = std::time::Instant::now();
    let sum = bulk::import_persons(
        &d,
        &Scope::system("cli"),
        &mut reader,
        hearth_core::dates::today(),
        lang,
        dry_run,
        &mut |n| bar.set(n),
    )
    .map_err(store_err)?;
    bar.finish();
    let secs = started.elapsed().as_secs_f64();
    for e in sum.errors.iter().take(200) {
        println!(
            "第 {} 行 row {} · {} · {}",
            e.row, e.row, e.column, e.message
        );
    }
    if sum.errors.len() > 200 {
        println!("… {} more (see --report)", sum.errors.len() - 200);
    }
    if let Some(path) = report {
        std::fs::write(path, hearth_core::import::report_json(&sum.errors))
            .with_context(|| format!("writing {}", path.display()))?;
    }
    println!(
        "{}rows {} · valid {} · created {} · updated {} · unchanged {} · households created {} · errors {} · {:.1} s ({:.0} rows/s){}",
        if dry_run {
            "DRY RUN, nothing written: "
        } else {
            ""
        },
        sum.rows,
        sum.valid,
        sum.created,
        sum.updated,
        sum.unchanged,
        sum.households_created,
        sum.errors.len(),
        secs,
        sum.rows as f64 / secs.max(1e-9),
        peak_rss()
    );
    Ok(())
}

/// " · peak memory N MB" from the kernel's high-water mark, where readable.
fn peak_rss() -> String {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<u64>().ok())
        })
        .map(|kb| format!(" · peak memory {} MB", kb / 1024))
        .unwrap_or_default()
}

fn serve(db: Db, bind: &str, web: &WebArgs) -> Result<()> {
    let mut state = hearth_web::AppState::new(db.clone());
    state.auth.idle_timeout = std::time::Duration::from_secs(web.idle_timeout_minutes.max(1) * 60);
    state.auth.absolute_timeout =
        std::time::Duration::from_secs(web.absolute_timeout_hours.max(1) * 3600);
    state.secure_cookies = web.secure_cookies;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    rt.block_on(async move {
        let listener = tokio::net::TcpListener::bind(bind)
            .await
            .with_context(|| format!("binding {bind}"))?;
        let addr = listener.local_addr()?;
        println!(
            "Hearth is serving at http://{addr}/ (database {})",
            db.display_url()
        );
        println!(
            "sign in with a demo account above, or one made by `hearth init` / `hearth user add`"
        );
        let shutdown = async {
            let _ = tokio::signal::ctrl_c().await;
        };
        hearth_web::serve(listener, state, shutdown).await?;
        Ok(())
    })
}
