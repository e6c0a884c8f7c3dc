# Documentation: the README's settings table, generated from the services' settings classes.
# Included from the Makefile; does not change its default goal.
_docs_mk_default_goal := $(.DEFAULT_GOAL)

.PHONY: settings-table settings-table-check

## settings-table: rewrite the README's settings table from the settings classes (after adding or
## changing a setting; tests/unit/test_settings_table.py fails until it is run)
settings-table: venv
	$(VENV)/bin/python scripts/settings_table.py

## settings-table-check: say whether the README's settings table is up to date, change nothing
settings-table-check: venv
	$(VENV)/bin/python scripts/settings_table.py --check

.DEFAULT_GOAL := $(_docs_mk_default_goal)
