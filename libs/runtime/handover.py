"""The upgrade path to per-service roles: every object of a database that another role owns (postgres,
before roles existed) is handed to the database's role, so its migrations may alter and drop them."""

from psycopg2.extensions import connection

# Everything in the database's own schemas that another role owns, as ALTER ... OWNER statements.
# Tables first: ALTER TABLE takes along their indexes and the sequences their columns own (which may
# not be altered alone), so sequences are listed after, once the tables' own are already handed over.
_USER_SCHEMA = "n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%%'"
_NOT_EXTENSION = "NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = {oid} AND d.deptype = 'e')"
_OWNED_BY_OTHERS = [
    f"""SELECT format('ALTER SCHEMA %%I OWNER TO %%I', n.nspname, %(role)s) FROM pg_namespace n
        WHERE {_USER_SCHEMA} AND pg_get_userbyid(n.nspowner) NOT IN (%(role)s, 'pg_database_owner')""",
    f"""SELECT format('ALTER %%s %%I.%%I OWNER TO %%I', CASE c.relkind WHEN 'v' THEN 'VIEW'
          WHEN 'm' THEN 'MATERIALIZED VIEW' WHEN 'f' THEN 'FOREIGN TABLE' WHEN 'c' THEN 'TYPE'
          ELSE 'TABLE' END, n.nspname, c.relname, %(role)s)
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE {_USER_SCHEMA} AND c.relkind IN ('r', 'p', 'v', 'm', 'f', 'c')
          AND pg_get_userbyid(c.relowner) <> %(role)s AND {_NOT_EXTENSION.format(oid="c.oid")}""",
    f"""SELECT format('ALTER SEQUENCE %%I.%%I OWNER TO %%I', n.nspname, c.relname, %(role)s)
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE {_USER_SCHEMA} AND c.relkind = 'S'
          AND pg_get_userbyid(c.relowner) <> %(role)s AND {_NOT_EXTENSION.format(oid="c.oid")}""",
    f"""SELECT format('ALTER ROUTINE %%s OWNER TO %%I', p.oid::regprocedure, %(role)s)
        FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
        WHERE {_USER_SCHEMA} AND pg_get_userbyid(p.proowner) <> %(role)s
          AND {_NOT_EXTENSION.format(oid="p.oid")}""",
    f"""SELECT format('ALTER TYPE %%I.%%I OWNER TO %%I', n.nspname, t.typname, %(role)s)
        FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
        WHERE {_USER_SCHEMA} AND t.typtype IN ('e', 'd', 'r') AND pg_get_userbyid(t.typowner) <> %(role)s
          AND {_NOT_EXTENSION.format(oid="t.oid")}""",
]


def hand_over(conn: connection, role: str) -> int:
    """Give every object of the database `conn` is connected to (as a superuser) that another role owns
    to `role`; returns how many."""
    moved = 0
    with conn.cursor() as cur:
        for query in _OWNED_BY_OTHERS:
            cur.execute(query, {"role": role})
            for (statement,) in cur.fetchall():
                cur.execute(statement)
                moved += 1
    return moved
