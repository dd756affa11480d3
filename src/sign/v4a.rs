//! The SigV4A key pair and signature (`AWS4-ECDSA-P256-SHA256`): an ECDSA
//! P-256 key pair derived from the secret access key, as AWS's SigV4A
//! specification and its reference implementation (aws-c-auth
//! `key_derivation.c`) derive it, and a DER-encoded ECDSA signature over the
//! SHA-256 of the string to sign.
//!
//! The derivation is NIST SP 800-108's KDF in counter mode with HMAC-SHA256
//! as its PRF, one 256-bit block: the key is `"AWS4A" + secret`, the input
//! `00000001 || "AWS4-ECDSA-P256-SHA256" || 00 || access key id || counter ||
//! 00000100` (the counter one byte, from 1). A candidate above `n - 2` (`n`
//! the order of P-256) is dropped and the counter goes up; otherwise the
//! private key is the candidate plus one, so it lies in `[1, n - 1]`. The
//! derivation depends only on the access key id and the secret: one key
//! pair serves every date, region set and service, and is derived once per
//! run.
//!
//! Signatures are deterministic (RFC 6979), so the same request at the same
//! `--signing-time` gives the same URL; AWS CLI's CRT signer picks a random
//! nonce instead, which S3 verifies alike.

use hmac::{Hmac, KeyInit, Mac};
use p256::ecdsa::signature::hazmat::{PrehashSigner, PrehashVerifier};
use p256::ecdsa::{Signature, SigningKey, VerifyingKey};
use sha2::Sha256;
use zeroize::Zeroizing;

use crate::secret::SecretString;

/// `X-Amz-Algorithm` of SigV4A.
pub const ALGORITHM: &str = "AWS4-ECDSA-P256-SHA256";

/// The prefix of the KDF key, before the secret access key.
const KEY_PREFIX: &str = "AWS4A";

/// The order of P-256 minus two, big-endian (FIPS 186-5 / SP 800-186 §3.2.1.3).
const N_MINUS_2: [u8; 32] = [
    0xFF, 0xFF, 0xFF, 0xFF, 0x00, 0x00, 0x00, 0x00, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
    0xBC, 0xE6, 0xFA, 0xAD, 0xA7, 0x17, 0x9E, 0x84, 0xF3, 0xB9, 0xCA, 0xC2, 0xFC, 0x63, 0x25, 0x4F,
];

/// The highest counter the derivation tries (aws-c-auth's limit). The
/// chance of reaching it is about 2^-8000.
const MAX_COUNTER: u8 = 254;

/// The longest DER signature of P-256: two 33-byte integers and headers.
pub const MAX_SIGNATURE_HEX: usize = 2 * 72;

/// The SigV4A key pair of one access key.
#[derive(Clone)]
pub struct KeyPair {
    key: SigningKey,
}

impl std::fmt::Debug for KeyPair {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("KeyPair(redacted)")
    }
}

impl KeyPair {
    /// Derives the key pair of `access_key_id` and its secret.
    pub fn derive(access_key_id: &str, secret: &SecretString) -> Self {
        let mut input = Zeroizing::new(Vec::with_capacity(
            4 + ALGORITHM.len() + 1 + access_key_id.len() + 1 + 4,
        ));
        for counter in 1..=MAX_COUNTER {
            let mut mac = <Hmac<Sha256>>::new_from_slice(
                Zeroizing::new(format!("{KEY_PREFIX}{}", secret.expose())).as_bytes(),
            )
            .expect("HMAC takes keys of any length");
            input.clear();
            input.extend_from_slice(&1u32.to_be_bytes());
            input.extend_from_slice(ALGORITHM.as_bytes());
            input.push(0);
            input.extend_from_slice(access_key_id.as_bytes());
            input.push(counter);
            input.extend_from_slice(&256u32.to_be_bytes());
            mac.update(&input);
            let mut candidate: Zeroizing<[u8; 32]> =
                Zeroizing::new(mac.finalize().into_bytes().into());
            // Arrays compare lexicographically, which for equal lengths is
            // the order of the big-endian numbers.
            if *candidate > N_MINUS_2 {
                continue;
            }
            add_one(&mut candidate);
            let key = SigningKey::from_slice(&*candidate)
                .expect("a scalar in [1, n - 1] is a valid P-256 private key");
            return KeyPair { key };
        }
        unreachable!("254 HMAC outputs in a row above n - 2 (probability about 2^-8000)")
    }

