# Quick start: `make run` (bot on http://localhost:5005) and `make test`.
SHELL := /bin/bash
.DEFAULT_GOAL := run
S := scripts

.PHONY: setup system rules train web run test eval bench validate clean scale-demo

setup:            ## Python 3.10 venv with the pinned dependencies
	@$(S)/setup.sh

# Only `make test` needs these (a browser, PostgreSQL, Redis, nginx...); `make run` does not.
system:           ## Install the missing Debian packages the tests need (as root; else prints the command)
	@$(S)/system_setup.sh

rules: setup      ## Validate and load data/provinces.yml into the rules database
	@source $(S)/env.sh && $$PY -m bot.rules load

train: setup      ## Train the model if config, domain or data changed
	@$(S)/train.sh

web:              ## Install the help page's chat widget (npm ci when web/package-lock.json changed)
	@$(S)/web_setup.sh

run: rules train web ## Start the action server and the bot on http://localhost:5005
	@$(S)/serve.sh run

validate: setup
	@$(S)/validate.sh

# `system` comes first: web needs nodejs and npm from it on a fresh machine.
test: system rules train web ## Everything (validation, unit, live, browser, faults, scale-out, rasa test, acceptance), then what was skipped
	@$(S)/test.sh

scale-demo: train ## Two Rasa instances behind nginx, shared PostgreSQL + Redis (stop: scripts/scale_demo.sh stop)
	@$(S)/scale_demo.sh start

eval: train       ## Train on data/ (if changed), score the development set (tests/devset) and the test set (tests/testset)
	@source $(S)/env.sh && $$PY -m bot.devtools.eval --errors

# Accuracy is compared with the stock config as it is (100 epochs, seed 42): trained once per
# change of data or config (hours on 2 cores) and cached in results/cache. Serving figures use a
# stock model trained with STOCK_SERVING_EPOCHS (same networks, same serving cost), also cached.
# `make bench BENCH_ARGS=--soak` adds the 30-minute soak.
BENCH_ARGS ?=
bench: rules       ## Benchmarks (accuracy, latency against turn, capacity; docs/benchmarks.md); trains and measures its own model
	@source $(S)/env.sh && $$PY -m bot.devtools.bench --serving-stock-epochs $${STOCK_SERVING_EPOCHS:-10} $(BENCH_ARGS)

clean:
	rm -rf models var results .pytest_cache
