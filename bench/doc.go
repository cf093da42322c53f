// Package bench measures twilioguard against its peers: Twilio's Go helper
// library (twilio-go) and its Node library (twilio, with express). It is a
// module of its own so that the peers never enter twilioguard's go.mod.
//
// The Go benchmarks in this package compare the validators on one typical
// inbound SMS; run.sh builds the servers and the Lambda bootstrap, drives
// them with wrk on 127.0.0.1 and writes ../BENCHMARKS.md. See README.md.
package bench
