//! Integration tests of the `trailwatch` binary: offline commands, and the AWS-facing ones against
//! the moto emulator.
//!
//! One test binary (each test binary relinks the AWS SDK); each area is a module. `harness` holds the reusable fixture
//! ([`harness::Moto`]: moto behind a recording, fault-injecting bridge) and the seeding helpers.

mod audit_cli;
mod audit_live;
mod collect;
mod demo_snapshot;
mod faults;
mod fix;
mod fix_offline;
mod harness;
mod replay_cli;
mod replay_s3;
mod scale;
