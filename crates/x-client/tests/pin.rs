//! PIN sign-in (`PinFlow`) against the simulator: request token, approval, access token, a
//! wrong PIN refused, then the token invalidated (disconnect).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use x_client::{Endpoints, ErrorKind};

#[tokio::test]
async fn pin_flow_then_invalidate() {
    let s = sim().await;
    let d = s.demo();
    let endpoints = Endpoints {
        api_base: s.api_base(),
        upload_base: s.upload_base(),
    };
    let flow =
        x_client::PinFlow::new(endpoints.clone(), &d.consumer_key, &d.consumer_secret).unwrap();
    let rt = flow.request_token().await.unwrap();
    assert!(rt.authorize_url.contains(&rt.token));
    let pin = s.approve_pin(&rt.token).unwrap();
    let grant = flow.access_token(&rt, &pin).await.unwrap();
    assert_eq!(grant.screen_name.as_deref(), Some(d.username.as_str()));
    let c = client_with(&s, grant.credentials.clone(), fast_config());
    assert_eq!(c.me().await.unwrap().username, d.username);
    // A wrong PIN is refused.
    let rt2 = flow.request_token().await.unwrap();
    assert!(flow.access_token(&rt2, "0000000").await.is_err());
    // Disconnect: the token is revoked.
    c.invalidate_token().await.unwrap();
    assert_eq!(c.me().await.unwrap_err().kind(), ErrorKind::TokenRevoked);
    s.shutdown().await;
}
