"""A self-signed certificate for 127.0.0.1, for HTTPS tests and demos.

Uses the ``cryptography`` package when it is installed, else the ``openssl`` CLI.
The certificate is its own CA: pass the cert file as the client's CA bundle.
"""

import datetime
import ipaddress
import shutil
import subprocess
from pathlib import Path


def make_self_signed_cert(directory, host="127.0.0.1", days=2):
    """Write cert.pem and key.pem into ``directory``; returns (certfile, keyfile) as strings."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    certfile, keyfile = directory / "cert.pem", directory / "key.pem"
    try:
        import cryptography  # noqa: F401 - only probing whether it is installed
    except ImportError:
        _with_openssl(certfile, keyfile, host, days)
    else:
        _with_cryptography(certfile, keyfile, host, days)
    return str(certfile), str(keyfile)


def _with_cryptography(certfile, keyfile, host, days):
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, host)])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=days))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address(host))]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    keyfile.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    certfile.write_bytes(cert.public_bytes(serialization.Encoding.PEM))


def _with_openssl(certfile, keyfile, host, days):
    if shutil.which("openssl") is None:
        raise RuntimeError("neither the cryptography package nor the openssl CLI is available")
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
         "-keyout", str(keyfile), "-out", str(certfile), "-days", str(days), "-subj", f"/CN={host}",
         "-addext", f"subjectAltName=IP:{host}", "-addext", "basicConstraints=critical,CA:TRUE"],
        check=True, capture_output=True,
    )
