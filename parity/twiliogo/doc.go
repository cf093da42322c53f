// Package twiliogo compares package signature with the request validator
// of github.com/twilio/twilio-go, Twilio's Go helper library, on generated
// webhook calls, and pins each of that validator's known defects to an
// example.
//
// It is a module of its own so that twilio-go never enters the main
// module's go.mod. Run it from this directory:
//
//	go test ./...
//
// After a change to the main module's go.mod, run go mod tidy here.
// ../README.md lists the defects found.
package twiliogo
