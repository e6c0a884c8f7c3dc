"""`python -m messaging.dlq ...`: see messaging.dlq.cli."""

from messaging.dlq.cli import main

main()
