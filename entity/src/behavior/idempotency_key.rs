use sea_orm::entity::prelude::*;

use crate::idempotency_key::ActiveModel;

// Rows are built whole by the service (id, key, response, both timestamps): nothing to fill.
impl ActiveModelBehavior for ActiveModel {}
