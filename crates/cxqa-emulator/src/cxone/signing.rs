//! The key the emulator signs id_tokens with: an ES256 key made when the emulator starts, whose
//! public half `jwks_uri` serves, so a client that verifies tokens can.

use super::*;
use ring::rand::SystemRandom;
use ring::signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, KeyPair};

pub(crate) struct TokenSigner {
    key: EcdsaKeyPair,
    kid: String,
    random: SystemRandom,
}

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

impl TokenSigner {
    pub(super) fn generate() -> TokenSigner {
        let random = SystemRandom::new();
        let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &random)
            .expect("the system random source makes a P-256 key");
        let key =
            EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, pkcs8.as_ref(), &random)
                .expect("a key ring generated reads back");
        // The key id: a prefix of the public key, so a restart's new key has a new id.
        let kid = b64(&key.public_key().as_ref()[1..13]);
        TokenSigner { key, kid, random }
    }

    /// A compact JWS over `claims`.
    pub(super) fn sign(&self, claims: &Value) -> String {
        let header = json!({ "alg": "ES256", "typ": "JWT", "kid": self.kid });
        let signed = format!(
            "{}.{}",
            b64(header.to_string().as_bytes()),
            b64(claims.to_string().as_bytes())
        );
        let signature = self
            .key
            .sign(&self.random, signed.as_bytes())
            .expect("ES256 signing with the system random source");
        format!("{signed}.{}", b64(signature.as_ref()))
    }

    /// The JSON Web Key Set holding the public key (an uncompressed P-256 point: 0x04 ‖ x ‖ y).
    pub(super) fn jwks(&self) -> Value {
        let point = self.key.public_key().as_ref();
        json!({ "keys": [{
            "kty": "EC", "crv": "P-256", "use": "sig", "alg": "ES256", "kid": self.kid,
            "x": b64(&point[1..33]), "y": b64(&point[33..65])
        }] })
    }
}

pub(super) async fn jwks(State(state): Shared) -> Json<Value> {
    state.count("/auth/jwks");
    Json(state.signer.jwks())
}
