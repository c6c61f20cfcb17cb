"""botocore's CloudFrontSigner signing the same custom-policy cookie set as the Rust benches.

The key is loaded once (as the botocore docs recommend); each iteration builds the policy,
signs it (RSA-SHA1, the only hash botocore supports) and produces the three cookie values.
Prints operations per second. Usage: python3 botocore_cookies.py KEY_PEM SECONDS
"""
import base64
import datetime
import sys
import time

import rsa
from botocore.signers import CloudFrontSigner

key = rsa.PrivateKey.load_pkcs1(open(sys.argv[1], "rb").read())
seconds = float(sys.argv[2])


def rsa_signer(message):
    return rsa.sign(message, key, "SHA-1")


signer = CloudFrontSigner("KBENCH", rsa_signer)
expires = datetime.datetime(2026, 1, 1, 18, 0, 0, tzinfo=datetime.timezone.utc)


def b64(data):
    return base64.b64encode(data).replace(b"+", b"-").replace(b"=", b"_").replace(b"/", b"~").decode()


def cookie_set():
    policy = signer.build_policy("https://cdn.example.com/u/alice/*", expires).encode("utf8")
    return {
        "CloudFront-Policy": b64(policy),
        "CloudFront-Signature": b64(signer.rsa_signer(policy)),
        "CloudFront-Key-Pair-Id": "KBENCH",
    }


n, start = 0, time.perf_counter()
while time.perf_counter() - start < seconds:
    cookie_set()
    n += 1
print(f"{n / (time.perf_counter() - start):.1f}")
