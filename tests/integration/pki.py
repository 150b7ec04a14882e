"""pki.py — a throwaway PKI for TLS tests, made with the openssl CLI: a CA,
a server certificate for 127.0.0.1/localhost, client certificates (allowed
SAN, other SAN, expired, signed by another CA), and any further client
certificates a test names."""
import os
import subprocess


def _run(argv, cwd):
    subprocess.run(argv, cwd=cwd, check=True, capture_output=True, timeout=60)


def _ca(d, name):
    _run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
          "-nodes", "-keyout", f"{name}.key", "-out", f"{name}.pem", "-days", "30",
          "-subj", f"/CN={name}"], d)
    with open(os.path.join(d, f"{name}.cnf"), "w") as f:
        f.write(f"""[ca]
default_ca = ca_{name}
[ca_{name}]
dir = {d}
database = {d}/{name}.index
new_certs_dir = {d}
serial = {d}/{name}.serial
default_md = sha256
policy = anything
copy_extensions = copy
unique_subject = no
[anything]
commonName = supplied
""")
    open(os.path.join(d, f"{name}.index"), "w").close()
    with open(os.path.join(d, f"{name}.serial"), "w") as f:
        f.write("1000\n")


def _leaf(d, ca, name, san, server, start=None, end=None, days=30):
    ext = os.path.join(d, f"{name}.ext")
    with open(ext, "w") as f:
        f.write(f"subjectAltName = {san}\n"
                f"extendedKeyUsage = {'serverAuth' if server else 'clientAuth'}\n"
                "basicConstraints = CA:FALSE\n")
    _run(["openssl", "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
          "-keyout", f"{name}.key", "-out", f"{name}.csr", "-subj", f"/CN={name}"], d)
    argv = ["openssl", "ca", "-batch", "-config", f"{ca}.cnf", "-keyfile", f"{ca}.key", "-cert",
            f"{ca}.pem", "-in", f"{name}.csr", "-out", f"{name}.pem", "-extfile", ext, "-notext"]
    if start:
        argv += ["-startdate", start, "-enddate", end]
    else:
        argv += ["-days", str(days)]
    _run(argv, d)
    os.chmod(os.path.join(d, f"{name}.key"), 0o600)


def make_pki(d, clients=None):
    """Writes the files into d; returns a dict of paths. `clients` maps more
    names to the SAN of a client certificate the CA signs ("DNS:box.test")."""
    os.makedirs(d, exist_ok=True)
    _ca(d, "ca")
    _ca(d, "otherca")
    _leaf(d, "ca", "server", "IP:127.0.0.1,DNS:localhost", True)
    _leaf(d, "ca", "server2", "IP:127.0.0.1,DNS:localhost", True)
    _leaf(d, "ca", "client", "DNS:prometheus.test", False)
    _leaf(d, "ca", "stranger", "DNS:stranger.test", False)
    _leaf(d, "ca", "expired", "DNS:prometheus.test", False, start="20200101000000Z",
          end="20200201000000Z")
    _leaf(d, "otherca", "foreign", "DNS:prometheus.test", False)
    for name, san in (clients or {}).items():
        _leaf(d, "ca", name, san, False)
    return {n: (os.path.join(d, f"{n}.pem"), os.path.join(d, f"{n}.key"))
            for n in ("ca", "server", "server2", "client", "stranger", "expired", "foreign",
                      *(clients or {}))}
