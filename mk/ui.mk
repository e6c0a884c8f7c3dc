# The RabbitMQ management UI seen through a browser (headless Chromium; `make deps` installs it).
# Included from the Makefile; does not change its default goal.
_ui_mk_default_goal := $(.DEFAULT_GOAL)

.PHONY: ui-screenshot

## ui-screenshot: screenshot the Queues page of the running `make up` system into docs/rabbitmq-queues.png
# logs in as the operator `make up` created when its password is there (var/secrets/rabbitmq-operator)
ui-screenshot: venv deps
	$(VENV)/bin/python scripts/screenshot_ui.py \
	  $$(f=var/secrets/rabbitmq-operator; [ -f $$f ] && echo "--user $${RABBITMQ_USER_PREFIX:-saga-}operator --password $$(cat $$f)") \
	  $(UI_SCREENSHOT_ARGS)

.DEFAULT_GOAL := $(_ui_mk_default_goal)
