//! `cargo run -p migration -- <up|down|status|fresh|refresh|reset>`, which is also what
//! `sea-orm-cli migrate` runs.

use sea_orm_migration::prelude::*;

fn main() {
    // Read `.env` first so that a `DATABASE_URL` there wins over the embedded default.
    dotenvy::dotenv().ok();
    if std::env::var_os("DATABASE_URL").is_none() {
        // SAFETY: no other thread exists yet; the runtime is built below.
        unsafe { std::env::set_var("DATABASE_URL", migration::DEFAULT_DATABASE_URL) };
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build();
    match runtime {
        Ok(runtime) => runtime.block_on(cli::run_cli(migration::Migrator)),
        Err(error) => {
            eprintln!("cannot start the async runtime: {error}");
            std::process::exit(1);
        }
    }
}
