//! Verification against the simulator: read-write, read-only, revoked and mixed-up keys.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use accounts::{verify, Verification};
use testkit::{credentials, endpoints};
use x_client::{ErrorKind, WizardStep};

#[tokio::test]
async fn verification_outcomes() {
    let sim = x_sim::start(x_sim::SimConfig::default()).await.unwrap();
    let endpoints = endpoints(&sim);
    let demo = sim.demo();

    match verify(endpoints.clone(), credentials(&demo)).await {
        Verification::Verified {
            username,
            access_level,
            ..
        } => {
            assert_eq!(username, demo.username);
            assert_eq!(access_level, x_client::AccessLevel::ReadWrite);
        }
        other => panic!("expected verified, got {other:?}"),
    }

    // A token issued while the app was read-only stays read-only.
    let read = sim.issue_token("demo", x_sim::AccessLevel::Read).unwrap();
    match verify(endpoints.clone(), credentials(&read)).await {
        Verification::ReadOnly { wizard_step, .. } => {
            assert_eq!(wizard_step, WizardStep::Permissions)
        }
        other => panic!("expected read-only, got {other:?}"),
    }

    // Regenerating revokes the old pair; the new one has the app's permissions.
    sim.set_app_permissions(x_sim::AccessLevel::ReadWrite);
    let fresh = sim.regenerate_tokens("demo").unwrap();
    assert!(matches!(
        verify(endpoints.clone(), credentials(&fresh)).await,
        Verification::Verified { .. }
    ));
    match verify(endpoints.clone(), credentials(&read)).await {
        Verification::Failed { diagnosis } => {
            assert_eq!(diagnosis.status, Some(401), "{diagnosis:?}");
            assert!(diagnosis.wizard_step.is_some(), "{diagnosis:?}");
        }
        other => panic!("expected a revoked token to fail, got {other:?}"),
    }

    // Keys of one app with a secret of another: invalid credentials, back to Paste.
    let mut mixed = credentials(&fresh);
    mixed.consumer_secret = "not-the-right-secret-000000000000000000000000000".into();
    match verify(endpoints, mixed).await {
        Verification::Failed { diagnosis } => {
            assert_eq!(diagnosis.kind, ErrorKind::InvalidCredentials);
            assert_eq!(diagnosis.wizard_step, Some(WizardStep::Paste));
        }
        other => panic!("expected invalid credentials, got {other:?}"),
    }
    sim.shutdown().await;
}

#[tokio::test]
async fn pin_sign_in_gives_working_keys() {
    let sim = x_sim::start(x_sim::SimConfig::default()).await.unwrap();
    let endpoints = endpoints(&sim);
    let demo = sim.demo();
    let flow = x_client::PinFlow::new(endpoints.clone(), &demo.consumer_key, &demo.consumer_secret)
        .unwrap();
    let session = flow.request_token().await.unwrap();
    assert!(session
        .authorize_url
        .starts_with(&format!("{}/oauth/authorize?oauth_token=", sim.api_base())));
    let pin = sim.approve_pin(&session.token).unwrap();
    // A PIN that is not the one X showed is refused with a diagnosis.
    let wrong = if pin == "1234567" {
        "7654321"
    } else {
        "1234567"
    };
    let refused = flow.access_token(&session, wrong).await.unwrap_err();
    assert_eq!(refused.status(), Some(401), "{refused:?}");
    let result = flow.access_token(&session, &pin).await.unwrap();
    assert_eq!(result.screen_name.as_deref(), Some(demo.username.as_str()));
    assert!(matches!(
        verify(endpoints, result.credentials).await,
        Verification::Verified { .. }
    ));
    sim.shutdown().await;
}
