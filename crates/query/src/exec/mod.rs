//! Running SQL read-only against one warehouse snapshot: the read-only [`guard`], the
//! [`session`] over a snapshot, and [`as_of`] views of past figures.

pub mod as_of;
mod damaged;
pub mod guard;
pub mod session;
#[cfg(test)]
pub(crate) mod tests;

pub use crate::error::sql_error;
pub use as_of::AsOf;
pub use guard::{read_only_options, refuse_writes};
pub use session::{QuerySession, Runs};
