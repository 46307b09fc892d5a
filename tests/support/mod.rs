//! Test support shared by integration tests: `mod support;` then `support::fake_apiserver::…`,
//! or include one file directly with `#[path = "support/fake_apiserver.rs"] mod fake_apiserver;`.

pub mod cli;
pub mod fake_apiserver;
pub mod scenario;
