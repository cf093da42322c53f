# Builds of the Lambda bootstrap. Run from the repository root.
#
#   make package    dist/bootstrap.zip, for any deployment tool
#   sam build       runs build-TwilioGuardFunction (deploy/template.yaml)
#
# The bootstrap is a static arm64 Linux binary for the provided.al2023
# runtime: no cgo, no RPC mode of aws-lambda-go (lambda.norpc), no local
# paths, no symbol tables, no VCS stamp, so that one commit gives one
# binary and one zip.

GO ?= go
DIST ?= dist
LAMBDA_ENV := GOOS=linux GOARCH=arm64 CGO_ENABLED=0
LAMBDA_FLAGS := -tags lambda.norpc -trimpath -buildvcs=false -ldflags '-s -w'

.PHONY: package build-TwilioGuardFunction clean

package:
	mkdir -p $(DIST)
	$(LAMBDA_ENV) $(GO) build $(LAMBDA_FLAGS) -o $(DIST)/bootstrap ./cmd/twilioguard
	$(GO) run ./internal/reprozip -o $(DIST)/bootstrap.zip $(DIST)/bootstrap
	@ls -l $(DIST)/bootstrap.zip

# sam build sets ARTIFACTS_DIR; see
# https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/building-custom-runtimes.html
build-TwilioGuardFunction:
	$(LAMBDA_ENV) $(GO) build $(LAMBDA_FLAGS) -o $(ARTIFACTS_DIR)/bootstrap ./cmd/twilioguard

clean:
	rm -rf $(DIST)
