module github.com/twilioguard/twilioguard/parity/twiliogo

go 1.26

require (
	github.com/twilio/twilio-go v1.31.0
	github.com/twilioguard/twilioguard v0.0.0
)

require (
	github.com/golang/mock v1.6.0 // indirect
	github.com/pkg/errors v0.9.1 // indirect
)

// The twilioguard module is the one in this repository, never a published
// version: these tests compare its package signature with twilio-go.
replace github.com/twilioguard/twilioguard => ../..
