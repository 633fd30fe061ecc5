//! Reference §2: signed id_tokens with their key at `jwks_uri`, the legacy access-key login
//! (§2.4), and discovery values that lead back to the emulator (§2.3).

use super::*;
use ring::signature::{ECDSA_P256_SHA256_FIXED, UnparsedPublicKey};

fn b64_decode(text: &str) -> Vec<u8> {
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(text)
        .unwrap()
}

/// The key set `jwks_uri` serves, found through OIDC discovery as a verifying client does.
async fn published_keys(http: &reqwest::Client, base: &str) -> Vec<Value> {
    let openid: Value = http
        .get(format!("{base}/.well-known/openid-configuration"))
        .json_of()
        .await;
    let jwks_uri = openid["jwks_uri"].as_str().unwrap();
    let jwks: Value = http.get(jwks_uri).json_of().await;
    jwks["keys"].as_array().unwrap().clone()
}

/// Verifies a compact ES256 JWS against the key set: Ok(kid) or Err(why).
fn verify(jwt: &str, keys: &[Value]) -> Result<String, String> {
    let parts: Vec<&str> = jwt.split('.').collect();
    let [header, payload, signature] = parts[..] else {
        return Err("not three parts".into());
    };
    let header: Value = serde_json::from_slice(&b64_decode(header)).unwrap();
    if header["alg"] != "ES256" {
        return Err(format!("alg {}", header["alg"]));
    }
    let key = keys
        .iter()
        .find(|k| k["kid"] == header["kid"])
        .ok_or("no key with that kid")?;
    let mut point = vec![4u8];
    point.extend(b64_decode(key["x"].as_str().unwrap()));
    point.extend(b64_decode(key["y"].as_str().unwrap()));
    UnparsedPublicKey::new(&ECDSA_P256_SHA256_FIXED, point)
        .verify(
            format!("{}.{payload}", parts[0]).as_bytes(),
            &b64_decode(signature),
        )
        .map_err(|_| "bad signature".to_string())?;
    Ok(header["kid"].as_str().unwrap().to_string())
}

#[tokio::test]
async fn id_tokens_verify_against_the_key_at_jwks_uri_and_each_start_has_its_own_key() {
    let (first, second) = (
        emulator(Faults::default()).await,
        emulator(Faults::default()).await,
    );
    let http = client();
    let mut kids = Vec::new();
    for emu in [&first, &second] {
        let base = emu.url("cxone");
        let keys = published_keys(&http, base).await;
        assert_eq!(keys[0]["kty"], "EC");
        assert_eq!(keys[0]["crv"], "P-256");
        let id_token = cxone_token(&http, base).await["id_token"]
            .as_str()
            .unwrap()
            .to_string();
        kids.push(verify(&id_token, &keys).unwrap());

        // A payload changed after signing no longer verifies.
        let parts: Vec<&str> = id_token.split('.').collect();
        let forged_claims = String::from_utf8(b64_decode(parts[1]))
            .unwrap()
            .replace("\"tenantId\":\"", "\"tenantId\":\"x");
        let forged = format!(
            "{}.{}.{}",
            parts[0],
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(forged_claims),
            parts[2]
        );
        assert_eq!(verify(&forged, &keys).unwrap_err(), "bad signature");
    }
    assert_ne!(kids[0], kids[1], "a key is made per start");
}

#[tokio::test]
async fn the_legacy_access_key_login_and_its_refresh_work_only_with_their_own_tokens() {
    let emu = emulator(Faults::default()).await;
    let http = client();
    let base = emu.url("cxone");
    let login = |secret: &str| {
        http.post(format!("{base}/authentication/v1/token/access-key"))
            .json(&json!({ "accessKeyId": DEMO.access_key_id, "accessKeySecret": secret }))
            .send()
    };
    let refused = login("wrong").await.unwrap();
    assert_eq!(refused.status(), 401);

    let issued: Value = login(DEMO.access_key_secret)
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(issued["expires_in"].as_u64().unwrap() > 0);
    let agents = format!("{base}/incontactapi/services/v34.0/agents?top=1");
    let bearer = issued["access_token"].as_str().unwrap();
    assert_eq!(get_json(&http, &agents, bearer).await.0, 200);

    let refresh = |token: &str| {
        http.post(format!("{base}/public/user/refresh"))
            .json(&json!({ "token": token }))
            .send()
    };
    let renewed: Value = refresh(issued["refresh_token"].as_str().unwrap())
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    for key in [
        "token",
        "refreshToken",
        "tokenExpirationTimeSec",
        "refreshTokenExpirationTimeSec",
    ] {
        assert!(renewed.get(key).is_some(), "{key} in {renewed}");
    }
    assert_eq!(
        get_json(&http, &agents, renewed["token"].as_str().unwrap())
            .await
            .0,
        200
    );

    // An OIDC refresh token does not renew here, nor a UserHub one at /auth/token.
    let oidc = cxone_token(&http, base).await;
    let crossed = refresh(oidc["refresh_token"].as_str().unwrap())
        .await
        .unwrap();
    assert_eq!(crossed.status(), 401);
    let crossed = http
        .post(format!("{base}/auth/token"))
        .form(&[
            ("grant_type", "refresh_token"),
            ("client_id", DEMO.client_id),
            ("refresh_token", issued["refresh_token"].as_str().unwrap()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(crossed.status(), 401);
}

/// A client that builds `api-{area}.{domain}` (as NICE's SDK does when `api_endpoint` is absent)
/// reaches the emulator: the domain is under `localhost`, loopback by RFC 6761, with its port.
#[tokio::test]
async fn discovery_area_and_domain_lead_back_to_the_emulator() {
    let emu = emulator(Faults::default()).await;
    let http = client();
    let base = emu.url("cxone");
    let tenant = emu.state.world.read().unwrap().tenant_id.clone();
    let discovered: Value = http
        .get(format!(
            "{base}/.well-known/cxone-configuration?tenantId={tenant}"
        ))
        .json_of()
        .await;
    let built = format!(
        "http://api-{}.{}",
        discovered["area"].as_str().unwrap(),
        discovered["domain"].as_str().unwrap()
    );
    let url = reqwest::Url::parse(&built).unwrap();
    let host = url.host_str().unwrap().to_string();
    assert!(host.ends_with(".localhost"), "{built}");
    // Resolve as RFC 6761 says (curl and systemd-resolved do; glibc's files+dns does not).
    let _ = rustls::crypto::ring::default_provider().install_default();
    let loopback = reqwest::Client::builder()
        .resolve(&host, "127.0.0.1:0".parse().unwrap())
        .build()
        .unwrap();
    let openid: Value = loopback
        .get(format!("{built}/.well-known/openid-configuration"))
        .json_of()
        .await;
    assert_eq!(openid["token_endpoint"], format!("{base}/auth/token"));
}
