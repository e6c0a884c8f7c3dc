"""`make up`'s database provisioning, as the superuser: each service's role (password generated once
under var/secrets/) and its database, handed over when it predates roles; prints the services'
`<SERVICE>_DATABASE_URL=...` lines for var/local.env (the Procfile maps them to DATABASE_URL)."""

import argparse
from pathlib import Path

from events.names import DATABASES, SERVICES
from runtime.dbroles import DatabaseRole, database_role, provision
from runtime.secret_files import SECRETS_DIR, stored_secret
from runtime.settings import LOCAL_POSTGRES


def env_variable(service: str) -> str:
    return f"{service.upper()}_DATABASE_URL"


def grants(secrets_dir: Path, prefix: str = "") -> dict[str, DatabaseRole]:
    """The four services' roles: `order_service` on `orders`, ... (`<prefix>_...` for both if given)."""
    return {
        s: DatabaseRole(
            role=database_role(s, prefix),
            password=stored_secret(f"postgres-{database_role(s, prefix)}", secrets_dir),
            database=f"{prefix}_{DATABASES[s]}" if prefix else DATABASES[s],
        )
        for s in SERVICES
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m runtime.provision", description=__doc__)
    parser.add_argument("--server", default=f"{LOCAL_POSTGRES}/postgres", help="a superuser's URL")
    parser.add_argument("--secrets", type=Path, default=SECRETS_DIR, help="where the passwords are kept")
    parser.add_argument("--prefix", default="", help="prefix of role and database names (tests)")
    args = parser.parse_args(argv)
    for service, grant in grants(args.secrets, args.prefix).items():
        provision(args.server, grant)
        print(f"{env_variable(service)}={grant.url(args.server)}")


if __name__ == "__main__":
    main()
