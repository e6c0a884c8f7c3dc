"""A PostgreSQL cluster of this package's own with TLS on (and scram-sha-256 over TCP), shared by its
modules: the machine's server has ssl off and trusts every local connection."""

import secrets
from collections.abc import Iterator

import pytest

from tests.support import provision
from tests.support.private_postgres import PrivatePostgres, Tls
from tests.support.tls import Authority


@pytest.fixture(scope="package")
def tls(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Tls]:
    for binary in ("initdb", "pg_ctl"):
        if reason := provision.missing(binary, "runs a PostgreSQL cluster with TLS on,"):
            pytest.skip(reason)
    certs = tmp_path_factory.mktemp("certs")
    ca = Authority.make(certs, "saga-test-ca")
    other = Authority.make(certs, "another-ca")
    server = PrivatePostgres(*ca.issue(certs, "server"), password=secrets.token_hex(12))
    try:
        server.start()
        yield Tls(server, ca.cert, other.cert)
    finally:
        server.stop()
