"""The README's curl examples, run as written against a stack of the four services: every request
succeeds, and every answer the README shows under a command (`# {...}`) is what the API answers."""

import asyncio
import os
import re
import sys
from pathlib import Path
from uuid import UUID

import aiohttp
import pytest

from stack.supervisor import Stack
from stack.tokens import DEMO_CUSTOMER
from tests.support.client import Api, order_body
from tests.support.stock import prices_known

pytestmark = pytest.mark.e2e

README = Path(__file__).resolve().parents[2] / "README.md"
DEMO_PRODUCT = "00000000-0000-0000-0000-000000000001"


def bash_blocks(markdown: str, containing: str) -> list[str]:
    return [b for b in re.findall(r"^```bash\n(.*?)^```", markdown, re.S | re.M) if containing in b]


def shown_answers(block: str) -> list[re.Pattern[str]]:
    """The JSON answers the README shows (a `# {` line and its `#   ` continuations), as patterns over
    whitespace-free output; `…` (or a `<placeholder>`) stands for anything within one object."""
    answers = re.findall(r"^# (\{.*\}?\n(?:#   .*\n)*)", block, re.M)
    shown = [re.sub(r"\s|^#   ", "", re.sub(r"<\w+>", "…", a), flags=re.M) for a in answers]
    return [re.compile("[^{}]*".join(re.escape(part) for part in line.split("…"))) for line in shown]


async def run_block(block: str, stack: Stack, order_id: str) -> str:
    script = (
        block.replace("http://localhost:3001", stack.url("order"))
        .replace("http://localhost:3002", stack.url("inventory"))
        .replace("<order_id>", order_id)
    )
    # every request must succeed: curl fails the script on a 4xx or 5xx and prints the answer; `make
    # token` is answered as `make` would, with the stack's signing key
    prelude = (
        'set -euo pipefail\ncurl() { command curl --fail-with-body --max-time 10 "$@"; echo; }\n'
        'make() { local a; local -a args=(); for a in "$@"; do case $a in SUB=*) args+=(--sub "${a#SUB=}");;'
        ' SCOPES=*) args+=(--scopes "${a#SCOPES=}");; TTL=*) args+=(--ttl "${a#TTL=}");; esac; done;'
        ' "$SAGA_PYTHON" -m stack.mint --dir "$SAGA_AUTH_DIR" "${args[@]}"; }\n'
    )
    env = {**os.environ, "SAGA_PYTHON": sys.executable, "SAGA_AUTH_DIR": str(stack.tokens.directory)}
    proc = await asyncio.create_subprocess_exec(
        "bash",
        "-c",
        prelude + script,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
        env=env,
    )
    out, _ = await proc.communicate()
    assert proc.returncode == 0, f"a README example failed:\n{script}\n---\n{out.decode()}"
    return out.decode()


@pytest.mark.parametrize("api_prefix", ["localhost:3001/orders", "localhost:3002/inventory"])
async def test_the_readme_curl_examples_work_as_shown(
    stack: Stack, api: Api, http: aiohttp.ClientSession, api_prefix: str
):
    # the product `make up` seeds, which the order examples use
    async with http.put(
        f"{stack.url('inventory')}/inventory/{DEMO_PRODUCT}",
        json={"name": "Demo product 1", "quantity": 100, "price": "49.90"},
    ) as r:
        assert r.status in (200, 201), await r.text()
    await prices_known(stack, {UUID(DEMO_PRODUCT): "49.90"})
    # an order of the demo customer, whose token the examples use
    body = order_body([(UUID(DEMO_PRODUCT), 1, "49.90")], customer_id=DEMO_CUSTOMER)
    async with http.post(f"{stack.url('order')}/orders", json=body) as r:
        assert r.status == 201, await r.text()
        order_id = (await r.json())["order_id"]
    blocks = bash_blocks(README.read_text(), api_prefix)
    assert blocks, f"no README example for {api_prefix}"
    for block in blocks:
        output = re.sub(r"\s", "", await run_block(block, stack, order_id))
        for answer in shown_answers(block):
            assert answer.search(output), f"README shows {answer.pattern!r}; the API answered {output}"
