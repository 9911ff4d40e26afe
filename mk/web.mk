# The local web page (`ccverify ui`) in a real browser: Playwright (playwright-core, from npm)
# driving Debian's Chromium, headless, against `ccverify ui --sandbox`. Screenshots are left in
# target/web-screenshots/ as test artefacts.

WEB_TESTS := ui/web-tests
WEB_SHOTS := target/web-screenshots
CHROMIUM  ?= /usr/bin/chromium
# apt needs root; on a machine where we are not root, ask sudo.
APT_SUDO  := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: test-web chromium

$(WEB_TESTS)/node_modules/.stamp: $(WEB_TESTS)/package.json $(WEB_TESTS)/package-lock.json
	cd $(WEB_TESTS) && npm ci --no-audit --no-fund --loglevel=error
	touch $@

chromium: ## Install Debian's Chromium for the browser tests (apt), unless it is already there
	@test -x $(CHROMIUM) || { \
	  echo "installing Debian's chromium for the browser tests"; \
	  DEBIAN_FRONTEND=noninteractive $(APT_SUDO) apt-get install -y -q chromium >/dev/null \
	  || { $(APT_SUDO) apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive $(APT_SUDO) apt-get install -y -q chromium >/dev/null; }; }
	@$(CHROMIUM) --version

test-web: chromium $(WEB_TESTS)/node_modules/.stamp ## The web page in headless Chromium (attest, chat, tampering, inspect, accessibility); screenshots in target/web-screenshots/
	$(CARGO) build -p ccverify-cli
	rm -rf $(WEB_SHOTS) && mkdir -p $(WEB_SHOTS)
	cd $(WEB_TESTS) && CCVERIFY_BIN=$(CURDIR)/$(BIN) CHROMIUM=$(CHROMIUM) WEB_SCREENSHOTS=$(CURDIR)/$(WEB_SHOTS) \
	  timeout --kill-after=30 900 node --test --test-force-exit --test-timeout=300000 --test-concurrency=1 ui.test.mjs
	@for s in attest chat chat-tampered inspect inspect-tampered inspect-log attest-400px chat-400px; do \
	  test -s $(WEB_SHOTS)/$$s.png || { echo "test-web: no screenshot $$s.png: the browser tests did not all run"; exit 1; }; done
	@echo "test-web: screenshots in $(WEB_SHOTS)/: $$(cd $(WEB_SHOTS) && ls *.png | tr '\n' ' ')"

BINDING_TESTS += test-web
