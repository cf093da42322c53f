module github.com/twilioguard/twilioguard/bench

go 1.26

// The twilioguard module measured is the one in this repository, never a
// published version; twilio-go, the peer, stays out of its go.mod.
replace github.com/twilioguard/twilioguard => ../

require (
	github.com/twilio/twilio-go v1.31.0
	github.com/twilioguard/twilioguard v0.0.0
)

require (
	github.com/golang/mock v1.6.0 // indirect
	github.com/pkg/errors v0.9.1 // indirect
)
