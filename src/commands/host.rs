use anyhow::Context;
use service::DatabaseConnection;

use super::{printed, user_ref};
use crate::cli::Host;
use crate::exit::Failure;
use crate::output::Output;

pub async fn run(db: &DatabaseConnection, command: Host, out: &mut Output) -> Result<(), Failure> {
    match command {
        Host::Onboard { user } => {
            let host = service::onboard_host(db, &user_ref(&user)?)
                .await
                .with_context(|| format!("cannot onboard user {user} as a host"))?;
            printed(out.host(&host))
        }
        Host::Offboard { user } => {
            let target = user_ref(&user)?;
            service::offboard_host(db, &target)
                .await
                .with_context(|| format!("cannot offboard user {user}"))?;
            printed(out.done("offboarded", &target))
        }
    }
}
