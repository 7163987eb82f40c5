//! `register`: N sign-ups (with the m.login.dummy interactive-auth dance), then N
//! password logins. Reports rates, per-second series and latencies of both.

use super::{phase, Ctx, PASSWORD};
use crate::report::Report;
use anyhow::Result;
use serde_json::json;

/// Runs the scenario.
pub async fn run(ctx: &Ctx, users: usize) -> Result<Report> {
    let names: Vec<String> = (0..users).map(|i| ctx.user_name("r", i)).collect();
    let reg = phase::run(ctx, users, "register", |i| {
        let (mx, name) = (ctx.mx.clone(), names[i].clone());
        async move { mx.register(&name, PASSWORD).await }
    })
    .await;
    let registered: Vec<String> = reg.ok.iter().map(|(i, _)| names[*i].clone()).collect();
    let login = phase::run(ctx, registered.len(), "login", |i| {
        let (mx, name) = (ctx.mx.clone(), registered[i].clone());
        async move { mx.login(&name, PASSWORD).await }
    })
    .await;

    let mut r = Report::new(
        "register",
        json!({ "users": users, "concurrency": ctx.concurrency }),
    );
    reg.report(&mut r, "register");
    login.report(&mut r, "login");
    r.extra = json!({
        "register_per_second": reg.per_second(),
        "login_per_second": login.per_second(),
    });
    Ok(r)
}
