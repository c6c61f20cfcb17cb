//! The Lambda function: `cargo lambda build --release`, then deploy (see the README).

use std::sync::Arc;

use lambda_cookie_vendor::{Config, issuer, router};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    let config = Config::from_env()?;
    // The private key from the environment (in production, inject it from Secrets Manager, or
    // sign with a KMS key through cfsign-kms's KmsSigner).
    let pem = std::env::var("CLOUDFRONT_PRIVATE_KEY").map_err(|_| "set CLOUDFRONT_PRIVATE_KEY (PEM)")?;
    let key_pair_id = std::env::var("CLOUDFRONT_KEY_PAIR_ID").map_err(|_| "set CLOUDFRONT_KEY_PAIR_ID")?;
    let key = cfsign::SigningKey::from_pem(&pem, &key_pair_id)?;
    let issuer = issuer(Arc::new(key), &config)?;
    lambda_http::run(router(issuer, &config)).await
}
