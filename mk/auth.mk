# Bearer tokens for the local system (README "Place an order"). Included from the Makefile.
_auth_mk_default_goal := $(.DEFAULT_GOAL)

SUB ?=
SCOPES ?=
TTL ?=

.PHONY: token

## token: print a token signed by var/auth's development key (the token alone on the last line):
## make token SUB=<customer uuid> SCOPES="orders:write orders:read" TTL=12h
token: venv
	@$(VENV)/bin/python -m stack.mint $(if $(SUB),--sub '$(SUB)') $(if $(SCOPES),--scopes '$(SCOPES)') \
		$(if $(TTL),--ttl '$(TTL)')

.DEFAULT_GOAL := $(_auth_mk_default_goal)
