//! Sandbox mode: the X API simulator running in-process on loopback, with a demo account.
//!
//! Contract: [`Sandbox::ensure`] starts the simulator once (loopback, ephemeral ports) and
//! returns its handle; nothing it does leaves the computer. Scenario switches change the
//! simulator so a person can rehearse each fix: a read-only token, v1.1 upload retired, no
//! credits left, slow video processing. The sandbox account's keys are the simulator's and are
//! kept in the keychain like any other account's. Its profile is the one flagged `sandbox`
//! (`accounts::Accounts::save_sandbox`), never the one named "Sandbox": a new one gets a name
//! no other profile uses, so a real account's profile and keychain entry are never touched.

use serde::{Deserialize, Serialize};
use specta::Type;
use tokio::sync::Mutex;
use x_sim::{SimConfig, SimHandle};

/// A scenario switch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub enum Scenario {
    /// The account's token is read-only (made before "Read and write").
    ReadOnlyToken,
    /// v1.1 media upload answers 403 code 453.
    V1Retired,
    /// Pay-per-use with no credits left (402).
    OutOfCredits,
    /// Video processing takes several seconds.
    SlowProcessing,
}

/// Which scenarios are on.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct Scenarios {
    /// See [`Scenario::ReadOnlyToken`].
    pub read_only_token: bool,
    /// See [`Scenario::V1Retired`].
    pub v1_retired: bool,
    /// See [`Scenario::OutOfCredits`].
    pub out_of_credits: bool,
    /// See [`Scenario::SlowProcessing`].
    pub slow_processing: bool,
}

/// The simulator, once started.
#[derive(Default)]
pub struct Sandbox {
    inner: Mutex<Option<(SimHandle, Scenarios)>>,
}

impl Sandbox {
    /// Starts the simulator if it is not running; returns its handle.
    pub async fn ensure(&self) -> Result<SimHandle, String> {
        let mut inner = self.inner.lock().await;
        if let Some((sim, _)) = inner.as_ref() {
            return Ok(sim.clone());
        }
        let sim = x_sim::start(SimConfig::default())
            .await
            .map_err(|e| format!("The sandbox could not start: {e}"))?;
        *inner = Some((sim.clone(), Scenarios::default()));
        Ok(sim)
    }

    /// The running simulator, if any, and its scenarios.
    pub async fn status(&self) -> Option<(SimHandle, Scenarios)> {
        self.inner.lock().await.clone()
    }

    /// Turns a scenario on or off. For a read-only token it returns the account's new keys.
    pub async fn set(
        &self,
        scenario: Scenario,
        on: bool,
    ) -> Result<(Scenarios, Option<x_client::Credentials>), String> {
        let sim = self.ensure().await?;
        let mut inner = self.inner.lock().await;
        let Some((_, flags)) = inner.as_mut() else {
            return Err("The sandbox is not running.".into());
        };
        let mut new_keys = None;
        match scenario {
            Scenario::ReadOnlyToken => {
                let level = if on {
                    x_sim::AccessLevel::Read
                } else {
                    x_sim::AccessLevel::ReadWrite
                };
                sim.set_app_permissions(level);
                let pair = sim
                    .regenerate_tokens("demo")
                    .ok_or("The sandbox has no demo account.")?;
                new_keys = Some(credentials(&pair));
                flags.read_only_token = on;
            }
            Scenario::V1Retired => {
                sim.set_v1_retired(if on {
                    x_sim::V1Retired::Forbidden453
                } else {
                    x_sim::V1Retired::Off
                });
                flags.v1_retired = on;
            }
            Scenario::OutOfCredits => {
                sim.set_plan(x_sim::Plan::PayPerUse);
                sim.set_credits(if on { 0.0 } else { 10.0 });
                flags.out_of_credits = on;
            }
            Scenario::SlowProcessing => {
                sim.update_modes(|m| m.processing_ms = if on { 8_000 } else { 300 });
                flags.slow_processing = on;
            }
        }
        Ok((*flags, new_keys))
    }

    /// Plays the developer console's "Read and write" + "Regenerate" in the sandbox: the app
    /// becomes read-write and the account gets a new token pair (the old one is revoked).
    pub async fn regenerate(&self) -> Result<x_client::Credentials, String> {
        let sim = self.ensure().await?;
        sim.set_app_permissions(x_sim::AccessLevel::ReadWrite);
        let pair = sim
            .regenerate_tokens("demo")
            .ok_or("The sandbox has no demo account.")?;
        if let Some((_, flags)) = self.inner.lock().await.as_mut() {
            flags.read_only_token = false;
        }
        Ok(credentials(&pair))
    }
}

/// The simulator's demo account as credentials.
pub fn credentials(d: &x_sim::DemoCredentials) -> x_client::Credentials {
    x_client::Credentials {
        consumer_key: d.consumer_key.clone(),
        consumer_secret: d.consumer_secret.clone(),
        access_token: d.access_token.clone(),
        access_secret: d.access_token_secret.clone(),
    }
}

/// The simulator's endpoints.
pub fn endpoints(sim: &SimHandle) -> x_client::Endpoints {
    x_client::Endpoints {
        api_base: sim.api_base(),
        upload_base: sim.upload_base(),
    }
}