    /// The public key, as the uncompressed point's `x` and `y` (32 bytes each).
    pub fn public_key(&self) -> ([u8; 32], [u8; 32]) {
        let point = self.key.verifying_key().to_sec1_bytes();
        let (mut x, mut y) = ([0u8; 32], [0u8; 32]);
        x.copy_from_slice(&point[1..33]);
        y.copy_from_slice(&point[33..65]);
        (x, y)
    }

    /// The public half, to verify with.
    pub fn verifying_key(&self) -> PublicKey {
        PublicKey {
            key: *self.key.verifying_key(),
        }
    }

    /// Appends the lower-case hex of the DER signature of the message whose
    /// SHA-256 is `digest` (the string to sign's).
    pub fn sign_digest_into(&self, digest: &[u8; 32], out: &mut String) {
        let signature: Signature = self
            .key
            .sign_prehash(digest)
            .expect("a 32-byte digest signs with P-256");
        let der = signature.to_der();
        let mut hex = [0u8; MAX_SIGNATURE_HEX];
        let bytes = der.as_bytes();
        let hex = &mut hex[..2 * bytes.len()];
        hex::encode_to_slice(bytes, hex).expect("room for the hex of a DER signature");
        out.push_str(std::str::from_utf8(hex).expect("hex is ASCII"));
    }

    /// The hex DER signature of `string_to_sign`.
    pub fn sign(&self, string_to_sign: &str) -> String {
        let mut out = String::with_capacity(MAX_SIGNATURE_HEX);
        self.sign_digest_into(&sha256(string_to_sign.as_bytes()), &mut out);
        out
    }
}

/// A SigV4A public key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PublicKey {
    key: VerifyingKey,
}

impl PublicKey {
    /// Whether `signature` (DER bytes) is a signature of `string_to_sign`.
    pub fn verify(&self, string_to_sign: &str, signature: &[u8]) -> bool {
        let Ok(signature) = Signature::from_der(signature) else {
            return false;
        };
        self.key
            .verify_prehash(&sha256(string_to_sign.as_bytes()), &signature)
            .is_ok()
    }
}

fn sha256(data: &[u8]) -> [u8; 32] {
    use sha2::Digest;
    Sha256::digest(data).into()
}

/// `n + 1` of a big-endian number that is below `2^256 - 1`.
fn add_one(n: &mut [u8; 32]) {
    for byte in n.iter_mut().rev() {
        let (sum, carry) = byte.overflowing_add(1);
        *byte = sum;
        if !carry {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The public key of the AWS signing test suite's credentials (`v4a`
    /// cases, `public-key.json`: AKIDEXAMPLE and its example secret).
    #[test]
    fn derives_the_test_suites_public_key() {
        let pair = KeyPair::derive(
            "AKIDEXAMPLE",
            &SecretString::from("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"),
        );
        let (x, y) = pair.public_key();
        assert_eq!(
            hex::encode(x),
            "b6618f6a65740a99e650b33b6b4b5bd0d43b176d721a3edfea7e7d2d56d936b1"
        );
        assert_eq!(
            hex::encode(y),
            "865ed22a7eadc9c5cb9d2cbaca1b3699139fedc5043dc6661864218330c8e518"
        );
    }

    #[test]
    fn signs_what_verifies_and_nothing_else() {
        let pair = KeyPair::derive("AKID", &SecretString::from("secret"));
        let public = pair.verifying_key();
        let sig = hex::decode(pair.sign("text")).unwrap();
        assert!(public.verify("text", &sig));
        assert!(!public.verify("text2", &sig));
        let other = KeyPair::derive("AKID2", &SecretString::from("secret")).verifying_key();
        assert!(!other.verify("text", &sig));
        assert!(!public.verify("text", b"not DER"));
    }

    #[test]
    fn add_one_carries() {
        let mut n = [0xFF; 32];
        n[0] = 0;
        add_one(&mut n);
        let mut want = [0; 32];
        want[0] = 1;
        assert_eq!(n, want);
    }
}
