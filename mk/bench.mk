# The benchmark (bench/, README "Performance"). Included from the Makefile; keeps its default goal.
_bench_mk_default_goal := $(.DEFAULT_GOAL)

ORDERS ?= 2000
RATE ?= 0
CONCURRENCY ?= 32
SCENARIO ?= spread
WARMUP ?=
ISOLATED ?=

.PHONY: bench bench-bounds bench-suite

## bench: drive the `make up` system with ORDERS orders (SCENARIO=spread|hot|mixed) at RATE orders/s
## (0 = closed loop at CONCURRENCY), after WARMUP orders that are not measured (default 5% of ORDERS,
## at least 50), wait until every order is terminal, run the checker and write
## bench/results/latest.json. ISOLATED=1 runs on a fresh stack of its own instead.
bench: venv
	$(VENV)/bin/python -m bench.run --scenario $(SCENARIO) --orders $(ORDERS) --rate $(RATE) \
		--concurrency $(CONCURRENCY) $(if $(WARMUP),--warmup $(WARMUP)) $(if $(ISOLATED),--isolated)

## bench-suite: the runs the goals are judged by (RUNS, default spread,hot,mixed,spread@100,spread@50;
## each SCENARIO[@RATE][:ORDERS]), one after another: bench/results/suite.json, the README's table rows
## and each goal met or not. ISOLATED=1 as for bench.
RUNS ?=
bench-suite: venv
	$(VENV)/bin/python -m bench.suite $(if $(RUNS),--runs $(RUNS)) $(if $(ISOLATED),--isolated)

## bench-bounds: the machine's bare publish-confirm and hop rates alone (PACED_RATE=800: also the bare
## hop offered at that many hops/s, and what it costs the machine)
PACED_RATE ?=
bench-bounds: venv
	$(VENV)/bin/python -m bench.bounds $(if $(PACED_RATE),--paced-rate $(PACED_RATE))

.DEFAULT_GOAL := $(_bench_mk_default_goal)
