//! Integration tests of the `trailwatch` binary and its AWS collector against the moto emulator.
//!
//! One test binary; each area is a module. `harness` holds the reusable fixture
//! ([`harness::Moto`]: moto behind a recording, fault-injecting bridge) and the seeding helpers.

mod audit_live;
mod collect;
mod faults;
mod fix;
mod harness;
mod replay_s3;
mod scale;
